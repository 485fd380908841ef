"""Datasets: the catalogue (DCAT-ish metadata), a dataset's versions, and the rows of its current
version with the same typed filters and sorting as the data API at ``/datasets/<slug>/rows``.

Only approved datasets whose Item the caller may see are here (``services.catalogue``): drafts,
submitted and returned datasets never appear, even to the people who publish them (the pages
show those). Row queries are built by ``datasets.services.row_query``, shared with the preview,
the downloads and the data API, so a filter means the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Router, Schema

from knowledgehub.communities.models import Community
from knowledgehub.datasets import services
from knowledgehub.datasets.choices import (
    EU_FREQUENCY,
    EU_THEME,
    LICENCE_URIS,
    DataTheme,
    Frequency,
    ImportStatus,
    Licence,
)
from knowledgehub.datasets.models import Dataset, Distribution
from knowledgehub.datasets.services import QueryError

from ..errors import ApiError
from ..pagination import Page, keyset_page, sequence_page
from ..schemas import CommunityRef, OrganisationRef, absolute

router = Router(tags=["datasets"])

#: Query parameters of the rows endpoint that are not column filters.
ROWS_RESERVED = frozenset({"cursor", "limit", "sort", "dir", "version"})
MAX_QUERY = 200


# --- schemas -----------------------------------------------------------------------------------


class CodeLabel(Schema):
    code: str
    label: str
    uri: str


class Temporal(Schema):
    start: dt.date | None = None
    end: dt.date | None = None


class ColumnOut(Schema):
    name: str
    type: str


#: Download addresses by format: csv, xlsx and json.
Downloads = dict[str, str]


class DatasetLinks(Schema):
    page: str
    api: str
    versions: str
    rows: str
    downloads: Downloads


class VersionOut(Schema):
    version: int
    status: str
    format: str
    media_type: str
    byte_size: int
    row_count: int
    columns: list[ColumnOut]
    note: str
    created_at: dt.datetime
    imported_at: dt.datetime | None = None
    downloads: Downloads | None = None


class DatasetOut(Schema):
    slug: str
    title: str
    description: str
    publisher: OrganisationRef | None = None
    community: CommunityRef | None = None
    audience: str
    licence: CodeLabel
    keywords: list[str]
    themes: list[CodeLabel]
    spatial: list[str]
    temporal: Temporal | None = None
    frequency: CodeLabel
    issued_at: dt.datetime | None = None
    updated_at: dt.datetime
    current_version: int | None = None
    columns: list[ColumnOut]
    row_count: int
    links: DatasetLinks


class RowsPage(Page[dict[str, Any]]):
    """A page of rows, each an object keyed by column name, with the version they come from."""

    dataset: str
    version: int
    columns: list[ColumnOut]
    total: int


# --- building output ---------------------------------------------------------------------------


def _columns(distribution: Distribution | None) -> list[ColumnOut]:
    if distribution is None or not isinstance(distribution.columns, list):
        return []
    return [
        ColumnOut(name=str(c.get("name", "")), type=str(c.get("type") or "text"))
        for c in distribution.columns
    ]


def _downloads(slug: str, version: int | None = None) -> Downloads:
    suffix = f"?version={version}" if version is not None else ""
    return {
        fmt: absolute(reverse("datasets:download", args=[slug, fmt]) + suffix)
        for fmt in ("csv", "xlsx", "json")
    }


def _licence(code: str) -> CodeLabel:
    labels = dict(Licence.choices)
    uris = {str(k): v for k, v in LICENCE_URIS.items()}
    return CodeLabel(code=code, label=str(labels.get(code, code)), uri=uris.get(code, ""))


def _themes(codes: Any) -> list[CodeLabel]:
    labels = dict(DataTheme.choices)
    return [
        CodeLabel(code=str(c), label=str(labels[c]), uri=EU_THEME + str(c))
        for c in (codes if isinstance(codes, list) else [])
        if c in labels
    ]


def _frequency(code: str) -> CodeLabel:
    labels = dict(Frequency.choices)
    return CodeLabel(code=code, label=str(labels.get(code, code)), uri=EU_FREQUENCY + code)


def _dataset_out(dataset: Dataset, visible_communities: set[int]) -> DatasetOut:
    done: list[Distribution] = getattr(dataset, "done_versions", None) or []
    current = done[0] if done else None
    slug = dataset.slug
    api = absolute(f"/api/v1/datasets/{slug}")
    temporal = (
        Temporal(start=dataset.temporal_start, end=dataset.temporal_end)
        if dataset.temporal_start or dataset.temporal_end
        else None
    )
    return DatasetOut(
        slug=slug,
        title=dataset.title,
        description=dataset.description,
        publisher=(
            OrganisationRef.from_organisation(dataset.publisher)
            if dataset.publisher_id and dataset.publisher
            else None
        ),
        # A community is named only to those who may know it exists (secret ones are not).
        community=(
            CommunityRef.from_community(dataset.community)
            if dataset.community_id in visible_communities and dataset.community
            else None
        ),
        audience=dataset.audience,
        licence=_licence(dataset.licence),
        keywords=sorted(tag.name for tag in dataset.tags.all()),
        themes=_themes(dataset.themes),
        spatial=[str(c) for c in dataset.spatial] if isinstance(dataset.spatial, list) else [],
        temporal=temporal,
        frequency=_frequency(dataset.frequency),
        issued_at=dataset.issued_at,
        updated_at=dataset.updated_at,
        current_version=current.version if current else None,
        columns=_columns(current),
        row_count=current.row_count if current else 0,
        links=DatasetLinks(
            page=absolute(dataset.get_absolute_url()),
            api=api,
            versions=f"{api}/versions",
            rows=f"{api}/rows",
            downloads=_downloads(slug),
        ),
    )


def _for_output(queryset: QuerySet[Dataset]) -> QuerySet[Dataset]:
    done = Distribution.objects.filter(status=ImportStatus.DONE).order_by("-version")
    return queryset.select_related("publisher", "community").prefetch_related(
        "tags", Prefetch("distributions", queryset=done, to_attr="done_versions")
    )


def _datasets_out(request: HttpRequest, datasets: list[Dataset]) -> list[DatasetOut]:
    ids = {d.community_id for d in datasets if d.community_id}
    visible = (
        set(
            Community.objects.visible_to(request.user)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        if ids
        else set()
    )
    return [_dataset_out(d, visible) for d in datasets]


def _dataset(request: HttpRequest, slug: str) -> Dataset:
    """An approved dataset the caller may see, else 404 (whether or not it exists)."""
    return get_object_or_404(_for_output(services.catalogue(request.user)), slug=slug)


# --- endpoints ---------------------------------------------------------------------------------


@router.get("", response=Page[DatasetOut], summary="The dataset catalogue")
def list_datasets(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = 20,
    sort: str | None = None,
    theme: str | None = None,
    publisher: str | None = None,
    community: str | None = None,
    q: str | None = None,
) -> dict[str, Any]:
    """Approved datasets you may see. Filters: ``theme`` (an EU data-theme code such as ENVI),
    ``publisher`` (an organisation code), ``community`` (a community's slug), ``q`` (words in the
    title, description or keywords). ``sort``: ``updated`` (default, newest first: ``-updated``)
    or ``title``."""
    datasets = services.catalogue(request.user)
    if theme:
        if theme not in DataTheme.values:
            raise ApiError(
                422,
                "Invalid input",
                "Unknown theme.",
                errors=[
                    {
                        "field": "theme",
                        "message": "Use an EU data-theme code: " + ", ".join(DataTheme.values),
                    }
                ],
            )
        # Theme codes are distinct words: matching the quoted code works on SQLite and PostgreSQL.
        datasets = datasets.filter(themes__icontains=f'"{theme}"')
    if publisher:
        datasets = datasets.filter(publisher__code=publisher[:64])
    if community:
        # Only a community the caller may know exists narrows the list (a secret one is empty).
        datasets = datasets.filter(
            community__in=Community.objects.visible_to(request.user).filter(slug=community[:140])
        )
    query = (q or "").strip()[:MAX_QUERY]
    if query:
        tagged = Dataset.objects.filter(tags__name__icontains=query).values("pk")
        datasets = datasets.filter(
            Q(title__icontains=query) | Q(description__icontains=query) | Q(pk__in=tagged)
        )
    return keyset_page(
        request,
        _for_output(datasets),
        sort=sort,
        allowed={"updated": "updated_at", "title": "title"},
        default="-updated",
        limit=limit,
        cursor=cursor,
        transform=lambda rows: _datasets_out(request, rows),
    )


@router.get("/{slug}", response=DatasetOut, summary="One dataset")
def get_dataset(request: HttpRequest, slug: str) -> DatasetOut:
    return _datasets_out(request, [_dataset(request, slug)])[0]


@router.get("/{slug}/versions", response=Page[VersionOut], summary="A dataset's versions")
def list_versions(
    request: HttpRequest,
    slug: str,
    cursor: str | None = None,
    limit: int = 20,
    sort: str | None = None,
) -> dict[str, Any]:
    """Every version (distribution) of the dataset, newest first, with its import status. Only
    versions whose status is ``done`` have rows and downloads."""
    dataset = _dataset(request, slug)

    def out(rows: list[Distribution]) -> list[VersionOut]:
        return [
            VersionOut(
                version=d.version,
                status=d.status,
                format=d.format,
                media_type=d.media_type,
                byte_size=d.byte_size,
                row_count=d.row_count,
                columns=_columns(d) if d.status == ImportStatus.DONE else [],
                note=d.note,
                created_at=d.created_at,
                imported_at=d.imported_at,
                downloads=_downloads(dataset.slug, d.version)
                if d.status == ImportStatus.DONE
                else None,
            )
            for d in rows
        ]

    return keyset_page(
        request,
        Distribution.objects.filter(dataset=dataset),
        sort=sort,
        allowed={"version": "version"},
        default="-version",
        limit=limit,
        cursor=cursor,
        transform=out,
    )


def _filters(request: HttpRequest) -> list[tuple[str, str]]:
    return [
        (key, value)
        for key, values in request.GET.lists()
        if key not in ROWS_RESERVED
        for value in values
    ]


@router.get("/{slug}/rows", response=RowsPage, summary="Rows of a dataset's current version")
def list_rows(
    request: HttpRequest,
    slug: str,
    cursor: str | None = None,
    limit: int = 20,
    sort: str | None = None,
    dir: str = "asc",
    version: str | None = None,
) -> dict[str, Any]:
    """The rows of the current version (or ``version=N``), each an object keyed by column name.
    Any other query parameter filters a column: ``column=value`` (equal), ``column__gte``,
    ``column__lte`` (numbers, dates, text) and ``column__contains`` (text). ``sort`` is a
    column name, ``dir`` ``asc`` or ``desc``. An unknown column or a value of the wrong type is
    a 400 naming the parameter."""
    dataset = _dataset(request, slug)
    try:
        distribution = services.distribution_for(dataset, version)
    except QueryError as error:
        raise ApiError(
            400, "Invalid query", str(error), errors=[{"field": "version", "message": str(error)}]
        ) from error
    if distribution is None:
        raise Http404
    filters = _filters(request)
    errors: list[dict[str, Any]] = []
    # Each filter on its own first, so the problem names every parameter that is wrong.
    for key, value in filters:
        try:
            services.row_query(distribution, filters=[(key, value)])
        except QueryError as error:
            errors.append({"field": key, "message": str(error)})
    try:
        services.row_query(distribution, sort=sort or "", direction=dir)
    except QueryError as error:
        errors.append(
            {"field": "dir" if "asc or desc" in str(error) else "sort", "message": str(error)}
        )
    if errors:
        raise ApiError(400, "Invalid query", errors[0]["message"], errors=errors)
    rows = services.row_query(distribution, filters=filters, sort=sort or "", direction=dir)
    names = [c.name for c in _columns(distribution)]
    key = hashlib.sha256(
        json.dumps([dataset.pk, distribution.version, sorted(filters), sort or "", dir]).encode()
    ).hexdigest()[:16]

    def window(offset: int, count: int) -> list[dict[str, Any]]:
        data = rows.values_list("data", flat=True)[offset : offset + count]
        return [dict(zip(names, d, strict=False)) for d in data if isinstance(d, list)]

    page = sequence_page(request, window, limit=limit, cursor=cursor, key=key)
    return {
        **page,
        "dataset": dataset.slug,
        "version": distribution.version,
        "columns": _columns(distribution),
        "total": rows.count(),
    }
