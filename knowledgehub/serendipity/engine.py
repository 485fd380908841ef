"""The serendipity engine's maths, free of Django models: the ``embed`` seam and the TF-IDF model.

TF-IDF (scikit-learn) is fitted over every Item's title and text. Each item keeps only its
``TOP_TERMS`` heaviest terms, re-normalised to unit length, so a vector is small enough to store
in a row and cosine similarity is a sparse dot product. The same model is what ``evaluate_related``
measures, so the numbers it prints are the production engine's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

TOP_TERMS = 64  # terms kept per item vector
NEIGHBOURS = 30  # related items precomputed per item
MAX_CHARS = 20_000  # of an item's text read by the model
MAX_FEATURES = 100_000

_INDEX = np.dtype("<i4")
_WEIGHT = np.dtype("<f4")


EMBED_DIM = 384
# Related-item score = EMBEDDING_WEIGHT * embedding cosine + (1 - EMBEDDING_WEIGHT) * TF-IDF cosine.
# Chosen on the labelled sets in ../shared/data/discovery (see evaluate_related and the docs).
EMBEDDING_WEIGHT = 0.5
# With embeddings every pair has some cosine; a neighbour must score at least this much blended
# (an embedding cosine of 0.3 with no shared term), so unrelated items stay unrelated.
MIN_BLENDED = EMBEDDING_WEIGHT * 0.3
EMBED_CHARS = 2_000  # of an item's text given to the embedding model (it reads 256 tokens)


def embed(texts: list[str]) -> np.ndarray | None:
    """Sentence embeddings for ``texts`` (one unit-length float32 row of ``EMBED_DIM`` each), or
    ``None`` when no offline model is installed or ``KH_EMBEDDINGS`` is off. The one seam for
    embeddings (:mod:`.embedding`); nothing is ever downloaded. Loads the model on first use, so
    only the worker and management commands may call it, never a web request."""
    from . import embedding

    return embedding.embed(texts)


def embed_text(title: str, text: str) -> str:
    return f"{title}\n{text[:EMBED_CHARS]}" if title else text[:EMBED_CHARS]


def pack_dense(vec: np.ndarray) -> bytes:
    """A dense vector as float32 little-endian bytes."""
    return np.asarray(vec, dtype=_WEIGHT).reshape(-1).tobytes()


def unpack_dense(blob: bytes) -> np.ndarray:
    return np.frombuffer(bytes(blob), dtype=_WEIGHT).astype(np.float32)


def blend(tfidf_scores: np.ndarray, embedding_scores: np.ndarray | None) -> np.ndarray:
    """The production score from the two cosines (TF-IDF alone when there are no embeddings)."""
    if embedding_scores is None:
        return tfidf_scores
    return EMBEDDING_WEIGHT * embedding_scores + (1.0 - EMBEDDING_WEIGHT) * tfidf_scores


def item_text(title: str, text: str) -> str:
    return f"{title}\n{title}\n{text[:MAX_CHARS]}"  # the title counts twice: it says what matters


# words of 2+ characters starting with a letter (not bare numbers)
_WORD = re.compile(r"(?u)\b[^\W\d_][\w'-]*[^\W_]\b")
# where a phrase cannot continue: sentence ends, commas, brackets, quotes, line breaks
_PHRASE_BREAK = re.compile(r"[.!?;:,()\[\]{}\"\u201c\u201d|/\n\r\t]+")


def analyse(text: str) -> list[str]:
    """Words and two-word phrases for TF-IDF. Unlike scikit-learn's own analyser, a phrase is
    only two words that stand side by side in the text: never across a stop word ("introduce
    yourself. Say" gives no "introduce say"), a comma or a sentence end. So every phrase shown as a
    reason or a theme label is something someone actually wrote."""
    terms: list[str] = []
    for chunk in _PHRASE_BREAK.split(text.lower()):
        previous = ""
        for word in _WORD.findall(chunk):
            if word in ENGLISH_STOP_WORDS:
                previous = ""
                continue
            terms.append(word)
            if previous:
                terms.append(f"{previous} {word}")
            previous = word
    return terms


def _vectorizer(n_docs: int, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    big = n_docs >= 50  # on tiny corpora every term is rare and nothing may be dropped
    return TfidfVectorizer(
        analyzer=analyse,
        sublinear_tf=True,
        min_df=2 if big else 1,
        max_df=0.5 if big else 1.0,
        max_features=MAX_FEATURES,
        dtype=np.float32,
        vocabulary=vocabulary,
    )


class TfidfModel:
    """A fitted TF-IDF model that can be stored (``terms`` + ``idf``) and restored."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.vectorizer = vectorizer
        self.terms: list[str] = [str(t) for t in vectorizer.get_feature_names_out()]

    @classmethod
    def fit(cls, texts: Sequence[str]) -> TfidfModel:
        vectorizer = _vectorizer(len(texts))
        try:
            vectorizer.fit(texts)
        except ValueError:  # an empty vocabulary (no items, or only stop words)
            vectorizer = _vectorizer(1, vocabulary={"": 0})
            vectorizer.fit([""])
        return cls(vectorizer)

    @classmethod
    def restore(cls, terms: list[str], idf: list[float]) -> TfidfModel:
        vectorizer = _vectorizer(len(terms), vocabulary={t: i for i, t in enumerate(terms)})
        vectorizer.idf_ = np.asarray(idf, dtype=np.float64)
        return cls(vectorizer)

    @property
    def idf(self) -> list[float]:
        return [float(x) for x in self.vectorizer.idf_]

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Unit-length rows, each cut to its ``TOP_TERMS`` heaviest terms."""
        return truncate(sparse.csr_matrix(self.vectorizer.transform(texts)), TOP_TERMS)


def truncate(matrix: sparse.csr_matrix, keep: int) -> sparse.csr_matrix:
    """Keep each row's ``keep`` largest entries and scale the row back to unit length."""
    matrix = sparse.csr_matrix(matrix, dtype=np.float32)
    indptr, indices, data = [0], [], []
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        cols, vals = matrix.indices[start:end], matrix.data[start:end]
        if len(vals) > keep:
            top = np.argpartition(-vals, keep - 1)[:keep]
            cols, vals = cols[top], vals[top]
        norm = float(np.linalg.norm(vals))
        if norm > 0:
            vals = vals / norm
        indices.append(cols)
        data.append(vals)
        indptr.append(indptr[-1] + len(cols))
    return sparse.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int32),
            np.asarray(indptr),
        ),
        shape=matrix.shape,
        dtype=np.float32,
    )


def pack(row: sparse.csr_matrix) -> bytes:
    """One sparse row as bytes: int32 term indices then float32 weights (little-endian)."""
    row = sparse.csr_matrix(row)
    return row.indices.astype(_INDEX).tobytes() + row.data.astype(_WEIGHT).tobytes()


def unpack(blob: bytes) -> tuple[np.ndarray, np.ndarray]:
    n = len(blob) // 8
    raw = bytes(blob)
    return (
        np.frombuffer(raw[: n * 4], dtype=_INDEX).astype(np.int32),
        np.frombuffer(raw[n * 4 :], dtype=_WEIGHT).astype(np.float32),
    )


def stack(blobs: Sequence[bytes], n_terms: int) -> sparse.csr_matrix:
    """Stored vectors back into one CSR matrix (one row per blob, in order)."""
    indptr, indices, data = [0], [], []
    for blob in blobs:
        cols, vals = unpack(blob)
        indices.append(cols)
        data.append(vals)
        indptr.append(indptr[-1] + len(cols))
    return sparse.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int32),
            np.asarray(indptr),
        ),
        shape=(len(blobs), max(n_terms, 1)),
        dtype=np.float32,
    )


def nearest(
    queries: sparse.csr_matrix,
    matrix: sparse.csr_matrix,
    k: int = NEIGHBOURS,
    *,
    exclude: Sequence[int] | None = None,
    dense_queries: np.ndarray | None = None,
    dense_matrix: np.ndarray | None = None,
    dead: np.ndarray | None = None,
    chunk_cells: int = 8_000_000,
) -> Iterator[list[tuple[int, float]]]:
    """For each query row, the ``k`` rows of ``matrix`` with the highest score, best first: the
    TF-IDF cosine, blended with the embedding cosine when ``dense_queries`` and ``dense_matrix``
    are given (rows of zeros stand for items without an embedding). ``exclude[i]`` is a row never
    returned for query ``i`` (itself); rows where ``dead`` is true are never returned. Brute force
    in chunks of queries so that a chunk's dense score block stays under ``chunk_cells`` floats."""
    n = matrix.shape[0]
    dense = dense_queries is not None and dense_matrix is not None
    floor = MIN_BLENDED if dense else 1e-6
    step = max(1, chunk_cells // max(n, 1))
    matrix_t = sparse.csc_matrix(matrix.T)
    for start in range(0, queries.shape[0], step):
        block = np.asarray((queries[start : start + step] @ matrix_t).toarray(), dtype=np.float32)
        if dense:
            assert dense_queries is not None and dense_matrix is not None
            block = blend(block, dense_queries[start : start + step] @ dense_matrix[:n].T)
        if dead is not None:
            block[:, dead[:n]] = -1.0
        for offset, scores in enumerate(block):
            if exclude is not None:
                scores[exclude[start + offset]] = -1.0
            take = min(k, n)
            if take <= 0:
                yield []
                continue
            top = np.argpartition(-scores, take - 1)[:take] if take < n else np.arange(n)
            top = top[np.argsort(-scores[top], kind="stable")]
            yield [(int(j), float(scores[j])) for j in top if scores[j] > floor]


def shared_terms(
    a: tuple[np.ndarray, np.ndarray],
    b: tuple[np.ndarray, np.ndarray],
    terms: Sequence[str],
    limit: int = 5,
) -> list[str]:
    """The terms two vectors share, heaviest contribution first; a word already inside a chosen
    phrase ("waste" after "food waste") is skipped."""
    weights_b = dict(zip(b[0].tolist(), b[1].tolist(), strict=True))
    scored = sorted(
        (
            (wa * weights_b[i], i)
            for i, wa in zip(a[0].tolist(), a[1].tolist(), strict=True)
            if i in weights_b
        ),
        reverse=True,
    )
    chosen: list[str] = []
    for _, i in scored:
        term = terms[i] if 0 <= i < len(terms) else ""
        words = term.split()
        if not term or term in chosen or any(term in c.split() for c in chosen):
            continue  # empty, or a word already inside a chosen phrase
        inside = [c for c in chosen if c in words]
        if inside:  # a phrase takes the place of the words it is made of
            at = chosen.index(inside[0])
            chosen = [c for c in chosen if c not in inside]
            chosen.insert(min(at, len(chosen)), term)
            continue
        if len(chosen) < limit:
            chosen.append(term)
    return chosen


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if xs.std() == 0 or ys.std() == 0:
        return 0.0
    return float(np.corrcoef(xs, ys)[0, 1])


ProgressFn = Callable[[str, int, int], Any]
