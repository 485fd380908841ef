"""A stream page as ActivityStreams 2.0 JSON (an OrderedCollectionPage of Create activities)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from .choices import Verb
from .models import Activity
from .stream import StreamPage

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
AS_MEDIA_TYPE = "application/activity+json; charset=utf-8"

# Knowledge kinds that are long-form writing; everything else posted is a Note.
ARTICLE_KINDS = {"blog_post", "wiki_page", "library_document", "feed_item"}
EVENT_KINDS = {"event"}


def _abs(request: HttpRequest, url: str) -> str:
    return url if url.startswith(("http://", "https://")) else request.build_absolute_uri(url)


def _object_type(activity: Activity) -> str:
    if activity.verb != Verb.POSTED:
        return "Note"
    if activity.item.kind in EVENT_KINDS:
        return "Event"
    if activity.item.kind in ARTICLE_KINDS:
        return "Article"
    return "Note"


def _actor(request: HttpRequest, activity: Activity) -> dict[str, Any]:
    if activity.actor is not None:
        return {
            "type": "Person",
            "id": _abs(request, activity.actor.get_absolute_url()),
            "name": activity.actor.display_name,
            "preferredUsername": activity.actor.username,
        }
    if activity.source is not None:
        return {
            "type": "Service",
            "id": _abs(request, activity.source.get_absolute_url()),
            "name": activity.source.display_title,
        }
    return {"type": "Service", "name": activity.item.source_name or "Knowledge Hub"}


def as_activity(request: HttpRequest, activity: Activity) -> dict[str, Any]:
    item = activity.item
    item_url = _abs(request, item.url)
    obj: dict[str, Any] = {"type": _object_type(activity)}
    if activity.verb == Verb.POSTED:
        obj.update(
            {
                "id": item_url,
                "url": item_url,
                "name": item.title,
                "summary": item.summary,
                "published": item.published_at.isoformat(),
            }
        )
        if item.community is not None:
            obj["context"] = _abs(request, item.community.get_absolute_url())
    else:
        obj.update(
            {
                "id": _abs(request, activity.url or item.url),
                "url": _abs(request, activity.url or item.url),
                "inReplyTo": {"type": "Object", "id": item_url, "name": item.title},
                "published": activity.created_at.isoformat(),
            }
        )
    return {
        "id": _abs(request, reverse("follows:activity", kwargs={"pk": activity.pk})),
        "type": "Create",
        "summary": f"{activity.get_verb_display()}: {item.title}",
        "actor": _actor(request, activity),
        "published": activity.created_at.isoformat(),
        "object": obj,
    }


def as_collection_page(
    request: HttpRequest, page: StreamPage, *, before: str = ""
) -> dict[str, Any]:
    base = reverse("follows:stream_json")
    query = f"?order={page.order}"
    data: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "type": "OrderedCollectionPage",
        "id": _abs(request, base + query + (f"&before={before}" if before else "")),
        "partOf": _abs(request, base),
        "orderedItems": [as_activity(request, a) for a in _ordered(page)],
    }
    if page.next_cursor:
        data["next"] = _abs(request, f"{base}{query}&before={page.next_cursor}")
    return data


def _ordered(page: StreamPage) -> list[Activity]:
    """Activities in the page's card order (so "relevant" pages keep their ranking)."""
    return [a for card in page.cards for a in card.activities]
