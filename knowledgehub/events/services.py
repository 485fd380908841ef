from __future__ import annotations

from datetime import datetime

from django.db import transaction

from knowledgehub.communities.models import Community
from knowledgehub.people.models import User

from .choices import DEFAULT_TIME_ZONE, RsvpStatus
from .models import Event, Rsvp


class EventFull(Exception):
    """Every place is taken: a "going" answer is refused (there is no waiting list)."""


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
    is_demo: bool = False,
) -> Event:
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
    return event


def event_update(*, event: Event, **fields: object) -> Event:
    allowed = {
        "title", "description", "start", "end", "time_zone", "online_url", "place", "capacity",
        "audience",
    }  # fmt: skip
    for name, value in fields.items():
        if name not in allowed:
            raise TypeError(f"cannot update {name!r}")
        setattr(event, name, value)
    event.save()
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
