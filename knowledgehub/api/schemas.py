"""Schemas shared by several routers: references to people, communities and organisations, and
the knowledge item (every content kind is an Item in the index)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from ninja import Schema

from knowledgehub.knowledge.models import Item


def absolute(url: str) -> str:
    """A path on this site as an absolute URL (links elsewhere are returned as they are)."""
    if url.startswith("/"):
        return settings.SITE_URL + url
    return url


class PersonRef(Schema):
    username: str
    name: str
    url: str

    @staticmethod
    def from_user(user: Any) -> PersonRef:
        name = user.get_full_name() if hasattr(user, "get_full_name") else ""
        return PersonRef(
            username=user.username,
            name=name or user.username,
            url=absolute(f"/people/{user.username}/"),
        )


class CommunityRef(Schema):
    slug: str
    name: str
    url: str

    @staticmethod
    def from_community(community: Any) -> CommunityRef:
        return CommunityRef(
            slug=community.slug, name=community.name, url=absolute(community.get_absolute_url())
        )


class OrganisationRef(Schema):
    code: str
    name: str
    gss_code: str | None = None
    url: str

    @staticmethod
    def from_organisation(org: Any) -> OrganisationRef:
        return OrganisationRef(
            code=org.code,
            name=org.name,
            gss_code=getattr(org, "gss_code", None) or None,
            url=absolute(org.get_absolute_url()),
        )


class ItemOut(Schema):
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

    @staticmethod
    def from_item(item: Item) -> ItemOut:
        return ItemOut(
            id=item.pk,
            kind=item.kind,
            kind_label=str(item.kind_label),
            title=item.title,
            summary=item.summary,
            url=absolute(item.url),
            api_url=absolute(f"/api/v1/items/{item.pk}"),
            author=PersonRef.from_user(item.author) if item.author_id else None,
            source_name=item.source_name,
            organisation=(
                OrganisationRef.from_organisation(item.organisation)
                if item.organisation_id
                else None
            ),
            community=(CommunityRef.from_community(item.community) if item.community_id else None),
            audience=item.audience,
            tags=sorted(tag.slug for tag in item.tags.all()),
            published_at=item.published_at,
            updated_at=item.updated_at,
        )


def items_for_output(queryset: QuerySet[Item]) -> QuerySet[Item]:
    """What ``ItemOut.from_item`` reads, fetched in a fixed number of queries."""
    return queryset.select_related("author", "organisation", "community").prefetch_related("tags")


def items_out(items: list[Item]) -> list[ItemOut]:
    return [ItemOut.from_item(item) for item in items]
