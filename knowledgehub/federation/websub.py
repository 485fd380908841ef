"""WebSub (W3C): tell the configured hubs when the site's public Atom feeds change.

On a new item an anonymous visitor may see, the hubs in ``KH_WEBSUB_HUBS`` get
``hub.mode=publish&hub.url=<feed>`` for the site feed, the item's community feed and its
author's feed (those an anonymous visitor may see). A feed is pinged at most once a minute per hub
(the cache); a change inside that minute schedules one more ping when the minute is up, so a hub
never misses the last item of a burst."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from knowledgehub.knowledge.registry import unauthored_kinds
from knowledgehub.lib import safehttp

from .actors import absolute, anonymous, public_items
from .constants import WEBSUB_WINDOW

logger = logging.getLogger(__name__)


def hubs() -> list[str]:
    return [hub for hub in getattr(settings, "KH_WEBSUB_HUBS", []) or [] if hub]


def feed_urls_for_item(item_id: int) -> list[str]:
    """The public Atom feeds a new item appears in (none if anonymous visitors cannot see it)."""
    from knowledgehub.communities.models import Community
    from knowledgehub.people.models import User

    item = public_items().filter(pk=item_id).first()
    if item is None:
        return []
    urls = [absolute(reverse("site_feed", kwargs={"fmt": "atom"}))]
    if item.community_id is not None:
        community = Community.objects.visible_to(anonymous()).filter(pk=item.community_id).first()
        if community is not None:
            urls.append(
                absolute(reverse("community_feed", kwargs={"slug": community.slug, "fmt": "atom"}))
            )
    if item.author_id is not None and item.kind not in unauthored_kinds():
        person = User.objects.visible_to(anonymous()).filter(pk=item.author_id).first()
        if person is not None:
            urls.append(
                absolute(
                    reverse("person_feed", kwargs={"username": person.username, "fmt": "atom"})
                )
            )
    return urls


def ping(urls: list[str]) -> list[tuple[str, str]]:
    """Publish pings for ``urls`` to every hub, at most once a minute per (hub, feed). Returns
    the (hub, url) pairs pinged now; a ping deferred by the window is scheduled once."""
    from .tasks import websub_ping_task

    sent: list[tuple[str, str]] = []
    deferred: list[str] = []
    for hub in hubs():
        for url in urls:
            key = f"websub:sent:{hub}:{url}"
            if not cache.add(key, 1, WEBSUB_WINDOW):
                if cache.add(f"websub:later:{hub}:{url}", 1, WEBSUB_WINDOW) and url not in deferred:
                    deferred.append(url)
                continue
            body = urlencode({"hub.mode": "publish", "hub.url": url}).encode("ascii")
            try:
                response = safehttp.send(
                    "POST",
                    hub,
                    body=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                    max_bytes=65536,
                )
                if response.status >= 300:
                    logger.warning("WebSub hub %s answered %s for %s", hub, response.status, url)
            except safehttp.FetchError as exc:
                logger.warning("WebSub hub %s failed for %s: %s", hub, url, exc.message)
            sent.append((hub, url))
    if deferred:
        websub_ping_task.schedule(args=(deferred,), delay=WEBSUB_WINDOW + 1)
    return sent
