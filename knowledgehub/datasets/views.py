"""Dataset pages, downloads and the data API. Thin: services decide who may do what and build
the queries; every page starts by reaching the dataset through ``can_view_dataset`` (a 404 for
anyone who may not see it, whether or not it exists)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from knowledgehub.knowledge.models import Item
from knowledgehub.lib.pagination import paginate
from knowledgehub.organisations.models import Organisation
from knowledgehub.people.models import User

from . import services
from .charts import chart_svg, suggest_chart
from .choices import LICENCE_URIS, DataTheme, ImportStatus, Status
from .exports import XLSX_MAX_ROWS, csv_lines, iter_data, json_chunks, write_xlsx
from .forms import DatasetForm, PublishForm, ReturnForm, VersionForm
from .models import Dataset, Distribution
from .services import QueryError

log = logging.getLogger(__name__)

PER_PAGE = 20
PREVIEW_ROWS = 50
PROBLEMS_PER_PAGE = 50
API_PAGE_SIZE = 100
API_MAX_PAGE_SIZE = 1000
API_RESERVED = frozenset({"format", "page", "page_size", "sort", "dir", "version"})
MAX_PAGE = 10_000_000


def _dataset_for(request: HttpRequest, slug: str) -> Dataset:
    dataset = get_object_or_404(
        Dataset.objects.select_related("publisher", "community", "created_by", "reviewed_by"),
        slug=slug,
    )
    if not services.can_view_dataset(request.user, dataset):
        raise Http404
    return dataset


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def _add_distribution(
    dataset: Dataset, *, user: User, upload: Any, url: str, note: str
) -> Distribution:
    from .distributions import add_distribution

    return add_distribution(dataset, user=user, upload=upload or None, url=url or None, note=note)


# --- the catalogue -----------------------------------------------------------------------------


@require_safe
def dataset_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    query = request.GET.get("q", "").strip()[:200]
    theme = request.GET.get("theme", "")
    publisher = request.GET.get("publisher", "")[:64]
    keyword = request.GET.get("keyword", "")[:60]
    visible = services.catalogue(user)
    datasets = visible.select_related("publisher", "community").prefetch_related("tags")
    if theme in DataTheme.values:
        # Theme codes are distinct words; matching the quoted code in the JSON list works on
        # SQLite and PostgreSQL alike.
        datasets = datasets.filter(themes__icontains=f'"{theme}"')
    else:
        theme = ""
    if publisher:
        datasets = datasets.filter(publisher__code=publisher)
    if keyword:
        datasets = datasets.filter(tags__slug=keyword)
    if query:
        datasets = datasets.filter(
            Q(title__icontains=query)
            | Q(description__icontains=query)
            | Q(tags__name__icontains=query)
        )
    datasets = datasets.distinct().order_by("-issued_at", "-pk")
    publishers = Organisation.objects.filter(datasets__in=visible).distinct().order_by("name")
    context: dict[str, Any] = {
        "paged": paginate(request, datasets, PER_PAGE),
        "query": query,
        "theme": theme,
        "themes": DataTheme.choices,
        "theme_labels": dict(DataTheme.choices),
        "publisher": publisher,
        "publishers": publishers,
        "keyword": keyword,
        "filtered": bool(query or theme or publisher or keyword),
    }
    if isinstance(user, User):
        context["mine"] = (
            Dataset.objects.filter(created_by=user)
            .exclude(status=Status.APPROVED)
            .order_by("-updated_at")[:50]
        )
        context["community_drafts"] = (
            services.visible_datasets(user)
            .filter(community__isnull=False)
            .exclude(status=Status.APPROVED)
            .exclude(created_by=user)
            .select_related("community")
            .order_by("-updated_at")[:50]
            if not services.is_steward(user)
            else Dataset.objects.none()
        )
        context["waiting"] = services.waiting_for(user).select_related("created_by", "community")[
            :50
        ]
    return render(request, "datasets/list.html", context)


# --- publishing and editing --------------------------------------------------------------------


class _Rollback(Exception):
    """Undo the new dataset when its first version is refused."""


@login_required
@require_http_methods(["GET", "POST"])
def dataset_create_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PublishForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        upload, url = form.cleaned_data.get("upload"), form.cleaned_data.get("url") or ""
        try:
            with transaction.atomic():
                dataset = services.dataset_create(user=user, meta=form.metadata())
                try:
                    _add_distribution(
                        dataset, user=user, upload=upload, url=url, note=_("First version")
                    )
                except ValidationError as error:
                    form.add_error("upload" if upload else "url", error.messages)
                    raise _Rollback from error
        except _Rollback:
            pass
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                _("Your dataset has been saved as a draft and its data is being imported."),
            )
            return redirect(dataset)
    status = 400 if request.method == "POST" else 200
    return render(request, "datasets/form.html", {"form": form, "dataset": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def dataset_edit_view(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = _dataset_for(request, slug)
    user = _user(request)
    if not services.can_manage(user, dataset):
        raise PermissionDenied
    form = DatasetForm(
        request.POST or None, user=user, dataset=dataset, initial=DatasetForm.initial_for(dataset)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.dataset_update(dataset=dataset, user=user, meta=form.metadata())
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Your changes to the dataset have been saved."))
            return redirect(dataset)
    status = 400 if request.method == "POST" else 200
    return render(request, "datasets/form.html", {"form": form, "dataset": dataset}, status=status)


# --- one dataset -------------------------------------------------------------------------------


def _query_url(request: HttpRequest, anchor: str = "", **changes: Any) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + params.urlencode() + (f"#{anchor}" if anchor else "")


def _page_number(raw: str | None) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def _preview(request: HttpRequest, distribution: Distribution) -> dict[str, Any]:
    """The preview table: 50 rows a page, sorted by a column when asked (an unknown column or
    direction is ignored with a note, never an error page)."""
    columns = services.preview_columns(distribution)
    names = {c["name"] for c in columns}
    sort = request.GET.get("sort", "")
    direction = request.GET.get("dir", "asc")
    note = ""
    if direction not in ("asc", "desc"):
        direction = "asc"
    if sort and sort not in names:
        note = _("There is no column called “%(name)s”: the rows are in their original order.") % {
            "name": sort[:100]
        }
        sort = ""
    rows = services.row_query(distribution, sort=sort, direction=direction)
    paged = paginate(request, rows, PREVIEW_ROWS)
    width = len(columns)
    table = []
    for row in paged.object_list:
        values = list(row.data)[:width] if isinstance(row.data, list) else []
        values += [None] * (width - len(values))
        table.append(
            (row.number, [(v, c["numeric"]) for v, c in zip(values, columns, strict=True)])
        )
    for column in columns:
        current = column["name"] == sort
        column["sorted"] = direction if current else ""
        column["aria_sort"] = (
            ("ascending" if direction == "asc" else "descending") if current else "none"
        )
        next_dir = "desc" if current and direction == "asc" else "asc"
        column["url"] = _query_url(request, "preview", sort=column["name"], dir=next_dir, page=None)
    return {"columns": columns, "rows": table, "paged": paged, "note": note, "sort": sort}


def _problems(request: HttpRequest, distribution: Distribution | None) -> dict[str, Any] | None:
    if distribution is None or not (distribution.problems or distribution.error):
        return None
    problems = list(distribution.problems) if isinstance(distribution.problems, list) else []
    paginator = Paginator(problems, PROBLEMS_PER_PAGE)
    page = paginator.get_page(_page_number(request.GET.get("problems")))
    return {
        "distribution": distribution,
        "page": page,
        "total": max(distribution.problem_count, len(problems)),
        "shown": len(problems),
        "previous_url": _query_url(request, "problems", problems=page.previous_page_number())
        if page.has_previous()
        else None,
        "next_url": _query_url(request, "problems", problems=page.next_page_number())
        if page.has_next()
        else None,
    }


def _detail_context(request: HttpRequest, dataset: Dataset, **extra: Any) -> dict[str, Any]:
    user = request.user
    item: Item | None = None
    if dataset.status == Status.APPROVED:
        # Through the visibility rule: a steward reading outside it gets no discussion there.
        item = (
            Item.objects.visible_to(user)
            .select_related("community")
            .filter(kind=Dataset.knowledge_kind, object_id=dataset.pk)
            .first()
        )
    distributions = list(dataset.distributions.select_related("created_by").order_by("-version"))
    asked = request.GET.get("version")
    chosen: Distribution | None = None
    if asked:
        try:
            chosen = services.distribution_for(dataset, asked)
        except QueryError as error:
            raise BadRequest(str(error)) from error
        if chosen is None:
            raise Http404
    current = next((d for d in distributions if d.status == ImportStatus.DONE), None)
    shown = chosen or current
    pending = next(
        (d for d in distributions if d.status in (ImportStatus.PENDING, ImportStatus.RUNNING)),
        None,
    )
    latest = distributions[0] if distributions else None
    manage = services.can_manage(user, dataset)
    review = services.can_review(user, dataset)
    chart = None
    if shown is not None and shown.row_count:
        try:
            chart = suggest_chart(shown)
        except Exception:  # a chart is a bonus: the table and downloads must still show
            log.exception("Could not suggest a chart for distribution %s", shown.pk)
    context: dict[str, Any] = {
        "dataset": dataset,
        "item": item,
        "community": dataset.community,
        "tags": list(dataset.tags.all()),
        "licence_url": {str(k): v for k, v in LICENCE_URIS.items()}.get(dataset.licence, ""),
        "theme_labels": [label for code, label in DataTheme.choices if code in dataset.themes],
        "distributions": distributions,
        "current": current,
        "shown": shown,
        "pending": pending,
        "latest": latest,
        "problems": _problems(request, latest),
        "preview": _preview(request, shown) if shown is not None else None,
        "summaries": services.column_summaries(shown) if shown is not None else [],
        "chart": chart,
        "version_query": f"?version={shown.version}"
        if shown is not None and chosen is not None
        else "",
        "can_manage": manage,
        "can_submit": manage
        and dataset.status in (Status.DRAFT, Status.RETURNED)
        and current is not None,
        "can_approve": review and dataset.status == Status.SUBMITTED and current is not None,
        "version_form": VersionForm() if manage else None,
        "return_form": ReturnForm(),
    }
    context.update(extra)
    return context


def _render_detail(
    request: HttpRequest, dataset: Dataset, *, status: int = 200, **extra: Any
) -> HttpResponse:
    context = _detail_context(request, dataset, **extra)
    response = render(request, "datasets/detail.html", context, status=status)
    if context["pending"] is not None or dataset.status != Status.APPROVED:
        add_never_cache_headers(
            response
        )  # progress and workflow change from one moment to the next
    return response


@require_safe
def dataset_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_detail(request, _dataset_for(request, slug))


@require_safe
def dataset_progress(request: HttpRequest, slug: str) -> HttpResponse:
    """The import progress fragment (polled by htmx every 2 s). When nothing is importing any
    more, htmx is told to reload the page, which now shows the new version or its problems."""
    dataset = _dataset_for(request, slug)
    pending = services.in_progress(dataset)
    response = render(
        request,
        "datasets/_progress.html",
        {"dataset": dataset, "pending": pending, "latest": services.latest_distribution(dataset)},
    )
    if pending is None and getattr(request, "htmx", False):
        response["HX-Refresh"] = "true"
    add_never_cache_headers(response)
    return response


# --- the workflow ------------------------------------------------------------------------------


def _workflow(request: HttpRequest, slug: str) -> tuple[Dataset, User]:
    dataset = _dataset_for(request, slug)
    if not request.user.is_authenticated:
        raise PermissionDenied
    return dataset, _user(request)


@require_POST
def dataset_submit_view(request: HttpRequest, slug: str) -> HttpResponse:
    dataset, user = _workflow(request, slug)
    if not services.can_manage(user, dataset):
        raise PermissionDenied
    try:
        services.dataset_submit(dataset=dataset, user=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your dataset has been submitted for approval."))
    return redirect(dataset)


@require_POST
def dataset_approve_view(request: HttpRequest, slug: str) -> HttpResponse:
    dataset, user = _workflow(request, slug)
    if not services.can_review(user, dataset):
        raise PermissionDenied
    try:
        services.dataset_approve(dataset=dataset, reviewer=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The dataset is approved and now in the catalogue."))
    return redirect(dataset)


@require_POST
def dataset_return_view(request: HttpRequest, slug: str) -> HttpResponse:
    dataset, user = _workflow(request, slug)
    if not services.can_review(user, dataset):
        raise PermissionDenied
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.dataset_return(
                dataset=dataset, reviewer=user, comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("The dataset has been returned with your comments."))
            return redirect(dataset)
    return _render_detail(request, dataset, status=400, return_form=form)


@require_POST
def version_add_view(request: HttpRequest, slug: str) -> HttpResponse:
    dataset, user = _workflow(request, slug)
    if not services.can_manage(user, dataset):
        raise PermissionDenied
    form = VersionForm(request.POST, request.FILES)
    if form.is_valid():
        upload, url = form.cleaned_data.get("upload"), form.cleaned_data.get("url") or ""
        try:
            distribution = _add_distribution(
                dataset, user=user, upload=upload, url=url, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            form.add_error("upload" if upload else "url", error.messages)
        else:
            messages.success(
                request,
                _("Version %(n)s is being imported.") % {"n": distribution.version},
            )
            return redirect(dataset)
    return _render_detail(request, dataset, status=400, version_form=form)


# --- downloads, the chart and the data API -----------------------------------------------------


def _distribution(request: HttpRequest, dataset: Dataset) -> Distribution:
    try:
        distribution = services.distribution_for(dataset, request.GET.get("version"))
    except QueryError as error:
        raise BadRequest(str(error)) from error
    if distribution is None:
        raise Http404
    return distribution


def _names(distribution: Distribution) -> list[str]:
    return [str(c.get("name", "")) for c in distribution.columns]


def _filename(dataset: Dataset, distribution: Distribution, ext: str) -> str:
    return f"{dataset.slug}-v{distribution.version}.{ext}"


@require_safe
def dataset_download(request: HttpRequest, slug: str, fmt: str) -> HttpResponseBase:
    dataset = _dataset_for(request, slug)
    try:
        distribution = _distribution(request, dataset)
    except BadRequest as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    rows = iter_data(services.row_query(distribution))
    names = _names(distribution)
    response: HttpResponseBase
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_lines(names, rows), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "json":
        response = StreamingHttpResponse(
            json_chunks(names, rows), content_type="application/json; charset=utf-8"
        )
    elif fmt == "xlsx":
        if distribution.row_count > XLSX_MAX_ROWS:
            return HttpResponseBadRequest(
                _("This version has more rows than a spreadsheet can hold: download the CSV."),
                content_type="text/plain; charset=utf-8",
            )
        response = FileResponse(
            write_xlsx(names, rows, dataset.title),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(dataset, distribution, fmt)}"'
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def dataset_chart(request: HttpRequest, slug: str) -> HttpResponse:
    """The suggested chart as an SVG image (shown with an <img> and the data table)."""
    dataset = _dataset_for(request, slug)
    try:
        distribution = _distribution(request, dataset)
    except BadRequest as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    chart = suggest_chart(distribution)
    if chart is None:
        raise Http404
    response = HttpResponse(chart_svg(distribution, chart), content_type="image/svg+xml")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _api_error(message: str, status: int = 400) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _int_param(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise QueryError(_("%(name)s must be a whole number") % {"name": name}) from None
    if not low <= value <= high:
        raise QueryError(
            _("%(name)s must be between %(low)s and %(high)s")
            % {"name": name, "low": low, "high": high}
        )
    return value


@require_safe
def dataset_rows(request: HttpRequest, slug: str) -> HttpResponse:
    """The data API: the current version's rows (or ``?version=N``) as JSON or CSV, filtered by
    ``column=value``, ``column__gte``, ``column__lte`` and ``column__contains``, sorted with
    ``sort`` and ``dir`` and paged with ``page`` and ``page_size`` (at most 1000)."""
    try:
        dataset = _dataset_for(request, slug)
    except Http404:
        return _api_error(_("There is no dataset here, or you may not see it."), status=404)
    fmt = request.GET.get("format", "json")
    if fmt not in ("json", "csv"):
        return _api_error(_("format must be json or csv"))
    try:
        distribution = services.distribution_for(dataset, request.GET.get("version"))
        if distribution is None:
            return _api_error(_("There is no imported version like that."), status=404)
        page = _int_param(request, "page", 1, 1, MAX_PAGE)
        size = _int_param(request, "page_size", API_PAGE_SIZE, 1, API_MAX_PAGE_SIZE)
        filters = [
            (key, value)
            for key, values in request.GET.lists()
            if key not in API_RESERVED
            for value in values
        ]
        rows = services.row_query(
            distribution,
            filters=filters,
            sort=request.GET.get("sort", ""),
            direction=request.GET.get("dir", "asc"),
        )
        total = rows.count()
    except QueryError as error:
        return _api_error(str(error))
    start = (page - 1) * size
    data = list(rows.values_list("data", flat=True)[start : start + size]) if start < total else []
    base = request.build_absolute_uri(request.path)

    def link(number: int) -> str:
        params = request.GET.copy()
        params["page"] = str(number)
        return f"{base}?{params.urlencode()}"

    next_url = link(page + 1) if start + size < total else None
    previous_url = link(min(page - 1, max(1, -(-total // size)))) if page > 1 else None
    names = _names(distribution)
    response: HttpResponse
    if fmt == "csv":
        response = HttpResponse(
            "".join(csv_lines(names, (list(d) for d in data))),
            content_type="text/csv; charset=utf-8",
        )
        response["X-Total-Count"] = str(total)
        links = [f'<{u}>; rel="{r}"' for u, r in ((next_url, "next"), (previous_url, "prev")) if u]
        if links:
            response["Link"] = ", ".join(links)
    else:
        response = JsonResponse(
            {
                "dataset": dataset.slug,
                "title": dataset.title,
                "version": distribution.version,
                "columns": [
                    {"name": str(c.get("name", "")), "type": str(c.get("type", ""))}
                    for c in distribution.columns
                ],
                "total": total,
                "page": page,
                "page_size": size,
                "next": next_url,
                "previous": previous_url,
                "rows": [dict(zip(names, d, strict=False)) for d in data],
            },
            json_dumps_params={"ensure_ascii": False},
        )
    response["Access-Control-Allow-Origin"] = "*"
    return response
