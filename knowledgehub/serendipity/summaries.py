"""Catch-up summaries: the few sentences of a long thread, a busy week or a theme that carry it.

Extractive, so every sentence is one somebody wrote and links back to where they wrote it; nothing
is paraphrased, nothing can be invented.

How a summary is chosen (``summarise``, pure and deterministic, no database):

1. Split each passage into sentences with a careful regular-expression splitter (abbreviations
   such as "e.g." and "Dr.", decimals, web addresses, Markdown bullets). Markdown quote lines
   ("> …") are skipped: they repeat another post, which is itself a passage.
2. Drop sentences too short to say anything ("Thanks!", "+1") or too long to read as one, and exact
   repeats.
3. Score each sentence by centrality: TF-IDF over the sentences, then continuous LexRank (the
   stationary distribution of a random walk on the cosine-similarity graph), computed without ever
   building the n x n matrix (S v = X (X^T v), a sparse product), so 5,000 sentences cost a few
   milliseconds. Its first step is plain centroid similarity; the walk then favours sentences
   that are similar to other central sentences rather than to the vocabulary of one long
   digression. Small boosts for a post's first sentence (where people put their point) and for
   posts others quoted.
4. Select with maximal marginal relevance (MMR), so the summary covers several points instead of
   seven wordings of the most popular one, refusing any sentence too similar to one already chosen
   and taking at most two sentences from one post.
5. Return the chosen sentences in chronological order, so the summary reads as the story it was.

``summarise_items`` builds passages from Items, always through the one visibility rule.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from knowledgehub.knowledge.models import Item
    from knowledgehub.people.models import User

#: Sentences shorter than this (in words) are chatter ("Thanks, that helps!").
MIN_WORDS = 5
#: Sentences longer than this are run-on text (tables, lists without stops) and read badly alone.
MAX_WORDS = 80
#: At most this many sentences from one post, so one long post cannot fill the summary.
MAX_PER_PASSAGE = 2
#: MMR trade-off between centrality (1.0) and novelty (0.0).
MMR_LAMBDA = 0.7
#: A candidate this similar (cosine) to a chosen sentence is a near-duplicate and never chosen.
DUPLICATE_SIMILARITY = 0.8
#: MMR looks at this many of the best-scored sentences (enough for diversity, bounded cost).
MMR_POOL = 150
#: LexRank damping and iterations (converges well within this on thousands of sentences).
DAMPING = 0.85
ITERATIONS = 40
#: Sentences with fewer distinct content words than this are scaled down in proportion: generic
#: lines ("That's all I can say, he said.") otherwise look central because their few words are
#: the commonest.
CONTENT_WORDS = 4
FIRST_SENTENCE_BOOST = 0.1
QUOTED_BOOST = 0.1
#: Items summarised at most (the most recent), so a request stays bounded.
MAX_ITEMS = 300


@dataclass(frozen=True)
class Passage:
    """One post: a forum reply, a comment, an item's text."""

    text: str
    url: str
    title: str
    author: str
    published_at: datetime
    #: How many other posts quoted or answered this one, when known (a small score boost).
    quoted_by: int = 0


@dataclass(frozen=True)
class Sentence:
    """One chosen sentence and where it came from."""

    text: str
    url: str
    title: str
    author: str
    score: float
    published_at: datetime | None = None


# --- splitting --------------------------------------------------------------------------------

#: Words ending in a full stop that do not end a sentence (compared lower-case, without the stop).
ABBREVIATIONS = frozenset({
    "e.g", "i.e", "eg", "ie", "etc", "vs", "v", "cf", "al", "approx", "appx", "est", "dept",
    "govt", "no", "nos", "para", "paras", "p", "pp", "fig", "figs", "vol", "ref", "refs", "tel",
    "ext", "min", "max", "mr", "mrs", "ms", "mx", "dr", "prof", "sir", "st", "cllr", "rev", "hon",
    "ltd", "plc", "inc", "co", "corp", "jr", "sr", "gen", "capt", "lt", "col", "sgt", "ave", "rd",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
})  # fmt: skip

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_FENCE = re.compile(r"^\s*(```|~~~)")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,3}[.)])\s+")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^)(]|\([^)]*\))*\)")
_EMPHASIS = re.compile(r"(\*\*|__|~~|`)")
_SINGLE_EMPHASIS = re.compile(r"(?<![\w*])[*_](?=\S)([^*_\n]+?)(?<=\S)[*_](?![\w*])")
#: A candidate boundary: a stop, question or exclamation mark (possibly repeated, possibly
#: followed by closing quotes or brackets), then white space, then something that can start a
#: sentence.
_BOUNDARY = re.compile(
    r"([.!?\u2026]+[\"'\u201d\u2019)\]]*)\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9\u00c0-\u00de])"
)
#: Terms for TF-IDF: words of two or more characters starting with a letter (no bare numbers).
_TERM = r"(?u)\b[a-zA-Z][a-zA-Z0-9]+\b"
_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:['\u2019][A-Za-z]+)?")
_SPACES = re.compile(r"\s+")
#: Attribution lines of quoted e-mail and forum posts ("Bob wrote:").
_ATTRIBUTION = re.compile(r"\b(?:wrote|writes|said)\s*:\s*$", re.IGNORECASE)


def _clean_markdown(line: str) -> str:
    line = _HEADING.sub("", line)
    line = _IMAGE.sub("", line)
    line = _LINK.sub(r"\1", line)
    line = _EMPHASIS.sub("", line)
    line = _SINGLE_EMPHASIS.sub(r"\1", line)
    return line.strip()


def _blocks(text: str) -> list[str]:
    """Paragraphs and bullet items of a (Markdown or plain) text, without quotes, code blocks or
    tables: each is split into sentences on its own, so a bullet never runs into the next."""
    blocks: list[str] = []
    current: list[str] = []
    in_code = False

    def flush() -> None:
        if current:
            blocks.append(" ".join(current))
            current.clear()

    for raw in text.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(raw):
            in_code = not in_code
            flush()
            continue
        stripped = raw.strip()
        if in_code or (raw.startswith("    ") and not current):
            continue  # code: not prose
        if not stripped or stripped.startswith(">") or stripped.startswith("|"):
            flush()  # a blank line, a quote of another post, a table row
            continue
        if _BULLET.match(raw) or _HEADING.match(raw):
            flush()
            current.append(_clean_markdown(_BULLET.sub("", raw)))
            if _HEADING.match(raw):
                flush()
            continue
        current.append(_clean_markdown(stripped))
    flush()
    return blocks


def _ends_with_abbreviation(chunk: str) -> bool:
    """Whether the text before a candidate boundary ends in an abbreviation or an initial, so
    the stop after it does not end the sentence."""
    words = chunk.rsplit(None, 1)
    if not words:
        return False
    word = words[-1]
    if not word.endswith("."):
        return False
    if _URL.fullmatch(word):
        return False  # "see www.example.org." — a real end
    bare = word.rstrip(".").lstrip("(\"'\u201c\u2018[").lower()
    if bare in ABBREVIATIONS:
        return True
    # Initials ("J. Smith", "U.K.") and dotted abbreviations ("e.g", "a.m").
    return bool(_INITIALS.fullmatch(bare)) and len(bare.replace(".", "")) <= 3


_INITIALS = re.compile(r"(?:[a-z]\.)*[a-z]")
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")


def _hide_url(match: re.Match[str], urls: list[str]) -> str:
    """A placeholder for one web address (its trailing punctuation stays outside it)."""
    url = match.group(0)
    trail = ""
    while url and url[-1] in ".,;:!?)\"'":
        trail = url[-1] + trail
        url = url[:-1]
    urls.append(url)
    return f"\x00{len(urls) - 1}\x00{trail}"


def _show_url(match: re.Match[str], urls: list[str]) -> str:
    return urls[int(match.group(1))]


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, in order, with Markdown quotes, code and tables left out."""
    sentences: list[str] = []
    for block in _blocks(text):
        block = _SPACES.sub(" ", block).strip()
        if not block:
            continue
        # Protect web addresses: their dots and question marks are never boundaries (the
        # boundary pattern needs white space after the stop, but "…/a.b? Next" must not split
        # inside the address either), so replace them by placeholders while splitting.
        urls: list[str] = []
        masked = _URL.sub(partial(_hide_url, urls=urls), block)
        pieces: list[str] = []
        start = 0
        for match in _BOUNDARY.finditer(masked):
            end = match.end(1)
            chunk = masked[start:end]
            if _ends_with_abbreviation(chunk):
                continue
            pieces.append(chunk)
            start = match.end()
        pieces.append(masked[start:])
        for piece in pieces:
            restored = _PLACEHOLDER.sub(partial(_show_url, urls=urls), piece).strip()
            if restored:
                sentences.append(restored)
    return sentences


# --- scoring and selection -------------------------------------------------------------------


def _lexrank(matrix: Any) -> np.ndarray:
    """Continuous LexRank scores of the (L2-normalised, sparse) sentence rows, matrix-free."""
    n = matrix.shape[0]
    ones = np.ones(n)
    # Degree of each sentence in the similarity graph without its self-loop: S 1 - 1.
    self_sim = np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()
    degree = matrix @ (matrix.T @ ones) - self_sim
    degree = np.where(degree > 1e-12, degree, 0.0)
    safe = np.where(degree > 0, degree, 1.0)
    rank = ones / n
    for _ in range(ITERATIONS):
        share = np.where(degree > 0, rank / safe, 0.0)
        # Mass from sentences with no neighbours (pure chatter) is spread evenly.
        dangling = rank[degree == 0].sum()
        spread = matrix @ (matrix.T @ share) - self_sim * share
        new = (1 - DAMPING) / n + DAMPING * (spread + dangling / n)
        if np.abs(new - rank).sum() < 1e-9:
            rank = new
            break
        rank = new
    return np.asarray(rank)


@dataclass
class _Candidate:
    text: str
    passage: int
    position: int  # index of the sentence in its passage


def summarise(passages: Sequence[Passage], max_sentences: int = 7) -> list[Sentence]:
    """The ``max_sentences`` sentences that best sum up ``passages``, in chronological order,
    each with the passage it came from. Deterministic: the same input gives the same output."""
    if max_sentences <= 0 or not passages:
        return []
    order = sorted(range(len(passages)), key=lambda i: (passages[i].published_at, i))
    candidates: list[_Candidate] = []
    seen: set[str] = set()
    for index in order:
        for position, text in enumerate(split_sentences(passages[index].text)):
            words = _WORD.findall(_URL.sub(" ", text))
            if len(words) < MIN_WORDS or len(words) > MAX_WORDS or _ATTRIBUTION.search(text):
                continue
            key = " ".join(words).lower()
            if key in seen:
                continue  # a repeat ("Same here, we had exactly the same problem.")
            seen.add(key)
            candidates.append(_Candidate(text=text, passage=index, position=position))
    if not candidates:
        return []

    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(stop_words="english", sublinear_tf=True, token_pattern=_TERM)
    try:
        matrix = vectoriser.fit_transform([c.text for c in candidates]).tocsr()
    except ValueError:  # nothing but stop words
        return []
    scores = _lexrank(matrix)
    scores = scores / scores.max() if scores.max() > 0 else scores
    content_words = np.diff(matrix.indptr)
    for i, candidate in enumerate(candidates):
        boost = min(1.0, content_words[i] / CONTENT_WORDS)
        if candidate.position == 0:
            boost += FIRST_SENTENCE_BOOST
        quoted = passages[candidate.passage].quoted_by
        if quoted > 0:
            boost += QUOTED_BOOST * math.log1p(quoted)
        scores[i] *= boost

    chosen = _mmr(matrix, scores, candidates, max_sentences)
    rank = {passage: r for r, passage in enumerate(order)}
    chosen.sort(key=lambda i: (rank[candidates[i].passage], candidates[i].position))
    results = []
    for i in chosen:
        candidate = candidates[i]
        passage = passages[candidate.passage]
        results.append(
            Sentence(
                text=candidate.text,
                url=passage.url,
                title=passage.title,
                author=passage.author,
                score=round(float(scores[i]), 4),
                published_at=passage.published_at,
            )
        )
    return results


def _mmr(matrix: Any, scores: np.ndarray, candidates: list[_Candidate], k: int) -> list[int]:
    """Greedy maximal marginal relevance over the best-scored sentences."""
    # Stable: ties keep the earlier sentence.
    pool = [int(i) for i in np.argsort(-scores, kind="stable")[:MMR_POOL] if scores[i] > 0]
    if not pool:
        return []
    pool_matrix = matrix[pool]
    pool_scores = scores[pool]
    max_sim = np.zeros(len(pool))
    available = np.ones(len(pool), dtype=bool)
    per_passage: dict[int, int] = {}
    chosen: list[int] = []
    while len(chosen) < k and available.any():
        value = MMR_LAMBDA * pool_scores - (1 - MMR_LAMBDA) * max_sim
        value = np.where(available, value, -np.inf)
        best = int(np.argmax(value))  # argmax takes the first of equal values: deterministic
        available[best] = False
        sentence = pool[best]
        passage = candidates[sentence].passage
        if per_passage.get(passage, 0) >= MAX_PER_PASSAGE:
            continue
        per_passage[passage] = per_passage.get(passage, 0) + 1
        chosen.append(sentence)
        similarity = np.asarray((pool_matrix @ pool_matrix[best].T).todense()).ravel()
        max_sim = np.maximum(max_sim, similarity)
        available &= max_sim < DUPLICATE_SIMILARITY
    return chosen


# --- from Items -------------------------------------------------------------------------------


def item_passage(item: Item) -> Passage:
    author = item.author.display_name if item.author is not None else item.source_name
    return Passage(
        text=item.text,
        url=item.url,
        title=item.title,
        author=author,
        published_at=item.published_at,
    )


def summarise_items(
    viewer: User | AnonymousUser, items: QuerySet[Item], max_sentences: int = 7
) -> list[Sentence]:
    """A summary of the most recent ``MAX_ITEMS`` of ``items`` that ``viewer`` may see (the
    visibility rule is applied here, whatever the caller passed)."""
    rows = list(
        items.visible_to(viewer)  # type: ignore[attr-defined]
        .select_related("author")
        .order_by("-published_at", "-pk")[:MAX_ITEMS]
    )
    return summarise([item_passage(item) for item in rows], max_sentences=max_sentences)
