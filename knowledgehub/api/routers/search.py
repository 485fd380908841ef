"""Search over every item the caller may see, and as-you-type suggestions.

Both call ``knowledgehub.search.service`` with the caller as the viewer: hits, snippets and the
total are computed in the same SQL as the visibility rule, so nothing is filtered afterwards and
nothing the caller may not see is ever counted."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from ninja import Router, Schema

from knowledgehub.search.service import search, suggest

from ..cache import cached_read
from ..errors import ApiError
from ..pagination import Page, check_limit, sequence_page
from ..schemas import ItemOut, absolute
from .items import check_kind, filter_community

router = Router(tags=["search"])

SORTS = ("relevance", "date")
SUGGEST_MAX = 20


class SearchHitOut(Schema):
    item: ItemOut
    snippet: str  # HTML: escaped text from the item, with only <mark> around matched words
    title_html: str  # the title, escaped, with matched words in <mark>
    score: float


class SearchPage(Page[SearchHitOut]):
    total: int = 0


class SuggestionOut(Schema):
    label: str
    url: str
    kind: str  # an item kind, or "person", "community", "organisation"


class SuggestionsOut(Schema):
    items: list[SuggestionOut]


@router.get("", response=SearchPage, summary="Search")
@cached_read(SearchPage)
def search_items(
    request: HttpRequest,
    q: str = "",
    kind: str | None = None,
    community: str | None = None,
    tag: str | None = None,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> dict[str, Any]:
    """Items you may see matching ``q``: words are ANDed, ``"a phrase"`` in double quotes,
    ``word*`` for a prefix. Filters: ``kind``, ``community`` (slug), ``tag`` (slug). ``sort``:
    ``relevance`` (default) or ``date`` (newest first). ``total`` counts every match you may
    see."""
    if not q.strip():
        raise ApiError(400, "Empty search", "Enter words to search for in q.")
    chosen_kind = check_kind(kind)
    community_id = filter_community(request, community).pk if community else None
    order = sort or "relevance"
    if order not in SORTS:
        raise ApiError(400, "Invalid sort", "sort must be relevance or date.")
    size = check_limit(limit)
    # A cursor is an offset that only makes sense for this query, filters and page size.
    key = hashlib.sha256(
        repr((q.strip(), chosen_kind, community_id, tag or "", order, size)).encode()
    ).hexdigest()[:16]
    total = 0

    def rows(offset: int, count: int) -> list[SearchHitOut | None]:
        nonlocal total
        page = offset // size + 1
        results = search(
            request.user,
            q,
            kinds=[chosen_kind] if chosen_kind else [],
            community_id=community_id,
            tag=tag or "",
            sort="date" if order == "date" else "relevance",
            page=page,
            per_page=size,
        )
        if results.error:
            raise ApiError(400, "Invalid search", results.error)
        total = results.total
        if results.page != page or not results.hits:  # past the end (results moved meanwhile)
            return []
        prefetch_related_objects([hit.item for hit in results.hits], "tags")
        out: list[SearchHitOut | None] = [
            SearchHitOut(
                item=ItemOut.from_item(hit.item),
                snippet=hit.snippet_html,
                title_html=hit.title_html,
                score=hit.score,
            )
            for hit in results.hits
        ]
        if results.page < results.num_pages:
            out.append(None)  # tells sequence_page there is a next page; never returned
        return out

    answer = sequence_page(request, rows, limit=size, cursor=cursor, key=key)
    answer["total"] = total
    return answer


@router.get("/suggest", response=SuggestionsOut, summary="Search suggestions")
def search_suggest(request: HttpRequest, q: str = "", limit: int = 8) -> dict[str, Any]:
    """Suggestions as someone types: titles of items, people, communities and organisations
    you may see, completing the last word and tolerating one typo. Empty for an empty ``q``."""
    if not 1 <= limit <= SUGGEST_MAX:
        raise ApiError(400, "Invalid limit", f"limit must be between 1 and {SUGGEST_MAX}.")
    if not q.strip():
        return {"items": []}
    found = suggest(request.user, q, limit=limit)
    return {
        "items": [SuggestionOut(label=s.label, url=absolute(s.url), kind=s.kind) for s in found]
    }
