"""Making notifications. Callers pass the item a notification is about; nobody is told about an
item they may not see, and nobody is told about their own doing."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.visibility import can_view
from knowledgehub.people.mentions import mentioned_people
from knowledgehub.people.models import User

from .choices import Channel, Frequency, Verb
from .models import Notification
from .preferences import preferences_for


def notify(
    *,
    recipients: Iterable[User],
    verb: str,
    key: str,
    text: str,
    url: str,
    item: Item | None = None,
    actor: User | None = None,
) -> list[Notification]:
    """Notify each recipient once per (verb, key); skips the actor and anyone who cannot see
    ``item``, and follows each recipient's preferences: shown on the site unless turned off
    there, e-mailed straight away (by the worker, once the transaction commits) or kept for a
    digest. Returns the notifications created now."""
    from . import tasks

    created: list[Notification] = []
    for person in {p.pk: p for p in recipients}.values():
        if actor is not None and person.pk == actor.pk:
            continue
        if not person.is_active:
            continue
        if item is not None and not can_view(person, item):
            continue
        prefs = preferences_for(person)
        in_app = prefs.get((verb, Channel.IN_APP), Frequency.IMMEDIATE) != Frequency.OFF
        email = prefs.get((verb, Channel.EMAIL), Frequency.OFF)
        if not in_app and email == Frequency.OFF:
            continue
        with transaction.atomic():
            notification, was_created = Notification.objects.get_or_create(
                recipient=person,
                verb=verb,
                key=key[:100],
                defaults={
                    "actor": actor,
                    "item": item,
                    "text": text[:300],
                    "url": url[:1000],
                    "in_app": in_app,
                },
            )
        if was_created:
            created.append(notification)
            if email == Frequency.IMMEDIATE and person.email:
                transaction.on_commit(partial(tasks.send_notification_email_task, notification.pk))
    return created


def notify_mentions(
    *, body: str, item: Item | None, actor: User, key: str, url: str | None = None
) -> list[Notification]:
    """Tell the people @mentioned in ``body`` (who can see ``item``) that ``actor`` mentioned
    them. ``key`` names the text that mentions them (e.g. ``"comment:12"``), so re-saving the same
    text does not notify twice."""
    if item is None or "@" not in body:
        return []
    people = mentioned_people(body)
    if not people:
        return []
    text = _("%(name)s mentioned you in “%(title)s”") % {
        "name": actor.display_name,
        "title": item.title,
    }
    return notify(
        recipients=people,
        verb=Verb.MENTION,
        key=key,
        text=text,
        url=url or item.url,
        item=item,
        actor=actor,
    )


def mark_read(user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark some (or all) of ``user``'s unread notifications read; returns how many."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())
