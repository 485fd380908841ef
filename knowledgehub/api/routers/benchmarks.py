"""Council performance data: service areas, metrics, the values the caller may see, a metric
compared across a group of councils, a council's profile, and recording a council's figure.

Every value read goes through ``benchmarks/visibility.py`` (``values_visible_to`` in SQL, the
snapshot mask in ``services``): a value the caller may not see is absent, and it has no influence
on any count, median, quartile, rank or band shown to them. Comparisons and profiles are the
very tables the metric and council pages show (``services.metric_table``,
``services.council_profile``), including withholding summaries of small restricted groups below
``KH_BENCHMARK_MIN_COUNT`` councils. Figures are written only through ``writes.record_value``,
validated by the entry form (``forms.ValueEntryForm``) the pages use.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import StrictFloat

from knowledgehub.benchmarks import groups, services, stats, visibility, writes
from knowledgehub.benchmarks.choices import PeriodType, Sharing
from knowledgehub.benchmarks.forms import ValueEntryForm
from knowledgehub.benchmarks.models import Metric, MetricValue, ServiceArea
from knowledgehub.benchmarks.periods import PeriodError, parse_period
from knowledgehub.communities.models import Community
from knowledgehub.organisations.choices import COUNCIL_TYPES
from knowledgehub.organisations.models import Organisation

from ..auth import TOKEN_AUTH, require_scope
from ..errors import ApiError
from ..pagination import Page, keyset_page
from ..schemas import CommunityRef, OrganisationRef, absolute

router = Router(tags=["benchmarks"])

MAX_QUERY = 200
MAX_CONTEXT = 10
DEFAULT_K = 15
MAX_K = 50


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "Invalid input", message, errors=[{"field": field, "message": message}])


# --- schemas -----------------------------------------------------------------------------------


class ServiceAreaRef(Schema):
    slug: str
    name: str


class ServiceAreaOut(Schema):
    slug: str
    name: str
    description: str
    community: CommunityRef | None = None
    metric_count: int
    metrics: str


class MetricOut(Schema):
    identifier: str
    title: str
    description: str
    unit: str
    polarity: str
    period_type: str
    decimals: int
    is_context: bool
    source: str
    source_url: str
    service_area: ServiceAreaRef | None = None
    url: str
    api_url: str
    values: str
    comparison: str


class MetricDetailOut(MetricOut):
    periods: list[str]  # with a figure the caller may see, oldest first


class CouncilRef(Schema):
    code: str
    name: str
    region: str = ""
    type: str = ""


class ValueOut(Schema):
    metric: str
    council: OrganisationRef
    period: str
    period_start: dt.date
    value: float
    sharing: str
    club: str | None = None
    embargo_until: dt.date | None = None
    restricted: bool
    note: str
    updated_at: dt.datetime


class SummaryOut(Schema):
    count: int
    median: float | None = None
    mean: float | None = None
    q1: float | None = None
    q3: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    withheld: bool
    reason: str


class GroupOut(Schema):
    spec: str
    label: str
    explanation: str
    size: int


class ComparisonRow(Schema):
    rank: int
    council: CouncilRef
    value: float
    band: int | None = None
    band_label: str
    restricted: bool
    highlighted: bool


class ComparisonOut(Schema):
    metric: str
    unit: str
    polarity: str
    period: str | None = None
    periods: list[str]
    council: str | None = None
    group: GroupOut
    summary: SummaryOut
    min_count: int
    rows: list[ComparisonRow]
    missing: list[CouncilRef]


class DirectionOut(Schema):
    label: str
    change: float
    percent: float | None = None


class ProfileRowOut(Schema):
    metric: str
    title: str
    unit: str
    service_area: ServiceAreaRef | None = None
    period: str
    value: float
    previous_period: str | None = None
    previous_value: float | None = None
    rank: int | None = None
    count: int
    band: int | None = None
    band_label: str
    direction: DirectionOut | None = None
    median: float | None = None
    restricted: bool


class ProfileOut(Schema):
    council: OrganisationRef
    group: GroupOut
    min_count: int
    metrics: list[ProfileRowOut]


class ValueIn(Schema):
    metric: str
    council: str
    period: str
    value: StrictFloat
    sharing: str = Sharing.PUBLIC
    club: str | None = None
    embargo_until: dt.date | None = None
    note: str = ""


class ValueWriteOut(Schema):
    outcome: str
    value: ValueOut


# --- helpers -----------------------------------------------------------------------------------


def _api_base() -> str:
    return absolute("/api/v1/benchmarks")


def _area_ref(metric: Metric) -> ServiceAreaRef | None:
    area = metric.service_area if metric.service_area_id else None
    return ServiceAreaRef(slug=area.slug, name=area.name) if area is not None else None


def _metric_fields(metric: Metric) -> dict[str, Any]:
    api = f"{_api_base()}/metrics/{metric.identifier}"
    return {
        "identifier": metric.identifier,
        "title": metric.title,
        "description": metric.description,
        "unit": metric.unit,
        "polarity": metric.polarity,
        "period_type": metric.period_type,
        "decimals": metric.decimals,
        "is_context": metric.is_context,
        "source": metric.source,
        "source_url": metric.source_url,
        "service_area": _area_ref(metric),
        "url": absolute(metric.get_absolute_url()),
        "api_url": api,
        "values": f"{api}/values",
        "comparison": f"{api}/comparison",
    }


def _metric(request: HttpRequest, identifier: str) -> Metric:
    """A metric the caller may see, else 404."""
    return get_object_or_404(
        Metric.objects.visible_to(request.user).select_related("service_area"),
        identifier=identifier,
    )


def _value_out(value: MetricValue, today: dt.date) -> ValueOut:
    released = value.embargo_until is not None and value.embargo_until <= today
    return ValueOut(
        metric=value.metric.identifier,
        council=OrganisationRef.from_organisation(value.organisation),
        period=value.period,
        period_start=value.period_start,
        value=value.value,
        sharing=Sharing.PUBLIC if released else value.sharing,
        club=value.club.slug if value.club_id and value.club and not released else None,
        embargo_until=value.embargo_until,
        restricted=value.sharing != Sharing.PUBLIC and not released,
        note=value.note,
        updated_at=value.updated_at,
    )


def _council(code: str, field: str = "council") -> Organisation:
    council = visibility.council_by_code(code or "")
    if council is None:
        raise _invalid(
            field,
            _("There is no council with the code “%(code)s”. Use its GSS code, like E08000009.")
            % {"code": (code or "")[:20]},
        )
    return council


def _group_out(group: groups.Group) -> GroupOut:
    return GroupOut(
        spec=group.spec,
        label=str(group.label),
        explanation=str(group.explanation),
        size=len(group),
    )


def _summary_out(summary: stats.Summary) -> SummaryOut:
    return SummaryOut(
        count=summary.count,
        median=summary.median,
        mean=summary.mean,
        q1=summary.q1,
        q3=summary.q3,
        minimum=summary.minimum,
        maximum=summary.maximum,
        withheld=summary.withheld,
        reason=str(summary.reason),
    )


def _resolve_group(
    spec: str | None,
    *,
    council: Organisation | None,
    audience: visibility.Audience,
    context: list[str] | None = None,
    k: int = DEFAULT_K,
) -> groups.Group:
    try:
        return groups.resolve_group(
            (spec or "").strip() or None,
            council=council,
            audience=audience,
            context=context or [],
            k=k,
        )
    except ValueError as exc:  # groups.GroupError
        raise _invalid("group", str(exc)) from exc


# --- reading -----------------------------------------------------------------------------------


@router.get("/service-areas", response=Page[ServiceAreaOut], summary="Service areas")
def list_service_areas(
    request: HttpRequest, cursor: str | None = None, limit: int = 20, sort: str | None = None
) -> dict[str, Any]:
    """Groups of metrics (waste, planning …), in the order the benchmarking index shows them
    (``sort=position``, the default) or by ``name``. ``metric_count`` counts the metrics you
    may see."""
    visible = Metric.objects.visible_to(request.user).values("pk")
    areas = ServiceArea.objects.select_related("community").annotate(
        metric_count=Count("metrics", filter=Q(metrics__in=visible), distinct=True)
    )

    def out(rows: list[ServiceArea]) -> list[ServiceAreaOut]:
        ids = {a.community_id for a in rows if a.community_id}
        seen = (
            set(
                Community.objects.visible_to(request.user)
                .filter(pk__in=ids)
                .values_list("pk", flat=True)
            )
            if ids
            else set()
        )
        return [
            ServiceAreaOut(
                slug=a.slug,
                name=a.name,
                description=a.description,
                community=CommunityRef.from_community(a.community)
                if a.community_id in seen and a.community
                else None,
                metric_count=a.metric_count,  # type: ignore[attr-defined]
                metrics=f"{_api_base()}/metrics?service_area={a.slug}",
            )
            for a in rows
        ]

    return keyset_page(
        request,
        areas,
        sort=sort,
        allowed={"position": "position", "name": "name"},
        default="position",
        limit=limit,
        cursor=cursor,
        transform=out,
    )


@router.get("/metrics", response=Page[MetricOut], summary="Performance metrics")
def list_metrics(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = 20,
    sort: str | None = None,
    service_area: str | None = None,
    q: str | None = None,
    period_type: str | None = None,
    context: bool | None = None,
) -> dict[str, Any]:
    """Metrics you may see. Filters: ``service_area`` (slug), ``q`` (words in the title,
    description or identifier), ``period_type`` (year, financial_year, quarter, month),
    ``context`` (true for the context metrics used for nearest neighbours). ``sort``: ``title``
    (default) or ``identifier``."""
    metrics = Metric.objects.visible_to(request.user).select_related("service_area")
    if service_area:
        metrics = metrics.filter(service_area__slug=service_area[:80])
    if period_type:
        if period_type not in PeriodType.values:
            raise _invalid("period_type", "Use one of: " + ", ".join(PeriodType.values))
        metrics = metrics.filter(period_type=period_type)
    if context is not None:
        metrics = metrics.filter(is_context=context)
    query = (q or "").strip()[:MAX_QUERY]
    if query:
        metrics = metrics.filter(
            Q(title__icontains=query)
            | Q(description__icontains=query)
            | Q(identifier__icontains=query)
        )
    return keyset_page(
        request,
        metrics,
        sort=sort,
        allowed={"title": "title", "identifier": "identifier"},
        default="title",
        limit=limit,
        cursor=cursor,
        transform=lambda rows: [MetricOut(**_metric_fields(m)) for m in rows],
    )


@router.get("/metrics/{identifier}", response=MetricDetailOut, summary="One metric")
def get_metric(request: HttpRequest, identifier: str) -> MetricDetailOut:
    metric = _metric(request, identifier)
    periods = (
        visibility.values_visible_to(request.user, MetricValue.objects.filter(metric=metric))
        .values_list("period", "period_start")
        .distinct()
        .order_by("period_start", "period")
    )
    labels = list(dict.fromkeys(p for p, _start in periods))
    return MetricDetailOut(**_metric_fields(metric), periods=labels)


@router.get("/metrics/{identifier}/values", response=Page[ValueOut], summary="A metric's values")
def list_values(
    request: HttpRequest,
    identifier: str,
    cursor: str | None = None,
    limit: int = 20,
    sort: str | None = None,
    period: str | None = None,
    council: str | None = None,
    region: str | None = None,
    council_type: str | None = None,
) -> dict[str, Any]:
    """The metric's values you may see, one per council and period. Filters: ``period`` (as
    the metric counts it, e.g. 2024/25), ``council`` (GSS code), ``region``, ``council_type``
    (e.g. unitary, district). ``sort``: ``-period`` (default), ``period``, ``value`` or
    ``updated`` (``-`` for descending)."""
    metric = _metric(request, identifier)
    values = visibility.values_visible_to(
        request.user, MetricValue.objects.filter(metric=metric)
    ).select_related("metric", "organisation", "club")
    if period:
        try:
            parsed = parse_period(period, metric.period_type)
        except PeriodError as exc:
            raise _invalid("period", str(exc)) from exc
        values = values.filter(period=parsed.label)
    if council:
        values = values.filter(organisation=_council(council))
    if region:
        values = values.filter(organisation__region=region[:100])
    if council_type:
        if council_type not in COUNCIL_TYPES:
            raise _invalid(
                "council_type", "Use one of: " + ", ".join(sorted(str(t) for t in COUNCIL_TYPES))
            )
        values = values.filter(organisation__type=council_type)
    today = visibility.audience_for(request.user).today
    return keyset_page(
        request,
        values,
        sort=sort,
        allowed={"period": "period_start", "value": "value", "updated": "updated_at"},
        default="-period",
        limit=limit,
        cursor=cursor,
        transform=lambda rows: [_value_out(v, today) for v in rows],
    )


@router.get(
    "/metrics/{identifier}/comparison",
    response=ComparisonOut,
    summary="A metric compared across a group of councils",
)
def comparison(
    request: HttpRequest,
    identifier: str,
    period: str | None = None,
    council: str | None = None,
    group: str | None = None,
    k: int = DEFAULT_K,
) -> ComparisonOut:
    """The ranked table and summary the metric page shows you: ``period`` (default: the latest
    with a figure you may see in the group), ``council`` (GSS code, highlighted; makes ``type``
    the default group), ``group`` (all, type, region, nation, neighbours, type:unitary,
    region:London, nation:Wales, club:<slug>, neighbours:<GSS>), ``context`` (repeatable, for
    neighbours) and ``k``. Numbers are computed only from values you may see; a summary over
    fewer than ``min_count`` councils that includes values that are not public is withheld."""
    metric = _metric(request, identifier)
    audience = visibility.audience_for(request.user)
    chosen = _council(council) if council else None
    context = [c.strip() for c in request.GET.getlist("context") if c.strip()]
    if len(context) > MAX_CONTEXT:
        raise _invalid("context", f"Choose at most {MAX_CONTEXT} context metrics.")
    if not 1 <= k <= MAX_K:
        raise _invalid("k", f"k must be a whole number from 1 to {MAX_K}.")
    comparison_group = _resolve_group(
        group, council=chosen, audience=audience, context=context, k=k
    )
    try:
        table = services.metric_table(
            metric,
            audience=audience,
            group=comparison_group,
            period=(period or "").strip() or None,
            council_id=chosen.pk if chosen else None,
        )
    except ValueError as exc:
        raise _invalid("period", str(exc)) from exc
    index = groups.councils().by_id
    return ComparisonOut(
        metric=metric.identifier,
        unit=metric.unit,
        polarity=metric.polarity,
        period=table.period,
        periods=table.periods,
        council=chosen.code if chosen else None,
        group=_group_out(comparison_group),
        summary=_summary_out(table.summary),
        min_count=visibility.min_count(),
        rows=[
            ComparisonRow(
                rank=row.rank,
                council=CouncilRef(
                    code=row.code,
                    name=row.name,
                    region=row.region,
                    type=index[row.organisation_id].type if row.organisation_id in index else "",
                ),
                value=row.value,
                band=row.band,
                band_label=stats.band_label(row.band, metric.polarity),
                restricted=row.restricted,
                highlighted=row.highlighted,
            )
            for row in table.rows
        ],
        missing=[CouncilRef(code=code, name=name) for code, name in table.missing],
    )


@router.get("/councils/{gss}", response=ProfileOut, summary="A council's profile")
def council_profile(request: HttpRequest, gss: str, group: str | None = None) -> ProfileOut:
    """Every metric with a figure for the council that you may see (its latest such period),
    ranked within ``group`` (default: councils of the same type), as the council page shows."""
    council = visibility.council_by_code(gss)
    if council is None:
        raise ApiError(404, "Not found", "There is no council with that GSS code.")
    audience = visibility.audience_for(request.user)
    profile_group = _resolve_group(group, council=council, audience=audience)
    rows = services.council_profile(
        council,
        audience=audience,
        group=profile_group,
        metrics=services.profile_metrics(Metric.objects.visible_to(request.user)),
    )
    return ProfileOut(
        council=OrganisationRef.from_organisation(council),
        group=_group_out(profile_group),
        min_count=visibility.min_count(),
        metrics=[
            ProfileRowOut(
                metric=p.metric.identifier,
                title=p.metric.title,
                unit=p.metric.unit,
                service_area=_area_ref(p.metric),
                period=p.period,
                value=p.value,
                previous_period=p.previous_period,
                previous_value=p.previous_value,
                rank=p.rank,
                count=p.count,
                band=p.band,
                band_label=stats.band_label(p.band, p.metric.polarity),
                direction=DirectionOut(
                    label=p.direction.label,
                    change=p.direction.change,
                    percent=p.direction.percent,
                )
                if p.direction is not None
                else None,
                median=p.median,
                restricted=p.restricted,
            )
            for p in rows
        ],
    )


# --- writing -----------------------------------------------------------------------------------


def _form_errors(form: ValueEntryForm) -> list[dict[str, Any]]:
    return [
        {"field": "request" if name == "__all__" else name, "message": str(error["message"])}
        for name, errors in form.errors.get_json_data().items()
        for error in errors
    ]


@router.post(
    "/values",
    auth=TOKEN_AUTH,
    response={201: ValueWriteOut},
    summary="Record a council's figure",
)
def record_value(request: HttpRequest, payload: ValueIn) -> Status[ValueWriteOut]:
    """Record one figure for a council you are a confirmed contributor of (data stewards: any
    council), as the entry form does: ``period`` as the metric counts it (2024/25, 2024/25 Q1,
    2024, 2024-03), ``value`` a number no larger than 1e15, ``sharing`` public, members or club
    (with ``club``, a club the council belongs to), an optional future ``embargo_until`` for a
    figure that is not public, and a ``note``. Needs a token with the write scope. Answers 201
    with ``outcome``: created, revised (the earlier figure is kept in its history) or
    unchanged."""
    require_scope(request, "write")
    user = request.user
    council = _council(payload.council)
    if not visibility.can_enter_values(user, council.pk):
        raise ApiError(
            403,
            "Forbidden",
            "Only a council's confirmed contributors (and data stewards) may record its figures.",
        )
    if not Metric.objects.visible_to(user).filter(identifier=payload.metric).exists():
        raise _invalid("metric", "There is no metric with that identifier.")
    form = ValueEntryForm(
        data={
            "metric": payload.metric,
            "period": payload.period,
            "value": repr(float(payload.value)),
            "sharing": payload.sharing,
            "club": payload.club or "",
            "embargo_until": payload.embargo_until.isoformat() if payload.embargo_until else "",
            "note": payload.note,
        },
        council=council,
    )
    if not form.is_valid() or form.parsed_period is None:
        errors = _form_errors(form)
        raise ApiError(
            422, "Invalid input", "Some of what was sent is not valid; see errors.", errors=errors
        )
    data = form.cleaned_data
    period = form.parsed_period
    club = data.get("club") if data["sharing"] == Sharing.CLUB else None
    outcome = writes.record_value(
        writes.ValueInput(
            metric_id=data["metric"].pk,
            organisation_id=council.pk,
            period=period.label,
            period_start=period.start,
            value=float(data["value"]),
            sharing=data["sharing"],
            club_id=club.pk if club is not None else None,
            embargo_until=data.get("embargo_until"),
            note=data.get("note") or "",
        ),
        by_user=user,
        reason=_("entered through the API"),
    )
    saved = MetricValue.objects.select_related("metric", "organisation", "club").get(
        metric=data["metric"], organisation=council, period=period.label
    )
    today = visibility.audience_for(user).today
    return Status(201, ValueWriteOut(outcome=outcome, value=_value_out(saved, today)))
