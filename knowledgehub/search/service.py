"""The search service: one box over everything a person may see.

Public API (used by the search pages, saved-search alerts and, later, hybrid ranking):

* ``search(viewer, q, *, kinds=(), community_id=None, organisation_id=None, region="",
  author_id=None, tag="", date_from=None, date_to=None, sort="relevance", page=1, per_page=20)
  -> SearchResults``
* ``suggest(viewer, prefix, limit=8) -> list[Suggestion]``
* ``matching_items(viewer, q, since) -> QuerySet[Item]``
* ``parse_query(q) -> ParsedQuery`` (the query language, shared by both backends)

Every query starts from ``Item.objects.visible_to(viewer)`` and the full-text condition is added
to that same SQL statement, so hits, counts and facets only ever cover items the viewer may see
(never a post-filtered list). User input reaches the database only as query parameters; the
full-text syntax is built by ``parse_query`` from bare words (letters and digits), so FTS5 or
tsquery operators typed by a person are treated as words.

The query language: plain words are ANDed (``recycling glass``); ``"exact phrase"`` in double
quotes; a trailing ``*`` makes a word a prefix (``recyc*``). Everything else (``-``, ``NEAR``,
``OR``, brackets, colons) is ordinary text.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

import nh3
from django.db import connection
from django.db.models import Count, Q, QuerySet

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.registry import kind_label
from knowledgehub.organisations.models import Organisation
from knowledgehub.people.models import User

from . import backends

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    Viewer = User | AnonymousUser

MAX_QUERY_CHARS = 200
MAX_TERMS = 16
MAX_PER_PAGE = 100
OTHERS_LIMIT = 5

ERROR_EMPTY = "Enter words to search for"
ERROR_TOO_LONG = f"Enter a search of {MAX_QUERY_CHARS} characters or fewer"
ERROR_TOO_MANY = f"Enter a search of {MAX_TERMS} words or fewer"

# A word, as the FTS5 unicode61 tokenizer sees one: letters and digits (underscore separates).
WORD_RE = re.compile(r"[^\W_]+")
TOKEN_RE = re.compile(r'"([^"]*)"|(\S+)')
MARK_OPEN, MARK_CLOSE = "\x02", "\x03"
ELLIPSIS = "…"

Sort = Literal["relevance", "date"]


# --- the query language -----------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One word, or a phrase of several words that must appear together and in order."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    def display(self) -> str:
        text = " ".join(self.words)
        if self.is_phrase:
            text = f'"{text}"'
        return text + ("*" if self.prefix else "")

    def fts(self, column: str = "") -> str:
        # Words are letters and digits only, so wrapping them in double quotes is always safe.
        expr = '"' + " ".join(self.words) + '"' + (" *" if self.prefix else "")
        return f"{column} : {expr}" if column else expr


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[Term, ...]
    normalised: str
    error: str = ""

    @property
    def words(self) -> list[str]:
        return [w for t in self.terms for w in t.words]

    def fts(self, column: str = "") -> str:
        return " AND ".join(t.fts(column) for t in self.terms)


def _fold(word: str) -> str:
    """Lower case without diacritics ("Café" → "cafe"), as the FTS5 tokenizer indexes words."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(WORD_RE.findall(folded))  # letters and digits only, whatever NFKD made


def parse_query(q: str) -> ParsedQuery:
    """Turn what a person typed into terms, or an error message for them."""
    q = (q or "").replace("\x00", "").strip()
    if len(q) > MAX_QUERY_CHARS:
        return ParsedQuery((), q[:MAX_QUERY_CHARS], ERROR_TOO_LONG)
    terms: list[Term] = []
    for match in TOKEN_RE.finditer(q):
        phrase, token = match.group(1), match.group(2)
        if phrase is not None:
            words = tuple(f for w in WORD_RE.findall(phrase) if (f := _fold(w)))
            prefix = False
        else:
            words = tuple(f for w in WORD_RE.findall(token) if (f := _fold(w)))
            # "recyc*" is a prefix; so is "co-op*" (on its last word, as FTS5 does).
            prefix = token.endswith("*") and bool(words) and not token.endswith('"*')
        if words:
            term = Term(words, prefix)
            if term not in terms:
                terms.append(term)
    normalised = " ".join(t.display() for t in terms)
    if not terms:
        return ParsedQuery((), "", ERROR_EMPTY)
    if len(terms) > MAX_TERMS:
        return ParsedQuery((), normalised, ERROR_TOO_MANY)
    return ParsedQuery(tuple(terms), normalised)


def _pg_tsquery(parsed: ParsedQuery, *, title_only: bool = False) -> tuple[str, list[Any]]:
    """SQL for a tsquery matching every term, and its parameters."""
    parts: list[str] = []
    params: list[Any] = []
    for term in parsed.terms:
        if title_only or term.prefix:
            # to_tsquery syntax built from letters and digits only; ":*" prefix, "A" = title.
            weight = "A" if title_only else ""
            tokens = [f"{w}:{weight}" if weight else w for w in term.words]
            if term.prefix:
                last = term.words[-1]
                tokens[-1] = f"{last}:*{weight}"
            joiner = " <-> " if term.is_phrase else " & "
            parts.append("to_tsquery('english', %s)")
            params.append(joiner.join(tokens))
        elif term.is_phrase:
            parts.append("phraseto_tsquery('english', %s)")
            params.append(" ".join(term.words))
        else:
            parts.append("plainto_tsquery('english', %s)")
            params.append(term.words[0])
    return "(" + " && ".join(parts) + ")", params


# --- results ------------------------------------------------------------------------------------


@dataclass
class Hit:
    item: Item
    snippet_html: str  # sanitised; only <mark> tags; built from this item's own text
    score: float  # higher is better
    title_html: str = ""  # the title, escaped, with matched words in <mark>


FacetValue = tuple[Any, str, int]  # (value, label, count)


@dataclass
class SearchResults:
    hits: list[Hit]
    total: int
    facets: dict[str, list[FacetValue]]
    page: int
    num_pages: int
    query: str
    error: str = ""
    per_page: int = 20
    sort: str = "relevance"
    # A separate small group (page 1 only): people, communities and organisations by name.
    people: list[User] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


@dataclass(frozen=True)
class Suggestion:
    label: str
    url: str
    kind: str  # an item kind ("blog_post", …) or "person", "community", "organisation"


def _empty(query: str, error: str, per_page: int, sort: str) -> SearchResults:
    return SearchResults(
        hits=[],
        total=0,
        facets={"kind": [], "community": [], "organisation": []},
        page=1,
        num_pages=1,
        query=query,
        error=error,
        per_page=per_page,
        sort=sort,
    )


# --- building the SQL ---------------------------------------------------------------------------


def _match(qs: QuerySet[Item], parsed: ParsedQuery, *, title_only: bool = False) -> QuerySet[Item]:
    """``qs`` narrowed to items matching ``parsed`` — in the same SQL statement."""
    if connection.vendor == "postgresql":
        sql, params = _pg_tsquery(parsed, title_only=title_only)
        return qs.extra(  # noqa: S610 (fixed SQL; user input only in params)
            where=[f"knowledge_item.{backends.PG_COLUMN} @@ {sql}"], params=params
        )
    fts = parsed.fts("title" if title_only else "")
    table = backends.FTS_TABLE
    return qs.extra(  # noqa: S610 (fixed SQL; user input only in params)
        tables=[table],
        where=[f"{table}.rowid = knowledge_item.id", f"{table} MATCH %s"],
        params=[fts],
    )


def _ranked(qs: QuerySet[Item], parsed: ParsedQuery, *, title_only: bool = False) -> QuerySet[Item]:
    """Matching items with a ``score`` (lower is better on SQLite's bm25, so negated)."""
    matched = _match(qs, parsed, title_only=title_only)
    if connection.vendor == "postgresql":
        sql, params = _pg_tsquery(parsed, title_only=title_only)
        return matched.extra(  # noqa: S610
            select={"score": f"ts_rank_cd(knowledge_item.{backends.PG_COLUMN}, {sql})"},
            select_params=params,
        )
    weights = ", ".join(str(w) for w in backends.BM25_WEIGHTS)
    return matched.extra(  # noqa: S610
        select={"score": f"-bm25({backends.FTS_TABLE}, {weights})"}
    )


def _filtered(
    viewer: Viewer,
    *,
    kinds: Sequence[str],
    community_id: int | None,
    organisation_id: int | None,
    region: str,
    author_id: int | None,
    tag: str,
    date_from: date | None,
    date_to: date | None,
    skip: Collection[str] = (),
) -> QuerySet[Item]:
    """The viewer's visible items with the filters applied, except those named in ``skip``
    (``"kind"``, ``"community"``, ``"organisation"``: the facet columns)."""
    qs = Item.objects.visible_to(viewer)
    if kinds and "kind" not in skip:
        qs = qs.filter(kind__in=list(kinds))
    if community_id is not None and "community" not in skip:
        qs = qs.filter(community_id=community_id)
    if organisation_id is not None and "organisation" not in skip:
        qs = qs.filter(organisation_id=organisation_id)
    if region:
        qs = qs.filter(organisation__region=region)
    if author_id is not None:
        qs = qs.filter(author_id=author_id)
    if tag:
        qs = qs.filter(tags__slug=tag)
    if date_from is not None:
        qs = qs.filter(published_at__date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(published_at__date__lte=date_to)
    return qs


FACET_COLUMNS = ("kind", "community", "organisation")


@dataclass(frozen=True)
class _Counts:
    """The total and the raw facet counts of one search, from one grouped query."""

    total: int
    by_kind: list[tuple[Any, int]]
    by_community: list[tuple[Any, int]]
    by_organisation: list[tuple[Any, int]]


def _rows(qs: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list`` query over knowledge items. On SQLite the same SQL, as
    Django compiled it (visibility rule, filters and match unchanged), is told to read
    knowledge_item through the search's covering index, when that index exists."""
    if connection.vendor != "sqlite":
        return [tuple(row) for row in qs]
    sql, params = qs.query.sql_with_params()
    table = f'FROM "{Item._meta.db_table}" '
    if sql.startswith("SELECT ") and table in sql and backends.sqlite_item_index_exists(connection):
        sql = sql.replace(table, f'{table}INDEXED BY "{backends.SQLITE_ITEM_INDEX}" ', 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _counts(viewer: Viewer, parsed: ParsedQuery, filters: dict[str, Any]) -> _Counts:
    """The number of visible matching items and the counts per kind, community and
    organisation, each facet applying every filter but its own (so a person can see what else
    is there), from ONE query: the match with the visibility rule and every filter except the
    three facet filters, grouped by (kind, community, organisation). The facet filters are then
    applied to those groups here, which is exact because each is an equality (or ``IN``) test on
    one of the grouped columns."""
    qs = _match(_filtered(viewer, **filters, skip=FACET_COLUMNS), parsed)
    groups = qs.order_by().values_list(*FACET_COLUMNS).annotate(n=Count("pk"))
    kinds = set(filters["kinds"])
    community_id = filters["community_id"]
    organisation_id = filters["organisation_id"]
    community_id = None if community_id is None else int(community_id)
    organisation_id = None if organisation_id is None else int(organisation_id)
    total = 0
    by_kind: dict[Any, int] = {}
    by_community: dict[Any, int] = {}
    by_org: dict[Any, int] = {}
    for kind, community, organisation, n in _rows(groups):
        kind_ok = not kinds or kind in kinds
        community_ok = community_id is None or community == community_id
        org_ok = organisation_id is None or organisation == organisation_id
        if kind_ok and community_ok and org_ok:
            total += n
        if community_ok and org_ok:
            by_kind[kind] = by_kind.get(kind, 0) + n
        if kind_ok and org_ok and community is not None:
            by_community[community] = by_community.get(community, 0) + n
        if kind_ok and community_ok and organisation is not None:
            by_org[organisation] = by_org.get(organisation, 0) + n
    return _Counts(total, list(by_kind.items()), list(by_community.items()), list(by_org.items()))


def _facets(viewer: Viewer, counts: _Counts) -> dict[str, list[Any]]:
    """Facet values with labels, from the counts over the viewer's visible matching items."""
    by_kind, by_community, by_org = counts.by_kind, counts.by_community, counts.by_organisation
    # Only name communities the viewer may know exist (an author who left a secret community
    # still sees their own items there, but not the community's name).
    community_names = dict(
        Community.objects.visible_to(viewer)
        .filter(pk__in=[c for c, _ in by_community])
        .values_list("pk", "name")
    )
    org_names = dict(
        Organisation.objects.filter(pk__in=[o for o, _ in by_org]).values_list("pk", "name")
    )

    def ordered(values: Iterable[FacetValue]) -> list[FacetValue]:
        return sorted(values, key=lambda v: (-v[2], v[1].casefold()))

    return {
        "kind": ordered((k, str(kind_label(k)), n) for k, n in by_kind),
        "community": ordered(
            (c, community_names[c], n) for c, n in by_community if c in community_names
        ),
        "organisation": ordered((o, org_names[o], n) for o, n in by_org if o in org_names),
    }


def _page(
    viewer: Viewer,
    parsed: ParsedQuery,
    filters: dict[str, Any],
    *,
    sort: str = "relevance",
    start: int = 0,
    per_page: int = 20,
) -> list[Item]:
    """One page of the viewer's visible matching items, best first (or newest first), each with
    a ``score``. The ranking query selects only (id, score): SQLite sorts every matching row
    before the LIMIT, so carrying whole rows (and the joined author, community and organisation)
    through that sort cost more than the ranking itself. The page's rows are then read by the
    ids that query chose (with the visibility rule, in SQL)."""
    ranked = _ranked(_filtered(viewer, **filters), parsed)
    if sort == "date":
        ranked = ranked.order_by("-published_at", "-id")
    else:
        ranked = ranked.order_by("-score", "-published_at", "-id")
    scored = _rows(ranked.values_list("pk", "score")[start : start + per_page])  # type: ignore[misc]
    if not scored:
        return []
    rows = Item.objects.select_related("community", "organisation", "author").in_bulk(
        [pk for pk, _ in scored]
    )
    items = []
    for pk, score in scored:
        if pk in rows:
            item = rows[pk]
            item.score = score  # type: ignore[attr-defined]
            items.append(item)
    return items


def render_marked(text: str) -> str:
    """Plain text with MARK_OPEN/MARK_CLOSE around matches → safe HTML with only <mark>."""
    escaped = html.escape(text, quote=False)
    marked = escaped.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")
    return nh3.clean(marked, tags={"mark"}, attributes={})


def _snippets(ids: list[int], parsed: ParsedQuery) -> dict[int, tuple[str, str]]:
    """(snippet, highlighted title) per item id, from each item's own text only."""
    if not ids:
        return {}
    out: dict[int, tuple[str, str]] = {}
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql, params = _pg_tsquery(parsed)
            cursor.execute(
                "SELECT id, ts_headline('english', "
                "CASE WHEN text = '' THEN summary ELSE text END, " + sql + ", %s), "
                "ts_headline('english', title, " + sql + ", %s) "
                f"FROM knowledge_item WHERE id IN ({placeholders})",
                [
                    *params,
                    f'StartSel="{MARK_OPEN}", StopSel="{MARK_CLOSE}", MaxWords=35, MinWords=15, '
                    f'MaxFragments=2, FragmentDelimiter=" {ELLIPSIS} "',
                    *params,
                    f'StartSel="{MARK_OPEN}", StopSel="{MARK_CLOSE}", HighlightAll=true',
                    *ids,
                ],
            )
        else:
            table = backends.FTS_TABLE
            cursor.execute(
                f"SELECT rowid, snippet({table}, {backends.TEXT_COLUMN}, %s, %s, %s, 32), "  # noqa: S608 (constant identifiers; values are parameters)
                f"highlight({table}, {backends.TITLE_COLUMN}, %s, %s), "
                f"snippet({table}, {backends.FTS_COLUMNS.index('summary')}, %s, %s, %s, 32) "
                f"FROM {table} WHERE {table} MATCH %s AND rowid IN ({placeholders})",
                [
                    MARK_OPEN,
                    MARK_CLOSE,
                    ELLIPSIS,
                    MARK_OPEN,
                    MARK_CLOSE,
                    MARK_OPEN,
                    MARK_CLOSE,
                    ELLIPSIS,
                    parsed.fts(),
                    *ids,
                ],
            )
        for row in cursor.fetchall():
            snippet = row[1] or (row[3] if len(row) > 3 else "") or ""
            out[row[0]] = (render_marked(snippet), render_marked(row[2] or ""))
    return out


def _others(
    viewer: Viewer, words: list[str], limit: int
) -> tuple[list[User], list[Community], list[Organisation]]:
    people_q, community_q, org_q = Q(), Q(), Q()
    for w in words:
        people_q &= Q(name__icontains=w) | Q(username__icontains=w)
        community_q &= Q(name__icontains=w)
        org_q &= Q(name__icontains=w) | Q(official_name__icontains=w)
    people = list(User.objects.visible_to(viewer).filter(people_q).order_by("name", "pk")[:limit])
    communities = list(
        Community.objects.visible_to(viewer).filter(community_q).order_by("name")[:limit]
    )
    organisations = list(Organisation.objects.filter(org_q).order_by("name")[:limit])
    return people, communities, organisations


# --- the service --------------------------------------------------------------------------------


def search(
    viewer: Viewer,
    q: str,
    *,
    kinds: Sequence[str] = (),
    community_id: int | None = None,
    organisation_id: int | None = None,
    region: str = "",
    author_id: int | None = None,
    tag: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    sort: Sort = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> SearchResults:
    """Ranked items the viewer may see matching ``q``, with snippets, counts and facets."""
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    sort = "date" if sort == "date" else "relevance"
    parsed = parse_query(q)
    if parsed.error:
        return _empty(parsed.normalised, parsed.error, per_page, sort)
    filters: dict[str, Any] = {
        "kinds": tuple(kinds),
        "community_id": community_id,
        "organisation_id": organisation_id,
        "region": region,
        "author_id": author_id,
        "tag": tag,
        "date_from": date_from,
        "date_to": date_to,
    }
    counts = _counts(viewer, parsed, filters)
    total = counts.total
    num_pages = max(1, math.ceil(total / per_page))
    page = max(1, min(int(page), num_pages))
    start = (page - 1) * per_page
    items = (
        _page(viewer, parsed, filters, sort=sort, start=start, per_page=per_page) if total else []
    )
    snippets = _snippets([i.pk for i in items], parsed)
    hits = [
        Hit(
            item=i,
            snippet_html=snippets.get(i.pk, ("", ""))[0],
            score=float(getattr(i, "score", 0.0) or 0.0),
            title_html=snippets.get(i.pk, ("", ""))[1] or html.escape(i.title),
        )
        for i in items
    ]
    results = SearchResults(
        hits=hits,
        total=total,
        facets=_facets(viewer, counts) if total else _empty("", "", 1, sort).facets,
        page=page,
        num_pages=num_pages,
        query=parsed.normalised,
        per_page=per_page,
        sort=sort,
    )
    if page == 1:
        results.people, results.communities, results.organisations = _others(
            viewer, parsed.words, OTHERS_LIMIT
        )
    return results


def matching_items(viewer: Viewer, q: str, since: datetime) -> QuerySet[Item]:
    """Items the viewer may see, matching ``q``, published at or after ``since`` (newest first);
    none for a query that is not valid. For saved-search alerts and feeds."""
    parsed = parse_query(q)
    if parsed.error:
        return Item.objects.none()
    qs = Item.objects.visible_to(viewer).filter(published_at__gte=since)
    return _match(qs, parsed).order_by("-published_at", "-id")


# --- suggestions --------------------------------------------------------------------------------


def edit_distance(a: str, b: str, limit: int = 1) -> int:
    """Levenshtein distance, giving up (returning ``limit + 1``) once it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def near_prefix(typed: str, term: str) -> bool:
    """Whether ``term`` (an indexed, stemmed word) is within one edit of what was typed, read as
    a prefix of the term, or the term as a prefix (a stem) of the typed word."""
    for k in (len(typed) - 1, len(typed), len(typed) + 1):
        if 0 < k <= len(term) and edit_distance(typed, term[:k]) <= 1:
            return True
    return any(
        0 < k <= len(typed) and edit_distance(typed[:k], term) <= 1
        for k in (len(term) - 1, len(term), len(term) + 1)
    )


def close_terms(word: str, limit: int = 3) -> list[str]:
    """Indexed words within one edit of ``word`` (SQLite: the FTS5 vocabulary), most common
    first. The words may come from items the viewer cannot see; they are only used to look for
    more items through the visibility rule, never shown."""
    if connection.vendor != "sqlite" or len(word) < 4:
        return []
    first = word[0]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT term, doc FROM {backends.VOCAB_TABLE} WHERE term >= %s AND term < %s",  # noqa: S608 (constant identifiers; values are parameters)
            [first, chr(ord(first) + 1)],
        )
        rows = cursor.fetchall()
    found = [
        (term, doc)
        for term, doc in rows
        if not term.startswith(word) and not word.startswith(term) and near_prefix(word, term)
    ]
    found.sort(key=lambda r: -r[1])
    return [t for t, _ in found[:limit]]


def _item_suggestions(viewer: Viewer, parsed: ParsedQuery, limit: int) -> list[Item]:
    qs = Item.objects.visible_to(viewer)
    items = list(_ranked(qs, parsed, title_only=True).order_by("-score", "-published_at")[:limit])
    if len(items) >= limit:
        return items
    last = parsed.terms[-1]
    if last.is_phrase or len(last.words[0]) < 4:
        return items
    seen = {i.pk for i in items}
    head = parsed.terms[:-1]
    if connection.vendor == "postgresql":
        if not backends.pg_trgm_available(connection):
            return items
        fuzzy = (_match(qs, ParsedQuery(head, ""), title_only=True) if head else qs).extra(
            where=["word_similarity(%s, lower(knowledge_item.title)) >= 0.5"],
            params=[last.words[0]],
        )
        more = fuzzy.exclude(pk__in=seen).order_by("-published_at")[: limit - len(items)]
        return items + list(more)
    for term in close_terms(last.words[0]):
        corrected = ParsedQuery((*head, Term((term,), prefix=True)), "")
        more = _ranked(qs, corrected, title_only=True).exclude(pk__in=seen)
        for item in more.order_by("-score", "-published_at")[: limit - len(items)]:
            items.append(item)
            seen.add(item.pk)
        if len(items) >= limit:
            break
    return items


def suggest(viewer: Viewer, prefix: str, limit: int = 8) -> list[Suggestion]:
    """As-you-type suggestions: item titles, people, communities and organisations the viewer
    may see, matching what was typed with its last word as a prefix, tolerating one typo in
    that word."""
    parsed = parse_query(prefix)
    if parsed.error or limit <= 0:
        return []
    terms = list(parsed.terms)
    last = terms[-1]
    if not last.prefix:
        terms[-1] = Term(last.words, prefix=True)
    parsed = ParsedQuery(tuple(terms), parsed.normalised)
    text = " ".join(parsed.words)
    others: list[Suggestion] = []
    people = User.objects.visible_to(viewer).filter(
        Q(name__istartswith=text) | Q(username__istartswith=text)
    )
    others += [Suggestion(p.display_name, p.get_absolute_url(), "person") for p in people[:3]]
    communities = Community.objects.visible_to(viewer).filter(name__icontains=text)
    others += [Suggestion(c.name, c.get_absolute_url(), "community") for c in communities[:3]]
    organisations = Organisation.objects.filter(name__icontains=text).order_by("name")
    others += [Suggestion(o.name, o.get_absolute_url(), "organisation") for o in organisations[:3]]
    others = others[: max(0, min(3, limit - 1))] if limit > 1 else []
    items = _item_suggestions(viewer, parsed, limit - len(others))
    return [Suggestion(i.title, i.url, i.kind) for i in items] + others
