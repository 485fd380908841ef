"""The JSON documents we publish: actors, objects, activities, collections, WebFinger.

All are built from what an anonymous visitor may see (see ``actors.py``)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils.html import escape, linebreaks

from knowledgehub.knowledge.models import Item
from knowledgehub.lib.markdown import sanitise_html

from .actors import LocalActor, absolute
from .constants import ACTIVITY_JSON, AS_CONTEXT, AS_PUBLIC, SECURITY_CONTEXT

CONTEXT: list[Any] = [AS_CONTEXT, SECURITY_CONTEXT]
Document = dict[str, Any]


def text_html(text: str) -> str:
    """Plain text as sanitised HTML paragraphs."""
    return sanitise_html(linebreaks(escape(text.strip()))) if text.strip() else ""


def actor_document(actor: LocalActor) -> Document:
    doc: Document = {
        "@context": CONTEXT,
        "id": actor.id,
        "type": actor.type,
        "preferredUsername": actor.username,
        "name": actor.name,
        "summary": text_html(actor.summary_text),
        "url": actor.page_url,
        "inbox": actor.inbox,
        "outbox": actor.outbox,
        "followers": actor.followers,
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "publicKey": {
            "id": actor.key_id,
            "owner": actor.id,
            "publicKeyPem": actor.key().public_key_pem,
        },
        "endpoints": {"sharedInbox": absolute("/ap/inbox")},
    }
    if actor.icon_url:
        doc["icon"] = {"type": "Image", "url": actor.icon_url}
    return doc


def item_object_id(item: Item) -> str:
    return absolute(f"/ap/items/{item.pk}")


def item_object(item: Item, *, attributed_to: str, followers: str | None = None) -> Document:
    """A public item as a Note: its title, a sanitised summary and a link to read it."""
    summary = item.summary or item.text[:500]
    url = absolute(item.url)
    content = f"<p><strong>{escape(item.title)}</strong></p>{text_html(summary)}"
    content += f'<p><a href="{escape(url)}">{escape(url)}</a></p>'
    doc: Document = {
        "id": item_object_id(item),
        "type": "Note",
        "name": item.title,
        "content": sanitise_html(content),
        "url": url,
        "published": item.published_at.isoformat(),
        "updated": item.updated_at.isoformat(),
        "attributedTo": attributed_to,
        "to": [AS_PUBLIC],
        "cc": [followers] if followers else [],
        "tag": [{"type": "Hashtag", "name": f"#{tag.slug}"} for tag in item.tags.all()],
    }
    return doc


def create_activity_id(actor: LocalActor, item: Item) -> str:
    return f"{actor.id}#create-item-{item.pk}"


def create_activity(actor: LocalActor, item: Item, *, with_context: bool = True) -> Document:
    obj = item_object(item, attributed_to=actor.id, followers=actor.followers)
    doc: Document = {
        "id": create_activity_id(actor, item),
        "type": "Create",
        "actor": actor.id,
        "published": obj["published"],
        "to": obj["to"],
        "cc": obj["cc"],
        "object": obj,
    }
    return {"@context": CONTEXT, **doc} if with_context else doc


def accept_activity(actor: LocalActor, follow: Document) -> Document:
    digest = hashlib.sha256(str(follow.get("id", "")).encode("utf-8")).hexdigest()[:24]
    return {
        "@context": CONTEXT,
        "id": f"{actor.id}#accept-{digest}",
        "type": "Accept",
        "actor": actor.id,
        "object": {key: follow[key] for key in ("id", "type", "actor", "object") if key in follow},
    }


def outbox_collection(actor: LocalActor, total: int) -> Document:
    return {
        "@context": CONTEXT,
        "id": actor.outbox,
        "type": "OrderedCollection",
        "totalItems": total,
        "first": f"{actor.outbox}?page=true",
    }


def outbox_page(
    actor: LocalActor, items: list[Item], *, page_id: str, next_id: str | None
) -> Document:
    doc: Document = {
        "@context": CONTEXT,
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": actor.outbox,
        "orderedItems": [create_activity(actor, item, with_context=False) for item in items],
    }
    if next_id:
        doc["next"] = next_id
    return doc


def followers_collection(actor: LocalActor, total: int) -> Document:
    """The count only: who follows whom is not published (see the docs)."""
    return {
        "@context": CONTEXT,
        "id": actor.followers,
        "type": "OrderedCollection",
        "totalItems": total,
    }


def webfinger_document(actor: LocalActor) -> Document:
    return {
        "subject": f"acct:{actor.handle}",
        "aliases": [actor.id, actor.page_url],
        "links": [
            {"rel": "self", "type": ACTIVITY_JSON, "href": actor.id},
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": actor.page_url,
            },
        ],
    }
