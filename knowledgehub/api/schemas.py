"""Schemas shared by several routers: references to people, communities and organisations, and
the knowledge item (every content kind is an Item in the index)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from pydantic import BaseModel, ConfigDict

from knowledgehub.knowledge.models import Item, Tag
from knowledgehub.knowledge.registry import kind_label
from knowledgehub.organisations.choices import COUNCIL_TYPES
from knowledgehub.organisations.models import GSS_CODE_RE


def absolute(url: str) -> str:
    """A path on this site as an absolute URL (links elsewhere are returned as they are)."""
    if url.startswith("/"):
        return settings.SITE_URL + url
    return url


class _Out(BaseModel):
    """Output models are plain pydantic models built with ``model_construct`` from rows we just
    read: no validation on the way out (ninja's ``Schema`` wraps every object in an attribute
    getter and validates it again, which cost three quarters of a list's time). Their JSON
    schemas still define the published contract, which the schemathesis test checks responses
    against."""

    model_config = ConfigDict(from_attributes=True)


@lru_cache(maxsize=8)
def _path_template(name: str, kwarg: str) -> tuple[str, str]:
    """A URL pattern's path split around its one argument, reversed once, so building many
    links costs string concatenation rather than a ``reverse()`` each."""
    marker = "KHURLMARKER"
    path = reverse(name, kwargs={kwarg: marker})
    before, _, after = path.partition(marker)
    return before, after


def _link(name: str, kwarg: str, value: str) -> str:
    before, after = _path_template(name, kwarg)
    return settings.SITE_URL + before + quote(value) + after


class PersonRef(_Out):
    username: str
    name: str
    url: str

    @staticmethod
    def from_user(user: Any) -> PersonRef:
        return PersonRef.model_construct(
            username=user.username,
            name=getattr(user, "name", "") or user.username,
            url=_link("people:detail", "username", user.username),
        )


class CommunityRef(_Out):
    slug: str
    name: str
    url: str

    @staticmethod
    def from_community(community: Any) -> CommunityRef:
        return CommunityRef.model_construct(
            slug=community.slug,
            name=community.name,
            url=_link("communities:detail", "slug", community.slug),
        )


class OrganisationRef(_Out):
    code: str
    name: str
    gss_code: str | None = None
    url: str

    @staticmethod
    def from_organisation(org: Any) -> OrganisationRef:
        return OrganisationRef.model_construct(
            code=org.code,
            name=org.name,
            gss_code=getattr(org, "gss_code", None) or None,
            url=_link("organisations:detail", "code", org.code),
        )


class ItemOut(_Out):
    id: int
    kind: str
    kind_label: str
    title: str
    summary: str
    url: str
    api_url: str
    author: PersonRef | None = None
    source_name: str
    organisation: OrganisationRef | None = None
    community: CommunityRef | None = None
    audience: str
    tags: list[str]
    published_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def fields_from_item(cls, item: Item) -> dict[str, Any]:
        return {
            "id": item.pk,
            "kind": item.kind,
            "kind_label": kind_label(item.kind),
            "title": item.title,
            "summary": item.summary,
            "url": absolute(item.url),
            "api_url": f"{settings.SITE_URL}/api/v1/items/{item.pk}",
            "author": PersonRef.from_user(item.author) if item.author_id else None,
            "source_name": item.source_name,
            "organisation": (
                OrganisationRef.from_organisation(item.organisation)
                if item.organisation_id
                else None
            ),
            "community": (
                CommunityRef.from_community(item.community) if item.community_id else None
            ),
            "audience": item.audience,
            "tags": sorted(tag.slug for tag in item.tags.all()),
            "published_at": item.published_at,
            "updated_at": item.updated_at,
        }

    @classmethod
    def from_item(cls, item: Item) -> ItemOut:
        return ItemOut.model_construct(**ItemOut.fields_from_item(item))


# What ItemOut reads: the list pages never load an item's full text or a person's profile.
ITEM_COLUMNS = (
    "id",
    "kind",
    "title",
    "summary",
    "url",
    "author_id",
    "author__username",
    "author__name",
    "source_name",
    "organisation_id",
    "organisation__code",
    "organisation__name",
    "organisation__type",
    "community_id",
    "community__slug",
    "community__name",
    "audience",
    "published_at",
    "updated_at",
)


def items_for_output(queryset: QuerySet[Item]) -> QuerySet[Item]:
    """What ``ItemOut.from_item`` reads, fetched in a fixed number of queries (three)."""
    return (
        queryset.select_related("author", "organisation", "community")
        .only(*ITEM_COLUMNS)
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("id", "slug")))
    )


def item_rows(queryset: QuerySet[Item]) -> QuerySet[Any]:
    """The columns ``items_out`` needs as plain rows (``values()``): for the busiest lists,
    where building three model instances per item cost more than the query."""
    return queryset.values(*ITEM_COLUMNS)


def _ref_from_row(row: dict[str, Any]) -> dict[str, Any]:
    author = None
    if row["author_id"]:
        username = row["author__username"]
        author = PersonRef.model_construct(
            username=username,
            name=row["author__name"] or username,
            url=_link("people:detail", "username", username),
        )
    organisation = None
    if row["organisation_id"]:
        code = row["organisation__code"]
        is_council = row["organisation__type"] in COUNCIL_TYPES and GSS_CODE_RE.match(code)
        organisation = OrganisationRef.model_construct(
            code=code,
            name=row["organisation__name"],
            gss_code=code if is_council else None,
            url=_link("organisations:detail", "code", code),
        )
    community = None
    if row["community_id"]:
        community = CommunityRef.model_construct(
            slug=row["community__slug"],
            name=row["community__name"],
            url=_link("communities:detail", "slug", row["community__slug"]),
        )
    return {"author": author, "organisation": organisation, "community": community}


def items_out(items: list[Item] | list[dict[str, Any]]) -> list[ItemOut]:
    """Items (model instances from ``items_for_output``, or rows from ``item_rows``) as output.
    Rows get their tags in one query."""
    if not items or not isinstance(items[0], dict):
        return [ItemOut.from_item(item) for item in items]  # type: ignore[arg-type]
    rows: list[dict[str, Any]] = items  # type: ignore[assignment]
    tags: dict[int, list[str]] = {row["id"]: [] for row in rows}
    through = Item.tags.through.objects.filter(item_id__in=list(tags))
    for item_id, slug in through.values_list("item_id", "tag__slug"):
        tags[item_id].append(slug)
    base = settings.SITE_URL
    return [
        ItemOut.model_construct(
            id=row["id"],
            kind=row["kind"],
            kind_label=kind_label(row["kind"]),
            title=row["title"],
            summary=row["summary"],
            url=absolute(row["url"]),
            api_url=f"{base}/api/v1/items/{row['id']}",
            source_name=row["source_name"],
            audience=row["audience"],
            tags=sorted(tags[row["id"]]),
            published_at=row["published_at"],
            updated_at=row["updated_at"],
            **_ref_from_row(row),
        )
        for row in rows
    ]
