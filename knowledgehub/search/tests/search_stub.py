"""A stand-in for ``search.service`` in the page tests: the same interface, read through the one
visibility rule with a plain ``icontains`` match, and it records every call so tests can check
what the views asked for (who the viewer was, which filters)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import mark_safe

from knowledgehub.knowledge.models import Item


@dataclass
class Hit:
    item: Item
    snippet_html: str
    score: float = 1.0


@dataclass
class Results:
    hits: list[Hit]
    total: int
    facets: dict[str, list[tuple[Any, str, int]]]
    page: int
    num_pages: int
    query: str
    error: str = ""
    people: list[Any] = field(default_factory=list)
    communities: list[Any] = field(default_factory=list)
    organisations: list[Any] = field(default_factory=list)


@dataclass
class Suggestion:
    label: str
    url: str
    kind: str


@dataclass
class StubService:
    calls: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""

    def _matching(self, viewer: Any, q: str) -> QuerySet[Item]:
        qs = Item.objects.visible_to(viewer)
        if q:
            qs = qs.filter(Q(title__icontains=q) | Q(text__icontains=q))
        return qs

    def search(self, viewer: Any, q: str, **kw: Any) -> Results:
        self.calls.append({"viewer": viewer, "q": q, **kw})
        if self.error:
            return Results([], 0, {}, 1, 0, q, self.error)
        qs = self._matching(viewer, q)
        if kw.get("kinds"):
            qs = qs.filter(kind__in=kw["kinds"])
        if kw.get("community_id"):
            qs = qs.filter(community_id=kw["community_id"])
        if kw.get("organisation_id"):
            qs = qs.filter(organisation_id=kw["organisation_id"])
        if kw.get("author_id") is not None:
            qs = qs.filter(author_id=kw["author_id"])
        if kw.get("date_from"):
            qs = qs.filter(published_at__date__gte=kw["date_from"])
        if kw.get("date_to"):
            qs = qs.filter(published_at__date__lte=kw["date_to"])
        total = qs.count()
        per_page = kw.get("per_page", 20)
        num_pages = max(1, math.ceil(total / per_page))
        page = max(1, min(kw.get("page", 1), num_pages))
        facets = {
            "kind": [
                (r["kind"], r["kind"].replace("_", " "), r["n"])
                for r in qs.values("kind").annotate(n=Count("id")).order_by("kind")
            ],
            "community": [
                (r["community_id"], r["community__name"], r["n"])
                for r in qs.exclude(community=None)
                .values("community_id", "community__name")
                .annotate(n=Count("id"))
                .order_by("community__name")
            ],
            "organisation": [],
        }
        order = ("-published_at", "-id") if kw.get("sort") == "date" else ("title", "id")
        rows = list(qs.order_by(*order)[(page - 1) * per_page : page * per_page])
        hits = [Hit(i, mark_safe(f"about <mark>{escape(q)}</mark>")) for i in rows]  # noqa: S308
        return Results(hits, total, facets, page, num_pages, q)

    def suggest(self, viewer: Any, prefix: str, limit: int = 8) -> list[Suggestion]:
        self.calls.append({"viewer": viewer, "prefix": prefix})
        qs = Item.objects.visible_to(viewer).filter(title__istartswith=prefix)[:limit]
        return [Suggestion(i.title, i.url, i.kind) for i in qs]

    def matching_items(self, viewer: Any, q: str, since: datetime) -> QuerySet[Item]:
        self.calls.append({"viewer": viewer, "q": q, "since": since})
        return self._matching(viewer, q).filter(published_at__gt=since)
