"""Themes (``/api/v1/themes``): the themes a caller may see and their items, rising and new
themes, and the heat maps.

The same doors as the pages: themes through ``themes.services.visible_themes`` (sitewide ones
for everyone, a community's only for its members and site admins), items through the one
visibility rule, trends through ``trends.rising_themes`` (the function ``/trends/`` calls) and
heat maps through ``heatmap.cached_heatmap`` (the map ``/trends/heatmap`` and its CSV show), so a
withheld cell's count never leaves the server."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.models import Item
from knowledgehub.themes import heatmap as hm
from knowledgehub.themes.models import Theme
from knowledgehub.themes.services import may_see_community_themes, visible_themes
from knowledgehub.themes.trends import parse_weeks, rising_themes, theme_url

from ..errors import ApiError
from ..pagination import Page, keyset_page, sequence_page
from ..schemas import CommunityRef, ItemOut, absolute, items_for_output, items_out
from .feeds import Pk

router = Router(tags=["themes"])


class ThemeOut(Schema):
    id: int
    label: str
    keywords: list[str]
    size: int = Field(description="Items in the theme")
    community: CommunityRef | None = Field(default=None, description="Empty for sitewide")
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    url: str
    api_url: str
    items_url: str

    @staticmethod
    def from_theme(theme: Theme) -> ThemeOut:
        return ThemeOut(
            id=theme.pk,
            label=theme.label,
            keywords=[str(k) for k in (theme.keywords or [])],
            size=theme.size,
            community=(
                CommunityRef.from_community(theme.community)
                if theme.community_id and theme.community is not None
                else None
            ),
            is_active=theme.is_active,
            created_at=theme.created_at,
            updated_at=theme.updated_at,
            url=absolute(theme_url(theme)),
            api_url=absolute(f"/api/v1/themes/{theme.pk}"),
            items_url=absolute(f"/api/v1/themes/{theme.pk}/items"),
        )


class TrendOut(Schema):
    theme: ThemeOut
    new: bool = Field(description="A theme with little history: new rather than rising")
    week: dt.date = Field(description="Monday of the week it rose in")
    count: int = Field(description="Items that week")
    baseline: float = Field(description="Its usual weekly count before")
    ratio: float | None = Field(default=None, description="count / baseline, when meaningful")
    growth: str = Field(description="The rise in words")
    series: list[int] = Field(description="Weekly counts, oldest first; withheld weeks are 0")


class HeatmapColumn(Schema):
    key: str
    label: str


class HeatmapCell(Schema):
    theme_id: int
    key: str = Field(description="The column's key")
    count: int | None = Field(description="null when withheld")
    suppressed: bool


class HeatmapOut(Schema):
    by: str
    weeks: int
    min_count: int = Field(
        description="Cells counting a restricted item are withheld below this many items"
    )
    columns: list[HeatmapColumn]
    themes: list[ThemeOut]
    cells: list[HeatmapCell]


def _weeks(value: int | None, *, default: int, maximum: int) -> int:
    try:
        return parse_weeks(value, default=default, maximum=maximum)
    except ValueError as exc:
        raise ApiError(
            422, "Invalid input", str(exc), errors=[{"field": "weeks", "message": str(exc)}]
        ) from exc


@router.get("", response=Page[ThemeOut], summary="Themes you may see")
def list_themes(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = 20,
    sort: str | None = None,
    community: str | None = None,
    sitewide: bool | None = None,
) -> dict[str, Any]:
    """Active themes: sitewide ones for everyone, plus those of communities you belong to.
    `community=<slug>` for one community's (404 unless you are a member or a site admin),
    `sitewide=true` for sitewide ones only, `sitewide=false` for community ones only. Sort by
    `size` (default `-size`, biggest first), `label` or `created`."""
    viewer = request.user
    if community:
        found = Community.objects.visible_to(viewer).filter(slug=community[:140]).first()
        if found is None or not may_see_community_themes(viewer, found):
            raise Http404
        themes = visible_themes(viewer, found)
    else:
        themes = visible_themes(viewer)
    if sitewide is True:
        themes = themes.filter(community__isnull=True)
    elif sitewide is False:
        themes = themes.filter(community__isnull=False)
    return keyset_page(
        request,
        themes.select_related("community"),
        sort=sort,
        allowed={"size": "size", "label": "label", "created": "created_at"},
        default="-size",
        limit=limit,
        cursor=cursor,
        transform=lambda rows: [ThemeOut.from_theme(t) for t in rows],
    )


# Registered before /{id} so these names are never read as an id.
@router.get("/trends", response=Page[TrendOut], summary="Rising and new themes")
def list_trends(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = 20,
    weeks: int | None = None,
    kind: Literal["rising", "new"] | None = None,
) -> dict[str, Any]:
    """What ``/trends/`` shows you, computed the same way: themes rising above their own usual
    weekly level (strongest rise first), then new themes (most items first). `kind` for one
    list; `weeks` (4 to 104, default 26) is the history considered. Weeks whose count depends
    on a few restricted items are withheld (counted as 0)."""
    span = _weeks(weeks, default=26, maximum=104)
    found = rising_themes(request.user, weeks=span)
    rising = [r for r in found if not r.is_new]
    new = sorted((r for r in found if r.is_new), key=lambda r: -r.count)
    ranked = (rising if kind != "new" else []) + (new if kind != "rising" else [])
    rows = [
        TrendOut(
            theme=ThemeOut.from_theme(r.theme),
            new=r.is_new,
            week=r.week,
            count=r.count,
            baseline=r.baseline,
            ratio=r.ratio,
            growth=str(r.growth),
            series=list(r.series),
        )
        for r in ranked
    ]
    return sequence_page(request, rows, limit=limit, cursor=cursor, key=f"trends:{span}:{kind}")


@router.get("/heatmap", response=HeatmapOut, summary="A heat map of sitewide themes")
def get_heatmap(
    request: HttpRequest,
    by: Literal["week", "region", "type"] = "week",
    weeks: int | None = None,
) -> dict[str, Any]:
    """The busiest sitewide themes by week, by region or by type of council over the last
    `weeks` weeks (4 to 52, default 12): the same map for everyone, as on ``/trends/heatmap``.
    A cell that counts any restricted item and holds fewer than `min_count` items is withheld:
    its `count` is null and `suppressed` true, everywhere."""
    span = _weeks(weeks, default=hm.DEFAULT_WEEKS, maximum=hm.MAX_WEEKS)
    data = hm.cached_heatmap(by, weeks=span)
    return {
        "by": data.by,
        "weeks": data.weeks,
        "min_count": data.min_count,
        "columns": [{"key": key, "label": str(label)} for key, label in data.columns],
        "themes": [ThemeOut.from_theme(t) for t in data.themes],
        "cells": [
            {
                "theme_id": r["theme_id"],
                "key": r["key"],
                "count": r["count"],  # None when withheld: Cell.shown
                "suppressed": r["suppressed"],
            }
            for r in data.records()
        ],
    }


def _theme(request: HttpRequest, pk: int) -> Theme:
    """A theme the caller may see, active or retired (as its page), else 404."""
    return get_object_or_404(
        visible_themes(request.user, active_only=False).select_related("community"), pk=pk
    )


@router.get("/{id}", response=ThemeOut, summary="One theme")
def get_theme(request: HttpRequest, id: Pk) -> ThemeOut:
    return ThemeOut.from_theme(_theme(request, id))


@router.get("/{id}/items", response=Page[ItemOut], summary="A theme's items you may see")
def list_theme_items(
    request: HttpRequest,
    id: Pk,
    cursor: str | None = None,
    limit: int = 20,
    sort: str | None = None,
) -> dict[str, Any]:
    """The theme's items you may see, closest to the theme first (as on its page);
    `sort=-published` (or `published`, `title`) for a dated order instead."""
    theme = _theme(request, id)
    items = Item.objects.visible_to(request.user).filter(theme_memberships__theme=theme)
    if sort:
        return keyset_page(
            request,
            items_for_output(items),
            sort=sort,
            allowed={"published": "published_at", "title": "title"},
            default="-published",
            limit=limit,
            cursor=cursor,
            transform=items_out,
        )
    # One join to the membership: the filter's, reused by the ordering.
    ranked = items_for_output(items).order_by("-theme_memberships__score", "-published_at", "-pk")

    def window(offset: int, count: int) -> list[ItemOut]:
        return items_out(list(ranked[offset : offset + count]))

    return sequence_page(request, window, limit=limit, cursor=cursor, key=f"theme:{theme.pk}")
