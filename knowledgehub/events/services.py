from __future__ import annotations

from datetime import datetime

from django.db import transaction

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.history import record_revision
from knowledgehub.knowledge.models import Tag
from knowledgehub.knowledge.registry import index_sync
from knowledgehub.notifications.services import notify_mentions
from knowledgehub.people.models import User

from .choices import DEFAULT_TIME_ZONE, RsvpStatus
from .models import Event, Rsvp


class EventFull(Exception):
    """Every place is taken: a "going" answer is refused (there is no waiting list)."""


def revision_body(event: Event) -> str:
    """What an event's edit history records: when and where, then the description, so the
    differences between revisions show a change of time or place as well as of text."""
    where = "; ".join(part for part in (event.place, event.online_url) if part) or "not given"
    return (
        f"When: {event.start_display} to {event.end_display}\nWhere: {where}\n\n{event.description}"
    )


def _after_save(event: Event, *, editor: User, tags: list[str] | None, note: str = "") -> None:
    """Tags, the revision and @mention notifications: inside the caller's transaction."""
    if tags is not None:
        event.tags.set(Tag.objects.get_or_create_many(tags))
        index_sync(event)
    record_revision(event, editor=editor, title=event.title, body=revision_body(event), note=note)
    notify_mentions(
        body=event.description, item=event.knowledge_item, actor=editor, key=f"event:{event.pk}"
    )


def event_create(
    *,
    community: Community,
    organiser: User,
    title: str,
    start: datetime,
    end: datetime,
    audience: str,
    description: str = "",
    time_zone: str = DEFAULT_TIME_ZONE,
    online_url: str = "",
    place: str = "",
    capacity: int | None = None,
    tags: list[str] | None = None,
    is_demo: bool = False,
) -> Event:
    with transaction.atomic():
        event = Event(
            community=community,
            organiser=organiser,
            title=title,
            description=description,
            start=start,
            end=end,
            time_zone=time_zone,
            online_url=online_url,
            place=place,
            capacity=capacity,
            audience=audience,
            is_demo=is_demo,
        )
        event.save()
        _after_save(event, editor=organiser, tags=tags or None)
    return event


def event_update(*, event: Event, editor: User, **fields: object) -> Event:
    """Change an event's details (``tags`` too, when given) and record the revision."""
    allowed = {
        "title", "description", "start", "end", "time_zone", "online_url", "place", "capacity",
        "audience",
    }  # fmt: skip
    tags = fields.pop("tags", None)
    tag_names = [str(t) for t in tags] if isinstance(tags, list | tuple) else None
    for name in fields:
        if name not in allowed:
            raise TypeError(f"cannot update {name!r}")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(event, name, value)
        event.save()
        _after_save(event, editor=editor, tags=tag_names)
    return event


def event_delete(*, event: Event) -> None:
    event.delete()


def rsvp_set(*, event: Event, user: User, status: str) -> Rsvp:
    """Record ``user``'s answer. "Going" is refused with :class:`EventFull` when every place is
    taken. The event row is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite runs IMMEDIATE
    transactions, which take the write lock at BEGIN) and the places are counted inside the same
    transaction, so two people answering at once cannot overbook."""
    if status not in RsvpStatus.values:
        raise ValueError(f"unknown RSVP status {status!r}")
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if status == RsvpStatus.GOING and locked.capacity is not None:
            taken = (
                Rsvp.objects.filter(event=locked, status=RsvpStatus.GOING)
                .exclude(user=user)
                .count()
            )
            if taken >= locked.capacity:
                raise EventFull
        rsvp, _created = Rsvp.objects.update_or_create(
            event=locked, user=user, defaults={"status": status}
        )
    return rsvp
