"""The one way values are written: by people (the entry form), by imports and by the daily
embargo release. Every change keeps the state the value had before as a MetricValueRevision, and
bumps ``Metric.values_version`` so snapshots of the metric's values know they are stale. Writing
the same figure again changes nothing ("unchanged")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .choices import Sharing
from .models import Metric, MetricImport, MetricValue, MetricValueRevision

CREATED, REVISED, UNCHANGED = "created", "revised", "unchanged"
EMBARGO_RELEASED = "embargo released"


@dataclass
class ValueInput:
    metric_id: int
    organisation_id: int
    period: str
    period_start: date
    value: float
    sharing: str = Sharing.PUBLIC
    club_id: int | None = None
    embargo_until: date | None = None
    note: str = ""


def _user_id(user: Any) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return int(user.pk)


def _same(existing: MetricValue, inp: ValueInput) -> bool:
    return (
        existing.value == float(inp.value)
        and existing.sharing == inp.sharing
        and existing.club_id == (inp.club_id if inp.sharing == Sharing.CLUB else None)
        and existing.embargo_until == inp.embargo_until
        and existing.note == (inp.note or "")[:500]
        and existing.period_start == inp.period_start
    )


def _revision(
    existing: MetricValue, *, user_id: int | None, import_id: int | None, reason: str
) -> MetricValueRevision:
    return MetricValueRevision(
        value_id=existing.pk,
        previous_value=existing.value,
        previous_sharing=existing.sharing,
        previous_club_id=existing.club_id,
        previous_embargo_until=existing.embargo_until,
        previous_note=existing.note,
        previous_updated_at=existing.updated_at,
        replaced_by_id=user_id,
        replaced_by_import_id=import_id,
        reason=reason[:255],
    )


def _apply(
    target: MetricValue, inp: ValueInput, *, user_id: int | None, import_id: int | None
) -> None:
    target.value = float(inp.value)
    target.period_start = inp.period_start
    target.sharing = inp.sharing
    target.club_id = inp.club_id if inp.sharing == Sharing.CLUB else None
    target.embargo_until = inp.embargo_until
    target.note = (inp.note or "")[:500]
    target.entered_by_id = user_id
    target.source_import_id = import_id
    target.updated_at = timezone.now()


_EXISTING_FIELDS = (
    "id",
    "metric_id",
    "organisation_id",
    "period",
    "period_start",
    "value",
    "sharing",
    "club_id",
    "embargo_until",
    "note",
    "entered_by_id",
    "source_import_id",
    "updated_at",
)
_INSERT_FIELDS = _EXISTING_FIELDS[1:]


def _insert(
    values: list[ValueInput], *, user_id: int | None, import_id: int | None, now: Any
) -> None:
    """New rows with one parameterised INSERT run for the whole batch: the ORM's bulk_create
    builds a model instance and compiles every field of every row, which costs several times
    the write itself at import volumes. Values are adapted by the database backend's own
    operations, so this works the same on SQLite and PostgreSQL."""
    from django.db import connection

    ops = connection.ops
    table = connection.ops.quote_name(MetricValue._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _INSERT_FIELDS)
    marks = ", ".join(["%s"] * len(_INSERT_FIELDS))
    stamp = ops.adapt_datetimefield_value(now)
    rows = [
        (
            inp.metric_id,
            inp.organisation_id,
            inp.period,
            ops.adapt_datefield_value(inp.period_start),
            float(inp.value),
            inp.sharing,
            inp.club_id if inp.sharing == Sharing.CLUB else None,
            ops.adapt_datefield_value(inp.embargo_until),
            (inp.note or "")[:500],
            user_id,
            import_id,
            stamp,
        )
        for inp in values
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 (names quoted, values bound)
                rows[start : start + 1000],
            )


_UPDATE_FIELDS = (
    "value",
    "period_start",
    "sharing",
    "club_id",
    "embargo_until",
    "note",
    "entered_by_id",
    "source_import_id",
    "updated_at",
)


def _update(values: list[MetricValue]) -> None:
    """Changed rows by primary key with one parameterised UPDATE run for the batch (the ORM's
    bulk_update builds a CASE expression per field that grows with the batch and costs seconds
    per thousand rows)."""
    from django.db import connection

    ops = connection.ops
    table = ops.quote_name(MetricValue._meta.db_table)
    sets = ", ".join(f"{ops.quote_name(c)} = %s" for c in _UPDATE_FIELDS)
    rows = [
        (
            v.value,
            ops.adapt_datefield_value(v.period_start),
            v.sharing,
            v.club_id,
            ops.adapt_datefield_value(v.embargo_until),
            v.note,
            v.entered_by_id,
            v.source_import_id,
            ops.adapt_datetimefield_value(v.updated_at),
            v.pk,
        )
        for v in values
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE id = %s",  # noqa: S608 (names quoted, values bound)
                rows[start : start + 1000],
            )


def _bump(metric_ids: Iterable[int], value_id: int | None = None) -> None:
    """The metrics' values changed: their snapshots are stale, and so is every cached anonymous
    page and the SPARQL store's fingerprint (bulk writes fire no save signals to say so).
    Listeners (webhooks) hear of it once the transaction commits."""
    from knowledgehub.core.pagecache import bump_content_version

    from .signals import values_written

    ids = sorted(set(metric_ids))
    if ids:
        Metric.objects.filter(pk__in=ids).update(values_version=F("values_version") + 1)
        bump_content_version()
        transaction.on_commit(
            lambda: values_written.send(sender=Metric, metric_ids=ids, value_id=value_id),
            robust=True,
        )


def _lock_metrics(metric_ids: Iterable[int]) -> None:
    """Writers of one metric's values take turns (so two imports cannot both create a row)."""
    ids = sorted(set(metric_ids))
    list(Metric.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def record_value(
    inp: ValueInput,
    *,
    by_user: Any = None,
    by_import: MetricImport | None = None,
    reason: str = "",
) -> str:
    """Write one value: ``created``, ``revised`` (the old state kept) or ``unchanged``."""
    user_id = _user_id(by_user)
    import_id = by_import.pk if by_import is not None else None
    with transaction.atomic():
        _lock_metrics([inp.metric_id])
        existing = (
            MetricValue.objects.select_for_update()
            .filter(metric_id=inp.metric_id, organisation_id=inp.organisation_id, period=inp.period)
            .first()
        )
        if existing is None:
            value = MetricValue(
                metric_id=inp.metric_id, organisation_id=inp.organisation_id, period=inp.period
            )
            _apply(value, inp, user_id=user_id, import_id=import_id)
            value.save()
            _bump([inp.metric_id], value.pk)
            return CREATED
        if _same(existing, inp):
            return UNCHANGED
        _revision(existing, user_id=user_id, import_id=import_id, reason=reason).save()
        _apply(existing, inp, user_id=user_id, import_id=import_id)
        existing.save()
        _bump([inp.metric_id], existing.pk)
        return REVISED


def write_batch(
    inputs: Iterable[ValueInput], *, by_user: Any = None, by_import: MetricImport | None = None
) -> Counter[str]:
    """Write many values in one transaction with a handful of queries. A later input for the
    same metric, council and period replaces an earlier one in the same batch."""
    outcome: Counter[str] = Counter()
    unique: dict[tuple[int, int, str], ValueInput] = {}
    for inp in inputs:
        unique[(inp.metric_id, inp.organisation_id, inp.period)] = inp
    if not unique:
        return outcome
    user_id = _user_id(by_user)
    import_id = by_import.pk if by_import is not None else None
    by_metric: dict[int, list[ValueInput]] = {}
    for inp in unique.values():
        by_metric.setdefault(inp.metric_id, []).append(inp)
    now = timezone.now()
    with transaction.atomic():
        _lock_metrics(by_metric)
        # Existing rows as plain tuples (a model instance per row costs more than the row): only
        # the ones that change become instances, for their revision and update.
        existing: dict[tuple[int, int, str], tuple[Any, ...]] = {}
        for metric_id, items in by_metric.items():
            orgs = sorted({i.organisation_id for i in items})
            periods = sorted({i.period for i in items})
            rows = (
                MetricValue.objects.select_for_update()
                .filter(metric_id=metric_id, organisation_id__in=orgs, period__in=periods)
                .values_list(*_EXISTING_FIELDS)
            )
            for row in rows:
                existing[(row[1], row[2], row[3])] = row
        new: list[ValueInput] = []
        changed: list[MetricValue] = []
        revisions: list[MetricValueRevision] = []
        touched: set[int] = set()
        for key, inp in unique.items():
            row = existing.get(key)
            if row is None:
                new.append(inp)
                touched.add(inp.metric_id)
                outcome[CREATED] += 1
                continue
            current = MetricValue(**dict(zip(_EXISTING_FIELDS, row, strict=True)))
            if _same(current, inp):
                outcome[UNCHANGED] += 1
                continue
            revisions.append(_revision(current, user_id=user_id, import_id=import_id, reason=""))
            _apply(current, inp, user_id=user_id, import_id=import_id)
            current.updated_at = now
            changed.append(current)
            touched.add(inp.metric_id)
            outcome[REVISED] += 1
        if new:
            _insert(new, user_id=user_id, import_id=import_id, now=now)
        if changed:
            _update(changed)
        if revisions:
            MetricValueRevision.objects.bulk_create(revisions, batch_size=1000)
        _bump(touched)
    return outcome


def release_embargoes(today: date | None = None) -> int:
    """Make public every value whose embargo date has come and that is not public yet, keeping
    a revision (reason "embargo released"); returns how many. Running it again does nothing."""
    today = today or timezone.localdate()
    released = 0
    while True:
        with transaction.atomic():
            due = list(
                MetricValue.objects.select_for_update()
                .filter(embargo_until__lte=today)
                .exclude(sharing=Sharing.PUBLIC)
                .order_by("pk")[:1000]
            )
            if not due:
                return released
            now = timezone.now()
            MetricValueRevision.objects.bulk_create(
                [_revision(v, user_id=None, import_id=None, reason=EMBARGO_RELEASED) for v in due]
            )
            for value in due:
                value.sharing = Sharing.PUBLIC
                value.club_id = None
                value.updated_at = now
            MetricValue.objects.bulk_update(due, ["sharing", "club", "updated_at"])
            _bump(v.metric_id for v in due)
            released += len(due)
