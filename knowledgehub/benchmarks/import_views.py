"""Importing a file of values in the browser: upload (the header is read at once), map its
columns, then watch the worker import it and read its validation report. Data stewards
(``benchmarks.import_values``) import; an import is seen only by its creator and stewards."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from knowledgehub.datasets.readers import Limits, size_words
from knowledgehub.lib.upload_handlers import limit_for_path
from knowledgehub.lib.uploads import display_name

from .choices import ImportStatus, Sharing
from .forms import ROLE_LABELS, MappingForm, UploadForm
from .importing import ImportFailed, guess_mapping, read_header
from .models import Metric, MetricImport
from .visibility import is_steward

PROBLEMS_PER_PAGE = 50
MAX_PAGE = 100_000


def _steward(request: HttpRequest) -> bool:
    return is_steward(request.user)


def _import_for(request: HttpRequest, pk: int) -> MetricImport:
    record = get_object_or_404(MetricImport.objects.select_related("metric", "club"), pk=pk)
    if record.created_by_id != request.user.pk and not _steward(request):
        raise Http404
    return record


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    if not _steward(request):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["upload"]
        limit = Limits.from_settings().max_bytes
        size = int(file.size or 0)
        if getattr(file, "too_large", False) or size > limit:
            limit = min(limit, limit_for_path(request.path))
            form.add_error(
                "upload",
                _("The file is too big: the largest we accept is %(limit)s")
                % {"limit": size_words(limit)},
            )
        else:
            try:
                fmt, header = read_header(file)
            except ImportFailed as exc:
                form.add_error("upload", exc.message)
            else:
                file.seek(0)
                name = default_storage.save(f"metric-imports/{uuid.uuid4().hex}.{fmt}", file)
                record = MetricImport.objects.create(
                    created_by_id=request.user.pk,
                    status=ImportStatus.MAPPING,
                    file=name,
                    original_name=display_name(file.name),
                    format=fmt,
                    header=header[:1000],
                    bytes_total=size,
                )
                return redirect(record)
    status = 400 if request.method == "POST" else 200
    recent = MetricImport.objects.filter(created_by_id=request.user.pk)[:10]
    return render(
        request, "benchmarks/import_upload.html", {"form": form, "recent": recent}, status=status
    )


def _initial(record: MetricImport) -> dict[str, Any]:
    header = [str(h) for h in record.header]
    guesses = guess_mapping(header)
    initial: dict[str, Any] = {f"{role}_col": column for role, column in guesses.items()}
    initial["layout"] = "long" if "value" in guesses else "wide"
    initial["sharing"] = Sharing.PUBLIC
    return initial


def _problems(request: HttpRequest, record: MetricImport) -> dict[str, Any]:
    problems = list(record.problems) if isinstance(record.problems, list) else []
    try:
        number = min(max(int(request.GET.get("problems") or 1), 1), MAX_PAGE)
    except ValueError:
        number = 1
    page = Paginator(problems, PROBLEMS_PER_PAGE).get_page(number)

    def link(n: int) -> str:
        params = request.GET.copy()
        params["problems"] = str(n)
        return f"?{params.urlencode()}#problems"

    return {
        "page": page,
        "total": max(record.problem_count, len(problems)),
        "shown": len(problems),
        "previous_url": link(page.previous_page_number()) if page.has_previous() else None,
        "next_url": link(page.next_page_number()) if page.has_next() else None,
    }


def _queue(import_id: int) -> None:
    from .tasks import import_metric_file

    import_metric_file(import_id)


@login_required
@require_http_methods(["GET", "POST"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = _import_for(request, pk)
    form = None
    status = 200
    if record.status == ImportStatus.MAPPING:
        if request.method == "POST" and not _steward(request):
            # Importing writes figures for any council: only a steward, now, may start it.
            raise PermissionDenied
        header = [str(h) for h in record.header]
        form = MappingForm(
            request.POST if request.method == "POST" else None,
            header=header,
            initial=_initial(record),
        )
        if request.method == "POST":
            if form.is_valid():
                data = form.cleaned_data
                mapping: dict[str, str] = {
                    role: data[f"{role}_col"] for role in ROLE_LABELS if data.get(f"{role}_col")
                }
                mapping["layout"] = data["layout"]
                if data.get("period_type"):
                    mapping["period_type"] = data["period_type"]
                metric: Metric | None = data.get("metric")
                updated = MetricImport.objects.filter(
                    pk=record.pk, status=ImportStatus.MAPPING
                ).update(
                    mapping=mapping,
                    metric=metric,
                    period=data.get("period") or "",
                    create_metrics=bool(data.get("create_metrics")),
                    sharing=data["sharing"],
                    club=data.get("club") if data["sharing"] == Sharing.CLUB else None,
                    embargo_until=data.get("embargo_until"),
                    status=ImportStatus.QUEUED,
                )
                if updated:
                    transaction.on_commit(lambda: _queue(record.pk))
                    messages.success(request, _("The file is being imported."))
                return redirect(record)
            status = 400
    elif request.method == "POST":
        messages.info(request, _("This file's columns have already been mapped."))
        return redirect(record)
    pending = record.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    context = {
        "record": record,
        "form": form,
        "pending": pending,
        "problems": _problems(request, record) if not pending else None,
    }
    response = render(request, "benchmarks/import_detail.html", context, status=status)
    add_never_cache_headers(response)
    return response


@login_required
@require_safe
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment (polled by htmx every 2 s); when the import has finished, htmx is
    told to reload the page, which then shows the report."""
    record = _import_for(request, pk)
    pending = record.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    response = render(
        request, "benchmarks/_import_progress.html", {"record": record, "pending": pending}
    )
    if not pending and getattr(request, "htmx", False):
        response["HX-Refresh"] = "true"
    add_never_cache_headers(response)
    return response
