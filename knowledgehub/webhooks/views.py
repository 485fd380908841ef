"""Pages at /developers/webhooks/: only the owner, and for a community webhook the community's
current owner and facilitators, may see or change a webhook (404 for everyone else)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import services
from .forms import WebhookForm
from .models import Webhook

DELIVERIES_SHOWN = 50


def _webhook(request: HttpRequest, pk: int) -> Webhook:
    return get_object_or_404(
        Webhook.objects.manageable_by(request.user).select_related("owner", "community"), pk=pk
    )


@login_required
@require_safe
def webhook_list(request: HttpRequest) -> HttpResponse:
    webhooks = Webhook.objects.manageable_by(request.user).select_related("owner", "community")
    return render(request, "webhooks/list.html", {"webhooks": webhooks})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_create(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            webhook = services.webhook_create(
                owner=request.user,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                community=form.cleaned_data.get("community"),
            )
        except services.WebhookError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request, _("Webhook added. Use the secret below to check each delivery.")
            )
            return redirect(webhook)
    return render(request, "webhooks/form.html", {"form": form, "webhook": None})


@login_required
@require_safe
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = _webhook(request, pk)
    deliveries = webhook.deliveries.order_by("-created_at", "-id")[:DELIVERIES_SHOWN]
    return render(
        request,
        "webhooks/detail.html",
        {
            "webhook": webhook,
            "deliveries": deliveries,
            "owner_may_send": webhook.owner_may_send(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = _webhook(request, pk)
    initial = {"url": webhook.url, "events": webhook.events, "active": webhook.active}
    form = WebhookForm(request.POST or None, webhook=webhook, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_update(
                webhook=webhook,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                active=form.cleaned_data["active"],
                editor=request.user,
            )
        except services.WebhookError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Webhook saved."))
            return redirect(webhook)
    return render(request, "webhooks/form.html", {"form": form, "webhook": webhook})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = _webhook(request, pk)
    if request.method == "POST":
        webhook.delete()
        messages.success(request, _("Webhook deleted."))
        return redirect("webhooks:list")
    return render(request, "webhooks/delete.html", {"webhook": webhook})


@login_required
@require_POST
def webhook_regenerate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = _webhook(request, pk)
    if webhook.owner_id != request.user.pk:
        # The secret is its owner's: a co-manager of the community may not read or replace it.
        raise PermissionDenied
    services.webhook_regenerate_secret(webhook=webhook)
    messages.success(
        request,
        _("New secret made. Deliveries are signed with it from now on: update your receiver."),
    )
    return redirect(webhook)


@login_required
@require_POST
def webhook_ping(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = _webhook(request, pk)
    services.webhook_ping(webhook=webhook)
    messages.success(request, _("Test ping queued. Its result appears in the delivery log."))
    return redirect(webhook)
