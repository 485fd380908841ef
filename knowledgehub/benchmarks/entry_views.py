"""Defining metrics (data stewards) and entering one council's figure (its contributors)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from knowledgehub.organisations.choices import COUNCIL_TYPES
from knowledgehub.organisations.models import Organisation

from . import writes
from .choices import Sharing
from .forms import MetricForm, ValueEntryForm
from .models import Metric
from .visibility import can_enter_values, is_steward


def _metric_form(request: HttpRequest, metric: Metric | None) -> HttpResponse:
    if not is_steward(request.user):
        raise PermissionDenied
    form = MetricForm(request.POST or None, instance=metric)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if metric is None:
            saved.created_by_id = request.user.pk
        saved.save()
        messages.success(
            request,
            _("The metric has been saved.") if metric else _("The metric has been defined."),
        )
        return redirect(saved)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "benchmarks/metric_form.html", {"form": form, "metric": metric}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def metric_new(request: HttpRequest) -> HttpResponse:
    return _metric_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def metric_edit(request: HttpRequest, identifier: str) -> HttpResponse:
    return _metric_form(request, get_object_or_404(Metric, identifier=identifier))


OUTCOME_MESSAGES = {
    writes.CREATED: gettext_lazy("The figure has been recorded."),
    writes.REVISED: gettext_lazy(
        "The figure has been revised; the earlier one is kept in its history."
    ),
    writes.UNCHANGED: gettext_lazy("The figure was already recorded: nothing changed."),
}


@login_required
@require_http_methods(["GET", "POST"])
def enter_value(request: HttpRequest, code: str) -> HttpResponse:
    council = get_object_or_404(Organisation, code=code, type__in=COUNCIL_TYPES)
    if not can_enter_values(request.user, council.pk):
        raise PermissionDenied
    initial = {}
    if request.GET.get("metric"):
        initial["metric"] = request.GET["metric"][:120]
    form = ValueEntryForm(request.POST or None, council=council, initial=initial)
    if request.method == "POST" and form.is_valid() and form.parsed_period is not None:
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
            by_user=request.user,
            reason=_("entered by hand"),
        )
        messages.success(request, str(OUTCOME_MESSAGES[outcome]))
        return redirect(reverse("benchmarks:council", kwargs={"code": council.code}))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "benchmarks/enter.html", {"form": form, "council": council}, status=status
    )
