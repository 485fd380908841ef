"""Saved-search alerts, for the notifications digest task.

``due_alerts(user, period, now)`` lists the person's saved searches with that alert frequency
that are due, each with the items matching it since it was last alerted (or since it was saved),
read with the person's visibility *now*: someone who has left a community is never alerted about
its content. ``mark_alerted(saved, now)`` records that an alert went out, so the next one starts
from there. The digest task calls ``mark_alerted`` only after the e-mail is safely queued.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from django.utils import timezone

from knowledgehub.knowledge.models import Item

from .forms import SearchForm, querydict_for
from .models import AlertFrequency, SavedSearch


def _service() -> Any:
    """The search service, imported when first used (it needs the app registry ready)."""
    from . import service

    return service


if TYPE_CHECKING:
    from django.db.models import QuerySet

    from knowledgehub.people.models import User

Period = Literal["daily", "weekly"]

MAX_ITEMS = 20
# A schedule that drifts a little (a worker restart, a slow run) must not skip a day: an alert is
# due once its period has nearly passed.
_SLACK = timedelta(hours=1)
_PERIODS: dict[str, timedelta] = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


def _matching(saved: SavedSearch, user: User, since: datetime, now: datetime) -> list[Item]:
    form = SearchForm(querydict_for(saved.query, saved.filters), viewer=user)
    if not form.is_valid():
        return []
    f = form.search_kwargs()
    qs: QuerySet[Item] = _service().matching_items(user, form.cleaned_data["q"], since)
    # The one visibility rule again, on top of the service's: an alert is an e-mail, and an
    # e-mail cannot be taken back.
    qs = qs.filter(pk__in=Item.objects.visible_to(user).values("pk"))
    qs = qs.filter(published_at__gt=since, published_at__lte=now)
    if f["kinds"]:
        qs = qs.filter(kind__in=f["kinds"])
    if f["community_id"]:
        qs = qs.filter(community_id=f["community_id"])
    if f["organisation_id"]:
        qs = qs.filter(organisation_id=f["organisation_id"])
    if f["region"]:
        qs = qs.filter(organisation__region=f["region"])
    if f["author_id"] is not None:
        qs = qs.filter(author_id=f["author_id"])
    if f["tag"]:
        qs = qs.filter(tags__slug=f["tag"])
    if f["date_from"]:
        qs = qs.filter(published_at__date__gte=f["date_from"])
    if f["date_to"]:
        qs = qs.filter(published_at__date__lte=f["date_to"])
    return list(
        qs.select_related("author", "community")
        .distinct()
        .order_by("-published_at", "-id")[:MAX_ITEMS]
    )


def due_alerts(
    user: User, period: Period, now: datetime | None = None
) -> list[tuple[SavedSearch, list[Item]]]:
    """The person's saved searches alerting at ``period`` that are due, with their new items.
    Searches with nothing new are left out (and not marked, so the next run looks again)."""
    now = now or timezone.now()
    if period not in _PERIODS or not user.is_active:
        return []
    frequency = AlertFrequency.DAILY if period == "daily" else AlertFrequency.WEEKLY
    due: list[tuple[SavedSearch, list[Item]]] = []
    for saved in SavedSearch.objects.filter(user=user, alert=frequency).order_by("pk"):
        last = saved.last_alerted_at
        if last is not None and now - last < _PERIODS[period] - _SLACK:
            continue
        since = last or saved.created_at
        items = _matching(saved, user, since, now)
        if items:
            due.append((saved, items))
    return due


def mark_alerted(saved: SavedSearch, now: datetime | None = None) -> None:
    now = now or timezone.now()
    SavedSearch.objects.filter(pk=saved.pk).update(last_alerted_at=now)
    saved.last_alerted_at = now
