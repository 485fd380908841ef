"""Datasets: publishing, the approval workflow, who may see and manage what, and reading rows.

A dataset is written by its creator as a draft, submitted with data that imported, and approved
by a data steward (permission ``datasets.approve_dataset``, or a site admin) or, for a dataset
kept inside a community, by that community's facilitators and owner. Only then does it get a
``knowledge.Item`` (``Dataset.as_item``), so everything else (catalogue, search, feeds, related
items, linked data) follows the one visibility rule without knowing about the workflow.

Rows are stored as JSON arrays in column order (``DatasetRow.data``); :func:`row_query` turns a
column name, a sort order and typed filters into SQL through JSON key transforms, so the preview,
the data API and the downloads page through the database and never load a whole table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, F, FloatField, Func, Max, Min, Q, QuerySet, TextField
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from knowledgehub.communities.choices import MANAGER_ROLES
from knowledgehub.communities.models import Community, Membership
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item, Tag
from knowledgehub.knowledge.registry import index_sync
from knowledgehub.knowledge.visibility import can_view
from knowledgehub.organisations.models import Organisation
from knowledgehub.people.models import User

from .choices import ColumnType, DataTheme, Frequency, ImportStatus, Licence, Status
from .models import Dataset, DatasetRow, Distribution

Viewer = User | AnonymousUser

#: Who a dataset can be for: published data is never "only me" (a community keeps it to itself).
DATASET_AUDIENCES = (Audience.PUBLIC, Audience.MEMBERS, Audience.COMMUNITY)
GSS_RE = re.compile(r"^[EWSNK]\d{8}$")
#: Slugs the URLconf uses for its own pages under /datasets/.
RESERVED_SLUGS = frozenset({"new"})
MAX_SPATIAL = 500
NUMERIC_TYPES = frozenset({ColumnType.INTEGER, ColumnType.DECIMAL})


# --- roles -----------------------------------------------------------------------------------


def is_steward(user: Viewer) -> bool:
    """A data steward: holds ``datasets.approve_dataset`` (site admins hold every permission)."""
    return bool(user.is_authenticated and user.has_perm("datasets.approve_dataset"))


def _manages(user: Viewer, community_id: int | None) -> bool:
    if not user.is_authenticated or community_id is None:
        return False
    return Membership.objects.filter(
        community_id=community_id, user_id=user.pk, role__in=MANAGER_ROLES
    ).exists()


def can_manage(user: Viewer, dataset: Dataset) -> bool:
    """Edit, submit and add versions: the creator, the community's facilitators and owner, site
    admins."""
    if not user.is_authenticated:
        return False
    if user.pk == dataset.created_by_id or user.is_superuser:
        return True
    return _manages(user, dataset.community_id)


def can_review(user: Viewer, dataset: Dataset) -> bool:
    """Approve or return: data stewards (and site admins) for any dataset; for a dataset kept
    inside its community, also that community's facilitators and owner (it is theirs to share)."""
    if is_steward(user):
        return True
    return dataset.audience == Audience.COMMUNITY and _manages(user, dataset.community_id)


def can_view_dataset(viewer: Viewer, dataset: Dataset) -> bool:
    """An approved dataset follows its Item's visibility; beyond that, the people who look after
    it always see it (creator, stewards, site admins, the community's facilitators and owner)."""
    if dataset.status == Status.APPROVED:
        item = (
            Item.objects.select_related("community")
            .filter(kind=Dataset.knowledge_kind, object_id=dataset.pk)
            .first()
        )
        if item is not None and can_view(viewer, item):
            return True
    if not viewer.is_authenticated:
        return False
    return can_manage(viewer, dataset) or is_steward(viewer)


def visible_datasets(viewer: Viewer) -> QuerySet[Dataset]:
    """Every dataset the viewer may see: approved ones through the Item visibility rule, plus
    their own, plus (for stewards and admins) all, plus their managed communities' datasets."""
    approved = Q(pk__in=Dataset.visible_to(viewer).values("pk"))
    if not viewer.is_authenticated:
        return Dataset.objects.filter(approved)
    if is_steward(viewer):
        return Dataset.objects.all()
    managed = Membership.objects.filter(user_id=viewer.pk, role__in=MANAGER_ROLES).values(
        "community_id"
    )
    return Dataset.objects.filter(
        approved | Q(created_by_id=viewer.pk) | Q(community_id__in=managed)
    )


def catalogue(viewer: Viewer) -> QuerySet[Dataset]:
    """The approved datasets the viewer may see (the catalogue proper)."""
    return Dataset.visible_to(viewer).filter(status=Status.APPROVED)


def waiting_for(viewer: Viewer) -> QuerySet[Dataset]:
    """Submitted datasets this viewer may approve."""
    if not viewer.is_authenticated:
        return Dataset.objects.none()
    submitted = Dataset.objects.filter(status=Status.SUBMITTED)
    if is_steward(viewer):
        return submitted
    managed = Membership.objects.filter(user_id=viewer.pk, role__in=MANAGER_ROLES).values(
        "community_id"
    )
    return submitted.filter(audience=Audience.COMMUNITY, community_id__in=managed)


# --- writing ---------------------------------------------------------------------------------


def unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:100].strip("-") or "dataset"
    others = Dataset.objects.filter(slug__startswith=base)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    taken = set(others.values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken or slug in RESERVED_SLUGS:
        slug = f"{base}-{n}"
        n += 1
    return slug


def clean_spatial(codes: Iterable[str]) -> list[str]:
    """GSS codes, upper-cased and de-duplicated; a ValidationError names the ones that are not."""
    result: list[str] = []
    bad: list[str] = []
    for raw in codes:
        code = raw.strip().upper()
        if not code:
            continue
        if not GSS_RE.match(code):
            bad.append(raw.strip())
        elif code not in result:
            result.append(code)
    if bad:
        raise ValidationError(
            _("These are not GSS codes (a letter E, W, S, N or K and 8 digits): %(codes)s")
            % {"codes": ", ".join(bad[:10])}
        )
    if len(result) > MAX_SPATIAL:
        raise ValidationError(_("Enter %(max)s area codes or fewer") % {"max": MAX_SPATIAL})
    return result


@dataclass
class Metadata:
    """The DCAT description of a dataset, as the publish and edit forms give it."""

    title: str
    description: str
    publisher: Organisation | None = None
    community: Community | None = None
    audience: str = Audience.PUBLIC
    contact_name: str = ""
    contact_email: str = ""
    licence: str = Licence.OGL_3
    themes: Sequence[str] = ()
    tags: Sequence[str] = ()
    spatial: Sequence[str] = ()
    temporal_start: dt.date | None = None
    temporal_end: dt.date | None = None
    frequency: str = Frequency.UNKNOWN


def _check(meta: Metadata) -> None:
    if not meta.title.strip():
        raise ValidationError(_("Enter a title"))
    if not meta.description.strip():
        raise ValidationError(_("Enter a description"))
    if meta.audience not in DATASET_AUDIENCES:
        raise ValidationError(_("Choose who can see it"))
    if meta.audience == Audience.COMMUNITY and meta.community is None:
        raise ValidationError(_("Choose a community, or a different audience"))
    if meta.licence not in Licence.values:
        raise ValidationError(_("Choose a licence"))
    if meta.frequency not in Frequency.values:
        raise ValidationError(_("Choose how often it is updated"))
    unknown = [t for t in meta.themes if t not in DataTheme.values]
    if unknown:
        raise ValidationError(_("Choose themes from the list"))
    if meta.temporal_start and meta.temporal_end and meta.temporal_start > meta.temporal_end:
        raise ValidationError(_("The start of the period covered must be before its end"))


def _apply(dataset: Dataset, meta: Metadata) -> None:
    dataset.title = meta.title.strip()
    dataset.description = meta.description
    dataset.publisher = meta.publisher
    dataset.community = meta.community
    dataset.audience = meta.audience
    dataset.contact_name = meta.contact_name.strip()
    dataset.contact_email = meta.contact_email.strip()
    dataset.licence = meta.licence
    dataset.themes = list(dict.fromkeys(meta.themes))
    dataset.spatial = clean_spatial(meta.spatial)
    dataset.temporal_start = meta.temporal_start
    dataset.temporal_end = meta.temporal_end
    dataset.frequency = meta.frequency


def dataset_create(*, user: User, meta: Metadata, is_demo: bool = False) -> Dataset:
    """A new draft dataset (no Item until it is approved)."""
    _check(meta)
    if (
        meta.community is not None
        and not Membership.objects.filter(community=meta.community, user=user).exists()
    ):
        raise ValidationError(_("You can only publish in communities you belong to"))
    with transaction.atomic():
        dataset = Dataset(created_by=user, is_demo=is_demo)
        _apply(dataset, meta)
        dataset.slug = unique_slug(dataset.title)
        dataset.save(index=False)
        tags = Tag.objects.get_or_create_many(list(meta.tags))
        dataset.tags.set(tags)
        index_sync(dataset, new=True)
    return dataset


def dataset_update(*, dataset: Dataset, user: User, meta: Metadata) -> Dataset:
    """Change a dataset's description (the people who manage it). An approved dataset stays
    approved and its Item follows the change; its address (slug) never changes."""
    if not can_manage(user, dataset):
        raise ValidationError(_("You cannot change this dataset"))
    # A dataset never moves between communities: its address and audience rest on it.
    meta.community = dataset.community
    _check(meta)
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        _apply(locked, meta)
        locked.updated_at = timezone.now()
        locked.save(index=False)
        locked.tags.set(Tag.objects.get_or_create_many(list(meta.tags)))
        index_sync(locked)
    return locked


def dataset_submit(*, dataset: Dataset, user: User) -> Dataset:
    """Ask for approval: a draft or returned dataset whose data has imported."""
    if not can_manage(user, dataset):
        raise ValidationError(_("You cannot submit this dataset"))
    if dataset.status not in (Status.DRAFT, Status.RETURNED):
        raise ValidationError(_("Only a draft or returned dataset can be submitted"))
    if dataset.current is None:
        raise ValidationError(_("Add data that imports successfully before submitting"))
    dataset.status = Status.SUBMITTED
    dataset.updated_at = timezone.now()
    dataset.save()
    return dataset


def dataset_approve(*, dataset: Dataset, reviewer: User) -> Dataset:
    """Approve a submitted dataset: it enters the index (catalogue, search, linked data)."""
    if not can_review(reviewer, dataset):
        raise ValidationError(_("Only a data steward can approve this dataset"))
    if dataset.status != Status.SUBMITTED:
        raise ValidationError(_("Only a submitted dataset can be approved"))
    if dataset.current is None:
        raise ValidationError(_("This dataset has no data that imported successfully"))
    now = timezone.now()
    dataset.status = Status.APPROVED
    dataset.reviewed_by = reviewer
    dataset.reviewed_at = now
    dataset.review_comment = ""
    if dataset.issued_at is None:
        dataset.issued_at = now
    dataset.updated_at = now
    dataset.save()  # indexes: as_item now gives an Item
    return dataset


def dataset_return(*, dataset: Dataset, reviewer: User, comment: str) -> Dataset:
    """Send a submitted dataset back to its publisher with comments (required: say why)."""
    if not can_review(reviewer, dataset):
        raise ValidationError(_("Only a data steward can return this dataset"))
    if dataset.status != Status.SUBMITTED:
        raise ValidationError(_("Only a submitted dataset can be returned"))
    if not comment.strip():
        raise ValidationError(_("Enter comments saying what needs to change"))
    dataset.status = Status.RETURNED
    dataset.review_comment = comment.strip()[:5000]
    dataset.reviewed_by = reviewer
    dataset.reviewed_at = timezone.now()
    dataset.updated_at = dataset.reviewed_at
    dataset.save()
    return dataset


# --- reading rows ----------------------------------------------------------------------------


class QueryError(ValueError):
    """A bad column, sort or filter: the message is shown to the person (or API client)."""


FILTER_OPS = ("gte", "lte", "contains")


def column_index(distribution: Distribution, name: str) -> int:
    for i, column in enumerate(distribution.columns):
        if column.get("name") == name:
            return i
    raise QueryError(_("There is no column called “%(name)s”") % {"name": name[:100]})


def column_type(distribution: Distribution, index: int) -> str:
    return str(distribution.columns[index].get("type") or ColumnType.TEXT)


class Cell(Func):
    """One value of a row's JSON array as a plain SQL value, with SQL NULL for a JSON null.

    Django's ``KeyTextTransform`` gives the *text* ``'null'`` for a JSON null on SQLite (it reads
    ``JSON_TYPE`` for null and booleans), which would sort empty cells among the words and cast
    them to 0; ``JSON_EXTRACT`` (SQLite) and ``->>`` (PostgreSQL) both give NULL."""

    output_field = TextField()

    def __init__(self, index: int) -> None:
        super().__init__(F("data"))
        self.index = int(index)

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        lhs, params = compiler.compile(self.source_expressions[0])
        return f"JSON_EXTRACT({lhs}, %s)", (*params, f"$[{self.index}]")

    def as_postgresql(
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        lhs, params = compiler.compile(self.source_expressions[0])
        return f"({lhs} ->> %s)", (*params, self.index)


def _text(index: int) -> Cell:
    return Cell(index)


def _number(index: int) -> Cast:
    return Cast(Cell(index), FloatField())


def sort_expression(distribution: Distribution, index: int) -> Any:
    """Numbers numerically, everything else as text (dates are ISO strings, so that is in
    date order)."""
    if column_type(distribution, index) in NUMERIC_TYPES:
        return _number(index)
    return _text(index)


def _typed(value: str, kind: str, column: str) -> Any:
    if kind in NUMERIC_TYPES:
        try:
            number = float(value)
        except ValueError:
            raise QueryError(
                _("“%(column)s” holds numbers: “%(value)s” is not a number")
                % {"column": column[:100], "value": value[:100]}
            ) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise QueryError(_("“%(value)s” is not a number") % {"value": value[:100]})
        return number
    if kind == ColumnType.DATE:
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise QueryError(
                _("“%(column)s” holds dates: write them as YYYY-MM-DD") % {"column": column[:100]}
            ) from None
    if kind == ColumnType.BOOLEAN:
        lowered = value.strip().lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
        raise QueryError(
            _("“%(column)s” holds yes or no: use true or false") % {"column": column[:100]}
        )
    return value


def row_query(
    distribution: Distribution,
    *,
    filters: Iterable[tuple[str, str]] = (),
    sort: str = "",
    direction: str = "asc",
) -> QuerySet[DatasetRow]:
    """The distribution's rows, filtered and sorted in SQL. ``filters`` are (key, value) pairs:
    ``column`` (equal), ``column__gte``, ``column__lte`` or ``column__contains`` (text)."""
    rows = DatasetRow.objects.filter(distribution=distribution)
    for key, value in filters:
        name, op = key, "exact"
        head, sep, tail = key.rpartition("__")
        if sep and tail in FILTER_OPS:
            name, op = head, tail
        index = column_index(distribution, name)
        kind = column_type(distribution, index)
        typed = _typed(value, kind, name)
        alias = f"f{index}_{op}"
        if op == "contains":
            if kind in NUMERIC_TYPES or kind == ColumnType.BOOLEAN:
                raise QueryError(
                    _("“contains” works on text columns; “%(column)s” is not one")
                    % {"column": name[:100]}
                )
            rows = rows.alias(**{alias: _text(index)}).filter(**{f"{alias}__icontains": typed})
        elif kind == ColumnType.BOOLEAN:
            if op != "exact":
                raise QueryError(_("Compare yes or no columns with = only"))
            rows = rows.alias(**{alias: KeyTransform(str(index), "data")}).filter(**{alias: typed})
        elif kind in NUMERIC_TYPES:
            rows = rows.alias(**{alias: _number(index)}).filter(**{f"{alias}__{op}": typed})
        else:
            rows = rows.alias(**{alias: _text(index)}).filter(**{f"{alias}__{op}": typed})
    if sort:
        if direction not in ("asc", "desc"):
            raise QueryError(_("The sort direction must be asc or desc"))
        expression = sort_expression(distribution, column_index(distribution, sort))
        ordered = (
            expression.desc(nulls_last=True)
            if direction == "desc"
            else expression.asc(nulls_last=True)
        )
        return rows.order_by(ordered, "number")
    return rows.order_by("number")


def distribution_for(dataset: Dataset, version: str | None) -> Distribution | None:
    """The version asked for (``?version=N``; must have imported), else the current one. A
    version that is not a whole number is a QueryError."""
    if version in (None, ""):
        return dataset.current
    try:
        number = int(str(version))
    except ValueError:
        raise QueryError(_("The version must be a whole number")) from None
    if number < 1 or number > 2_000_000_000:
        return None
    return dataset.distributions.filter(version=number, status=ImportStatus.DONE).first()


# --- column summaries ------------------------------------------------------------------------


@dataclass
class ColumnSummary:
    name: str
    type: str
    type_label: str
    empty: int
    minimum: Any = None
    maximum: Any = None
    mean: float | None = None
    top: list[tuple[Any, int]] | None = None


SUMMARY_KEYS = ("nulls", "min", "max", "mean", "top")


def column_summaries(distribution: Distribution) -> list[ColumnSummary]:
    """One summary per column. The import records them on ``Distribution.columns`` as it reads
    the file; anything it did not record is computed here once with SQL aggregates and cached
    (a version never changes once imported)."""
    from django.core.cache import cache

    key = cache_key("summary", distribution)
    cached = cache.get(key)
    if cached is not None:
        return list(cached)
    labels = dict(ColumnType.choices)
    result: list[ColumnSummary] = []
    rows = DatasetRow.objects.filter(distribution=distribution)
    for index, column in enumerate(distribution.columns):
        kind = str(column.get("type") or ColumnType.TEXT)
        summary = ColumnSummary(
            name=str(column.get("name", "")),
            type=kind,
            type_label=str(labels.get(kind, kind)),
            empty=int(column["nulls"]) if isinstance(column.get("nulls"), int) else -1,
            minimum=column.get("min"),
            maximum=column.get("max"),
            mean=column.get("mean") if isinstance(column.get("mean"), int | float) else None,
            top=_recorded_top(column.get("top")),
        )
        text = _text(index)
        if summary.empty < 0:
            summary.empty = rows.alias(v=text).filter(Q(v__isnull=True) | Q(v="")).count()
        if kind in NUMERIC_TYPES:
            if summary.minimum is None or summary.maximum is None or summary.mean is None:
                agg = rows.annotate(v=_number(index)).aggregate(
                    lo=Min("v"), hi=Max("v"), avg=Avg("v")
                )
                summary.minimum, summary.maximum, summary.mean = agg["lo"], agg["hi"], agg["avg"]
                if kind == ColumnType.INTEGER:
                    summary.minimum = _whole(summary.minimum)
                    summary.maximum = _whole(summary.maximum)
        elif kind == ColumnType.DATE:
            if summary.minimum is None or summary.maximum is None:
                agg = (
                    rows.annotate(v=text)
                    .exclude(v__isnull=True)
                    .aggregate(lo=Min("v"), hi=Max("v"))
                )
                summary.minimum, summary.maximum = agg["lo"], agg["hi"]
        elif summary.top is None:
            summary.top = [
                (r["v"], r["n"])
                for r in rows.annotate(v=text)
                .exclude(v__isnull=True)
                .exclude(v="")
                .values("v")
                .annotate(n=Count("pk"))
                .order_by("-n", "v")[:5]
            ]
        result.append(summary)
    cache.set(key, result, 60 * 60 * 24)
    return result


def _recorded_top(value: Any) -> list[tuple[Any, int]] | None:
    if not isinstance(value, list):
        return None
    return [
        (pair[0], int(pair[1]))
        for pair in value
        if isinstance(pair, list | tuple) and len(pair) == 2
    ]


def cache_key(prefix: str, distribution: Distribution) -> str:
    """A cache key for something derived from one imported version (which never changes)."""
    made = distribution.created_at.timestamp() if distribution.created_at else 0
    imported = distribution.imported_at.timestamp() if distribution.imported_at else 0
    return f"datasets:{prefix}:{distribution.pk}:{made}:{imported}"


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def preview_columns(distribution: Distribution) -> list[dict[str, Any]]:
    """The columns with their index and whether they sort as numbers (for the preview table)."""
    return [
        {
            "index": i,
            "name": str(c.get("name", "")),
            "type": str(c.get("type") or ColumnType.TEXT),
            "numeric": c.get("type") in NUMERIC_TYPES,
        }
        for i, c in enumerate(distribution.columns)
    ]


def latest_distribution(dataset: Dataset) -> Distribution | None:
    return dataset.distributions.order_by("-version").first()


def in_progress(dataset: Dataset) -> Distribution | None:
    return (
        dataset.distributions.filter(status__in=(ImportStatus.PENDING, ImportStatus.RUNNING))
        .order_by("-version")
        .first()
    )
