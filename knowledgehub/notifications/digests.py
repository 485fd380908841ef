"""Daily and weekly digest e-mails.

A digest holds, for one person: their unread notifications of the kinds they chose for that
period (only those about things they may still see), the newest activity from what they follow
(``knowledgehub.follows``, when installed) and saved-search alerts
(``knowledgehub.search.alerts.due_alerts``, when present). Everything is read through the one
visibility rule at send time, so leaving a community removes its content from the next digest.

**Never twice.** A ``DigestSent(user, period, period_start)`` row (unique) is inserted and
committed *before* sending; a second run, or a second worker, fails that insert and sends
nothing. If sending raises, the row is deleted so the next run retries. If the worker dies
after the row is committed but before the message is handed over, that period's digest is
skipped rather than risk a duplicate; its notifications were never marked e-mailed, so they go in
the next digest. (We hold no transaction open across SMTP: on SQLite that would block every
writer for as long as the mail server takes.)
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledgehub.knowledge.models import Item
from knowledgehub.people.models import User

from .choices import Frequency, Period, PreferenceKind
from .emails import DIGEST_PREFIX, absolute, build_message, render_email, unsubscribe_url
from .models import DigestSent, Notification, NotificationPreference
from .preferences import digest_kinds

log = logging.getLogger(__name__)

MAX_NOTIFICATIONS = 50
MAX_STREAM = 10
MAX_ALERT_ITEMS = 10


@dataclass
class Entry:
    title: str
    url: str
    when: datetime | None = None


@dataclass
class Section:
    heading: str
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Digest:
    user: User
    period: str
    sections: list[Section]
    notification_ids: list[int]
    alerted: list[Any] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(len(s.entries) for s in self.sections)


# --- When ------------------------------------------------------------------------------------


def digest_hour() -> int:
    return int(getattr(settings, "DIGEST_HOUR", 7))


def period_start(period: str, now: datetime | None = None) -> date:
    """The local date a period began: today (daily) or this week's Monday (weekly)."""
    today = timezone.localdate(now or timezone.now())
    if period == Period.WEEKLY:
        return today - timedelta(days=today.weekday())
    return today


def is_due(period: str, now: datetime | None = None) -> bool:
    """Digests go out from ``DIGEST_HOUR`` (local time) on the period's first day onwards."""
    local = timezone.localtime(now or timezone.now())
    start = period_start(period, now)
    return local.date() > start or local.hour >= digest_hour()


def since(period: str, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=7 if period == Period.WEEKLY else 1)


# --- What ------------------------------------------------------------------------------------


def _optional(module: str) -> Any:
    """A module of another app, or ``None`` while it is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def _follow_stream_fn() -> Any:
    for name in ("knowledgehub.follows.stream", "knowledgehub.follows.services"):
        module = _optional(name)
        if module is not None and callable(getattr(module, "stream", None)):
            return module.stream
    return None


def _due_alerts_fn() -> Any:
    module = _optional("knowledgehub.search.alerts")
    fn = getattr(module, "due_alerts", None) if module is not None else None
    return fn if callable(fn) else None


def _get(obj: Any, *names: str) -> Any:
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None and value != "":
            return value() if callable(value) and name.startswith("get_") else value
    return None


def _cards(page: Any) -> Iterable[Any]:
    for name in ("cards", "groups", "entries", "items", "object_list", "activities"):
        value = page.get(name) if isinstance(page, dict) else getattr(page, name, None)
        if value is not None and not callable(value):
            return list(value)
    try:
        return list(page)
    except TypeError:
        return []


def _card_when(card: Any) -> datetime | None:
    when = _get(card, "created_at", "when", "published")
    if isinstance(when, datetime):
        return when
    latest = _get(card, "latest")  # follows.stream.Card: its newest Activity
    when = getattr(latest, "created_at", None)
    return when if isinstance(when, datetime) else None


def stream_entries(user: User, after: datetime) -> list[Entry]:
    """The newest cards of ``user``'s follow stream since ``after`` (empty without follows)."""
    stream = _follow_stream_fn()
    if stream is None:
        return []
    try:
        page = stream(user, order="newest")
    except TypeError:
        page = stream(user)
    entries: list[Entry] = []
    for card in _cards(page):
        item = _get(card, "item")
        if isinstance(item, Item) and not Item.objects.visible_to(user).filter(pk=item.pk).exists():
            continue  # the stream filters already; a digest checks again
        when = _card_when(card)
        if when is not None and when < after:
            continue
        title = _get(card, "summary", "text", "title", "label") or (
            item.title if isinstance(item, Item) else None
        )
        count = _get(card, "count")
        if isinstance(count, int) and count > 1:
            title = _("%(title)s (%(n)d new)") % {"title": title, "n": count}
        url = _get(card, "url", "get_absolute_url") or (
            item.url if isinstance(item, Item) else None
        )
        if not title or not url:
            continue
        entries.append(Entry(str(title), absolute(str(url)), when))
        if len(entries) >= MAX_STREAM:
            break
    return entries


def alert_sections(user: User, period: str, now: datetime) -> tuple[list[Section], list[Any]]:
    """One section per saved search with new results (only items ``user`` may see), and the
    saved searches to mark alerted once the digest has gone."""
    due_alerts = _due_alerts_fn()
    if due_alerts is None:
        return [], []
    try:
        due = due_alerts(user, period, now)
    except TypeError:
        due = due_alerts(user, period)
    sections: list[Section] = []
    alerted: list[Any] = []
    for saved_search, items in due or []:
        ids = [i.pk for i in items][:500]
        visible = Item.objects.visible_to(user).filter(pk__in=ids).order_by("-published_at")
        entries = [Entry(i.title, absolute(i.url), i.published_at) for i in visible]
        if entries:
            label = _get(saved_search, "name", "label", "q", "query") or str(saved_search)
            sections.append(
                Section(
                    _("New results for your saved search “%(name)s”") % {"name": label},
                    entries[:MAX_ALERT_ITEMS],
                )
            )
            alerted.append(saved_search)
    return sections, alerted


def _mark_alerted(saved_searches: list[Any], now: datetime) -> None:
    module = _optional("knowledgehub.search.alerts")
    mark = getattr(module, "mark_alerted", None) if module is not None else None
    if callable(mark):
        for saved in saved_searches:
            mark(saved, now)


def _open_url(note: Notification) -> str:
    return absolute(reverse("notifications:open", args=[note.pk]))


def build_digest(user: User, period: str, now: datetime | None = None) -> Digest:
    now = now or timezone.now()
    kinds = digest_kinds(user, period)
    sections: list[Section] = []
    note_kinds = [k for k in kinds if k in (PreferenceKind.MENTION, PreferenceKind.REPORT)]
    notes = list(
        Notification.objects.for_user(user)
        .unread()
        .filter(emailed_at__isnull=True, verb__in=note_kinds)
        .order_by("-created_at")[:MAX_NOTIFICATIONS]
    )
    if notes:
        sections.append(
            Section(
                _("Your notifications"),
                [
                    Entry(
                        n.text, absolute(reverse("notifications:open", args=[n.pk])), n.created_at
                    )
                    for n in notes
                ],
            )
        )
    if PreferenceKind.FOLLOWS in kinds:
        follow = stream_entries(user, since(period, now))
        if follow:
            sections.append(Section(_("New from what you follow"), follow))
    alerted: list[Any] = []
    if PreferenceKind.SAVED_SEARCH in kinds:
        alert, alerted = alert_sections(user, period, now)
        sections.extend(alert)
    return Digest(user, period, sections, [n.pk for n in notes], alerted)


# --- Sending ---------------------------------------------------------------------------------


def send_digest(user_id: int, period: str, start: date | None = None) -> str:
    """Send ``user``'s digest for the period starting ``start`` at most once; returns what
    happened ("sent", "empty", "already", …)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return "no address"
    start = start or period_start(period)
    try:
        with transaction.atomic():
            marker = DigestSent.objects.create(user=user, period=period, period_start=start)
    except IntegrityError:
        return "already"
    now = timezone.now()
    try:
        digest = build_digest(user, period, now)
        if digest.size == 0:
            DigestSent.objects.filter(pk=marker.pk).update(sent_at=timezone.now(), entries=0)
            return "empty"
        link = unsubscribe_url(user, DIGEST_PREFIX + period)
        rendered = render_email(
            "digest",
            {
                "unsubscribe_url": link,
                "user": user,
                "digest": digest,
                "period_label": str(Period(period).label).lower(),
                "settings_url": absolute(reverse("notifications:settings")),
            },
        )
        build_message(user=user, rendered=rendered, link=link).send()
    except Exception:
        # Nothing went out: forget the marker so the next run tries again.
        DigestSent.objects.filter(pk=marker.pk).delete()
        log.exception("Could not send the %s digest to user %s", period, user_id)
        raise
    sent_at = timezone.now()
    with transaction.atomic():
        DigestSent.objects.filter(pk=marker.pk).update(sent_at=sent_at, entries=digest.size)
        Notification.objects.filter(pk__in=digest.notification_ids, emailed_at__isnull=True).update(
            emailed_at=sent_at
        )
        # Alerts matched items up to ``now``: the next alert starts from there.
        _mark_alerted(digest.alerted, now)
    return "sent"


def due_recipients(period: str, start: date) -> Iterable[int]:
    """Ids of people who may be due a ``period`` digest and have none for ``start`` yet."""
    people = User.objects.filter(is_active=True).exclude(email="")
    done = DigestSent.objects.filter(period=period, period_start=start).values("user_id")
    people = people.exclude(pk__in=done)
    if period == Period.WEEKLY:
        # Nobody gets a weekly digest by default: only those who chose one for something, or
        # who have saved searches (which say their own period).
        chose = NotificationPreference.objects.filter(frequency=Frequency.WEEKLY).values("user_id")
        people = people.filter(pk__in=chose) | people.filter(pk__in=_saved_search_owners())
    return people.values_list("pk", flat=True).distinct().iterator()


def _saved_search_owners() -> Any:
    models = _optional("knowledgehub.search.models")
    saved = getattr(models, "SavedSearch", None) if models is not None else None
    if saved is None:
        return User.objects.none().values("pk")
    if not hasattr(saved, "user"):
        return User.objects.none().values("pk")
    rows = saved.objects.all()
    if hasattr(saved, "alert"):
        rows = rows.filter(alert=Period.WEEKLY)
    return rows.values("user_id")


def send_due_digests(now: datetime | None = None) -> int:
    """Queue the digests that are due (hourly, from ``knowledgehub/tasks.py``). Safe to run
    any number of times: each digest is sent at most once per person and period."""
    from .tasks import send_digest_task

    queued = 0
    for period in Period.values:
        if not is_due(period, now):
            continue
        start = period_start(period, now)
        for user_id in due_recipients(period, start):
            send_digest_task(user_id, period, start.isoformat())
            queued += 1
    return queued
