"""Notifications (``/api/v1/notifications``): the caller's own, read through
``Notification.objects.for_user`` (only those about items they may still see) and only those
shown on the site, like ``/notifications/``; marking them read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from knowledgehub.notifications import services
from knowledgehub.notifications.choices import Verb
from knowledgehub.notifications.models import Notification, NotificationQuerySet
from knowledgehub.people.models import User

from ..auth import TOKEN_AUTH, WRITE_AUTH, require_scope
from ..errors import ApiError
from ..pagination import Page, keyset_page
from ..schemas import ItemOut, PersonRef, absolute
from .feeds import Pk

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    verb: str
    verb_label: str
    text: str
    url: str
    actor: PersonRef | None = None
    item: ItemOut | None = None
    created_at: dt.datetime
    read_at: dt.datetime | None = None
    unread: bool

    @staticmethod
    def from_notification(note: Notification) -> NotificationOut:
        actor = note.actor if note.actor_id and note.actor is not None else None
        try:
            verb_label = str(Verb(note.verb).label)
        except ValueError:
            verb_label = note.verb
        return NotificationOut(
            id=note.pk,
            verb=note.verb,
            verb_label=verb_label,
            text=note.text,
            url=absolute(note.url),
            # Only people whose profiles the reader may see (active ones, to anyone signed in).
            actor=PersonRef.from_user(actor) if actor is not None and actor.is_active else None,
            item=ItemOut.from_item(note.item) if note.item_id and note.item is not None else None,
            created_at=note.created_at,
            read_at=note.read_at,
            unread=note.read_at is None,
        )


class UnreadCountOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise ApiError(401, "Authentication required", "Send a token: Authorization: Bearer …")
    return user


def _mine(user: User) -> NotificationQuerySet:
    """The notifications ``user`` may see on the site: theirs, about things they may still see."""
    return Notification.objects.for_user(user).shown()


@router.get(
    "",
    response=Page[NotificationOut],
    auth=TOKEN_AUTH,
    summary="Your notifications",
)
def list_notifications(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = 20,
    sort: str | None = None,
    unread: bool | None = None,
) -> dict[str, Any]:
    """Newest first (`sort=created` for oldest first). `unread=true` for unread ones only,
    `unread=false` for read ones. A notification about an item you may no longer see (you left
    its community, it was made private) is not listed."""
    qs = _mine(_user(request))
    if unread is True:
        qs = qs.unread()
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    qs = qs.select_related(
        "actor", "item", "item__author", "item__organisation", "item__community"
    ).prefetch_related("item__tags")
    return keyset_page(
        request,
        qs,
        sort=sort,
        allowed={"created": "created_at"},
        default="-created",
        limit=limit,
        cursor=cursor,
        transform=lambda rows: [NotificationOut.from_notification(n) for n in rows],
    )


@router.get(
    "/unread-count", response=UnreadCountOut, auth=TOKEN_AUTH, summary="How many are unread"
)
def unread_count(request: HttpRequest) -> dict[str, int]:
    """The number behind the site's unread badge."""
    return {"unread": _mine(_user(request)).unread().count()}


@router.post(
    "/read-all", response=MarkedOut, auth=WRITE_AUTH, summary="Mark all your notifications read"
)
def read_all(request: HttpRequest) -> dict[str, int]:
    """Marks every unread notification listed for you read; `marked` says how many."""
    require_scope(request, "write")
    user = _user(request)
    ids = list(_mine(user).unread().values_list("pk", flat=True))
    return {"marked": services.mark_read(user, ids) if ids else 0}


@router.post(
    "/{id}/read", response=NotificationOut, auth=WRITE_AUTH, summary="Mark a notification read"
)
def read_one(request: HttpRequest, id: Pk) -> NotificationOut:
    """Marks one of your notifications read (already read: unchanged). 404 for anyone else's."""
    require_scope(request, "write")
    user = _user(request)
    note = get_object_or_404(
        _mine(user).select_related(
            "actor", "item", "item__author", "item__organisation", "item__community"
        ),
        pk=id,
    )
    if note.read_at is None:
        note.read_at = timezone.now()
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=note.read_at)
    return NotificationOut.from_notification(note)
