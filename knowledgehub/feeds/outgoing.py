"""Feeds out: Atom, RSS 2.0 and JSON Feed 1.1 of knowledge items, for the site, a community, a
person and a tag.

Feed readers fetch without the reader's cookies and feed URLs get shared, so every public feed is
built as an anonymous visitor would see it (through the one visibility rule), whoever requests
it. Members who want their community's restricted items use a private feed URL carrying a
personal token (see ``feeds.models.FeedToken``); it is read with that person's visibility, so it
stops showing a community's items the moment they leave.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.models import Item, Tag
from knowledgehub.knowledge.registry import unauthored_kinds
from knowledgehub.people.models import User

FEED_SIZE = 30


@dataclass(frozen=True)
class FeedSource:
    """What a feed is about: its title, its page, and the items in it."""

    title: str
    link: str
    description: str
    items: list[Item]
    feed_path: str  # the feed's own path without the extension
    private: bool = False  # a private (token) feed: never advertised to WebSub hubs


def _viewer(request: HttpRequest) -> User | AnonymousUser:
    return getattr(request, "feed_user", None) or AnonymousUser()


def _items(
    viewer: User | AnonymousUser, *, exclude_kinds: list[str] | None = None, **filters: Any
) -> list[Item]:
    return list(
        Item.objects.visible_to(viewer)
        .filter(**filters)
        .exclude(kind__in=exclude_kinds or [])
        .select_related("author", "community")
        .prefetch_related("tags")
        .order_by("-published_at", "-id")[:FEED_SIZE]
    )


def source_for(request: HttpRequest, scope: str, key: str = "") -> FeedSource:
    viewer = _viewer(request)
    site = settings.SITE_NAME
    if scope == "site":
        return FeedSource(
            f"{site}: latest knowledge", "/", f"Everything new on {site}", _items(viewer), "/feed"
        )
    if scope == "community":
        community = get_object_or_404(Community.objects.visible_to(viewer), slug=key)
        return FeedSource(
            f"{community.name} ({site})",
            community.get_absolute_url(),
            community.description[:300],
            _items(viewer, community=community),
            f"{community.get_absolute_url()}feed",
        )
    if scope == "person":
        person = get_object_or_404(User.objects.visible_to(viewer), username=key)
        return FeedSource(
            f"{person.display_name} ({site})",
            person.get_absolute_url(),
            f"What {person.display_name} has shared",
            _items(viewer, author=person, exclude_kinds=unauthored_kinds()),
            f"{person.get_absolute_url()}feed",
        )
    if scope == "tag":
        tag = get_object_or_404(Tag, slug=key)
        return FeedSource(
            f"Tagged “{tag.name}” ({site})",
            f"/tags/{tag.slug}/",
            f"Knowledge tagged {tag.name}",
            _items(viewer, tags=tag),
            f"/tags/{tag.slug}/feed",
        )
    raise Http404


def _websub_hubs() -> list[str]:
    return [hub for hub in getattr(settings, "KH_WEBSUB_HUBS", None) or [] if hub]


class WebSubAtom1Feed(Atom1Feed):
    """Atom with WebSub discovery links (``rel="hub"``) on public feeds when hubs are set; the
    ``rel="self"`` link is then the canonical public address (``ItemFeed.feed_url``)."""

    def add_root_elements(self, handler: Any) -> None:
        super().add_root_elements(handler)
        if self.feed.get("websub"):
            for hub in _websub_hubs():
                handler.addQuickElement("link", "", {"rel": "hub", "href": hub})


class ItemFeed(Feed):
    """Atom by default; ``RssItemFeed`` below switches the generator."""

    feed_type: type[SyndicationFeed] = WebSubAtom1Feed

    def get_object(self, request: HttpRequest, scope: str = "site", key: str = "") -> FeedSource:
        source = source_for(request, scope, key)
        return replace(source, private=getattr(request, "feed_user", None) is not None)

    def feed_extra_kwargs(self, obj: FeedSource) -> dict[str, Any]:
        return {"websub": not obj.private and bool(_websub_hubs())}

    def feed_url(self, obj: FeedSource) -> str | None:
        """With WebSub hubs, ``rel="self"`` must be the exact URL the hubs are pinged with."""
        if obj.private or not _websub_hubs():
            return None  # Django's default: the requested address
        return f"{settings.SITE_URL}{obj.feed_path}.atom"

    def title(self, obj: FeedSource) -> str:
        return obj.title

    def link(self, obj: FeedSource) -> str:
        return obj.link

    def description(self, obj: FeedSource) -> str:
        return obj.description

    subtitle = description

    def items(self, obj: FeedSource) -> list[Item]:
        return obj.items

    def item_title(self, item: Item) -> str:
        return item.title

    def item_description(self, item: Item) -> str:
        return item.summary or item.text[:500]

    def item_link(self, item: Item) -> str:
        return item.url

    def item_guid(self, item: Item) -> str:
        return f"{settings.SITE_URL}/items/{item.pk}"

    item_guid_is_permalink = False

    def item_author_name(self, item: Item) -> str:
        return item.author.display_name if item.author else item.source_name

    def item_pubdate(self, item: Item) -> Any:
        return item.published_at

    def item_updateddate(self, item: Item) -> Any:
        return item.updated_at

    def item_categories(self, item: Item) -> list[str]:
        return [t.name for t in item.tags.all()]


class RssItemFeed(ItemFeed):
    feed_type = Rss201rev2Feed


atom_feed = ItemFeed()
rss_feed = RssItemFeed()


def json_feed(request: HttpRequest, scope: str = "site", key: str = "") -> HttpResponse:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    source = source_for(request, scope, key)
    base = settings.SITE_URL

    def absolute(url: str) -> str:
        return url if url.startswith(("http://", "https://")) else base + url

    body = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": source.title,
        "home_page_url": absolute(source.link),
        "feed_url": absolute(request.path),
        "description": source.description,
        "language": "en-GB",
        "items": [
            {
                "id": f"{base}/items/{item.pk}",
                "url": absolute(item.url),
                "title": item.title,
                "content_text": item.summary or item.text[:500],
                "date_published": item.published_at.isoformat(),
                "date_modified": item.updated_at.isoformat(),
                "tags": [t.name for t in item.tags.all()],
                **(
                    {"authors": [{"name": item.author.display_name}]}
                    if item.author
                    else ({"authors": [{"name": item.source_name}]} if item.source_name else {})
                ),
            }
            for item in source.items
        ],
    }
    return JsonResponse(body, content_type="application/feed+json", json_dumps_params={"indent": 1})
