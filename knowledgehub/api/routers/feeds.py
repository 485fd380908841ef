"""Incoming feeds (``/api/v1/feeds``): the feeds a caller may see with their health, the feed
items they may see, and following and stopping feeds.

Everything goes through the same doors as the ``/feeds/`` pages: a feed is visible when one of
its follows is (``aggregator.services.visible_subscriptions``), its items through the one
visibility rule, and following and stopping through ``subscribe``/``unsubscribe``, so the
SSRF-safe address check, who may follow for whom and the first poll are exactly the pages'."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.responses import Status

from knowledgehub.aggregator.choices import Scope
from knowledgehub.aggregator.models import FeedItem, FeedSource, Subscription
from knowledgehub.aggregator.services import (
    AlreadySubscribed,
    ChooseFeed,
    NotAllowed,
    SubscribeError,
    managed_communities,
    may_manage,
    scope_label,
    subscribe,
    unsubscribe,
    visible_subscriptions,
)
from knowledgehub.aggregator.views import health
from knowledgehub.communities.models import Community
from knowledgehub.knowledge.models import Item
from knowledgehub.people.models import User

from ..auth import TOKEN_AUTH, WRITE_AUTH, require_scope
from ..errors import ApiError
from ..pagination import Page, keyset_page
from ..schemas import CommunityRef, ItemOut, absolute, items_for_output, items_out

router = Router(tags=["feeds"])

#: A primary key in a path: bigger numbers cannot exist (and would overflow the database).
Pk = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise ApiError(401, "Authentication required", "Send a token: Authorization: Bearer …")
    return user


# --- schemas ----------------------------------------------------------------------------------


class FeedSourceOut(Schema):
    id: int
    title: str
    site_url: str
    feed_url: str
    status: str = Field(description="active, paused or gone")
    health: str = Field(description="The feed's health in plain words, as on its page")
    last_fetched: dt.datetime | None = Field(description="Last successful fetch")
    last_checked: dt.datetime | None = Field(description="Last attempt, successful or not")
    last_error: str = Field(description="The last problem in plain words, or empty")
    entries_fetched: int
    url: str
    api_url: str
    items_url: str

    @staticmethod
    def from_source(source: FeedSource) -> FeedSourceOut:
        return FeedSourceOut(
            id=source.pk,
            title=source.display_title,
            site_url=source.site_url,
            feed_url=source.url,
            status=source.status,
            health=str(health(source)["state"]),
            last_fetched=source.last_success_at,
            last_checked=source.last_polled_at,
            last_error=source.last_error,
            entries_fetched=source.items_fetched,
            url=absolute(source.get_absolute_url()),
            api_url=absolute(f"/api/v1/feeds/sources/{source.pk}"),
            items_url=absolute(f"/api/v1/feeds/sources/{source.pk}/items"),
        )


class SubscriptionOut(Schema):
    id: int
    scope: str = Field(description="site, community or private")
    where: str = Field(description="Where its items appear, in words")
    community: CommunityRef | None = None
    source: FeedSourceOut
    created_at: dt.datetime
    api_url: str

    @staticmethod
    def from_subscription(subscription: Subscription) -> SubscriptionOut:
        return SubscriptionOut(
            id=subscription.pk,
            scope=subscription.scope,
            where=str(scope_label(subscription)),
            community=(
                CommunityRef.from_community(subscription.community)
                if subscription.community_id and subscription.community is not None
                else None
            ),
            source=FeedSourceOut.from_source(subscription.source),
            created_at=subscription.created_at,
            api_url=absolute(f"/api/v1/feeds/subscriptions/{subscription.pk}"),
        )


class SubscribeIn(Schema):
    url: str = Field(
        min_length=1,
        max_length=2000,
        description="A feed (RSS, Atom or JSON Feed) or a web page that links to exactly one",
    )
    scope: Literal["private", "community", "site"] | None = Field(
        default=None,
        description=(
            "private (just you), community (give `community`; owners and facilitators) or site "
            "(site admins). Default: community when `community` is given, else private"
        ),
    )
    community: str | None = Field(
        default=None, max_length=140, description="The community's slug, for scope community"
    )


# --- reading ----------------------------------------------------------------------------------


def _visible_sources(user: Any) -> QuerySet[FeedSource]:
    """Feeds with at least one follow the caller may see (the /feeds/ pages' rule)."""
    return FeedSource.objects.filter(pk__in=visible_subscriptions(user).values("source_id"))


@router.get("/sources", response=Page[FeedSourceOut], summary="Feeds you may see")
def list_sources(
    request: HttpRequest, cursor: str | None = None, limit: int = 20, sort: str | None = None
) -> dict[str, Any]:
    """Feeds followed for the whole site, by communities you belong to, or privately by you,
    with their health. Sort by `title` (default) or `created`, `-` for descending."""
    return keyset_page(
        request,
        _visible_sources(request.user),
        sort=sort,
        allowed={"title": "title", "created": "created_at"},
        default="title",
        limit=limit,
        cursor=cursor,
        transform=lambda rows: [FeedSourceOut.from_source(s) for s in rows],
    )


@router.get("/sources/{id}", response=FeedSourceOut, summary="One feed")
def get_source(request: HttpRequest, id: Pk) -> FeedSourceOut:
    """A feed you may see (404 otherwise)."""
    return FeedSourceOut.from_source(get_object_or_404(_visible_sources(request.user), pk=id))


@router.get("/sources/{id}/items", response=Page[ItemOut], summary="A feed's items you may see")
def list_source_items(
    request: HttpRequest,
    id: Pk,
    cursor: str | None = None,
    limit: int = 20,
    sort: str | None = None,
) -> dict[str, Any]:
    """The feed's items you may see, newest first. An entry is one item per follow that shows
    it (a feed followed by the site and by your community gives each entry twice, once with
    each audience), exactly as in the index and search."""
    source = get_object_or_404(_visible_sources(request.user), pk=id)
    placements = FeedItem.objects.filter(subscription__source_id=source.pk).values("pk")
    qs = items_for_output(
        Item.objects.visible_to(request.user).filter(
            kind=FeedItem.knowledge_kind, object_id__in=placements
        )
    )
    return keyset_page(
        request,
        qs,
        sort=sort,
        allowed={"published": "published_at", "title": "title"},
        default="-published",
        limit=limit,
        cursor=cursor,
        transform=items_out,
    )


def _managed_subscriptions(user: Any) -> QuerySet[Subscription]:
    """The caller's private follows, their managed communities' follows and, for site admins,
    the site-wide ones: the follows they may stop."""
    q = Q(scope=Scope.PRIVATE, user_id=user.pk) | Q(
        scope=Scope.COMMUNITY, community_id__in=managed_communities(user).values("pk")
    )
    if user.is_superuser:
        q |= Q(scope=Scope.SITE)
    return visible_subscriptions(user).filter(q).select_related("source", "community")


@router.get(
    "/subscriptions",
    response=Page[SubscriptionOut],
    auth=TOKEN_AUTH,
    summary="Follows you look after",
)
def list_subscriptions(
    request: HttpRequest, cursor: str | None = None, limit: int = 20, sort: str | None = None
) -> dict[str, Any]:
    """Your private follows, those of the communities you own or facilitate, and (site admins)
    the site-wide ones: what you may stop. Sort by `created` (default `-created`)."""
    user = _user(request)
    return keyset_page(
        request,
        _managed_subscriptions(user),
        sort=sort,
        allowed={"created": "created_at"},
        default="-created",
        limit=limit,
        cursor=cursor,
        transform=lambda rows: [SubscriptionOut.from_subscription(s) for s in rows],
    )


# --- writing ----------------------------------------------------------------------------------


def _target(user: User, body: SubscribeIn) -> tuple[str, Community | None]:
    scope = body.scope or (Scope.COMMUNITY if body.community else Scope.PRIVATE)
    if scope != Scope.COMMUNITY:
        if body.community:
            raise ApiError(
                422,
                "Invalid input",
                "A community is only given with scope community.",
                errors=[{"field": "community", "message": "Leave out community for this scope"}],
            )
        return str(scope), None
    if not body.community:
        raise ApiError(
            422,
            "Invalid input",
            "Say which community should follow the feed.",
            errors=[{"field": "community", "message": "Give the community's slug"}],
        )
    community = Community.objects.visible_to(user).filter(slug=body.community).first()
    if community is None:
        raise ApiError(
            422,
            "Invalid input",
            "There is no such community.",
            errors=[{"field": "community", "message": "There is no community with that slug"}],
        )
    return Scope.COMMUNITY, community


@router.post(
    "/subscriptions",
    response={201: SubscriptionOut},
    auth=WRITE_AUTH,
    summary="Follow a feed",
)
def create_subscription(request: HttpRequest, body: SubscribeIn) -> Status[SubscriptionOut]:
    """Follow the feed at `url` (or the one feed the web page at `url` links to): privately,
    for a community you own or facilitate, or (site admins, with a token carrying the admin
    scope) for the whole site. Addresses on
    private or internal networks are refused (422 naming `url`); a page linking to several
    feeds is a 422 whose error lists them as `candidates`; a follow that exists is a 409."""
    require_scope(request, "write")
    user = _user(request)
    scope, community = _target(user, body)
    if scope == Scope.SITE:
        require_scope(request, "admin")  # a site admin's power: a token with the admin scope
    try:
        subscription = subscribe(actor=user, url=body.url, scope=scope, community=community)
    except ChooseFeed as exc:
        raise ApiError(
            422,
            "Choose a feed",
            exc.message,
            errors=[
                {
                    "field": "url",
                    "message": exc.message,
                    "candidates": [{"url": c.url, "title": c.title} for c in exc.candidates],
                }
            ],
        ) from exc
    except AlreadySubscribed as exc:
        raise ApiError(409, "Already followed", exc.message) from exc
    except NotAllowed as exc:
        raise ApiError(403, "Forbidden", exc.message) from exc
    except SubscribeError as exc:
        raise ApiError(
            422, "Invalid input", exc.message, errors=[{"field": "url", "message": exc.message}]
        ) from exc
    subscription = Subscription.objects.select_related("source", "community").get(
        pk=subscription.pk
    )
    return Status(201, SubscriptionOut.from_subscription(subscription))


@router.delete(
    "/subscriptions/{id}",
    response={204: None},
    auth=WRITE_AUTH,
    summary="Stop following a feed",
)
def delete_subscription(request: HttpRequest, id: Pk) -> Status[None]:
    """Stop a follow you may stop (your own, your community's as owner or facilitator, or a
    site-wide one as a site admin with the admin scope); its feed items leave the index. 404
    for a follow you may not see, 403 for one you see but may not stop."""
    require_scope(request, "write")
    user = _user(request)
    subscription = get_object_or_404(
        visible_subscriptions(user).select_related("source", "community"), pk=id
    )
    if not may_manage(user, subscription):
        raise ApiError(403, "Forbidden", "You cannot stop this feed.")
    if subscription.scope == Scope.SITE:
        require_scope(request, "admin")  # a site admin's power: a token with the admin scope
    try:
        unsubscribe(actor=user, subscription=subscription)
    except NotAllowed as exc:
        raise ApiError(403, "Forbidden", exc.message) from exc
    return Status(204, None)
