from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from knowledgehub.lib.http import local_path
from knowledgehub.lib.pagination import paginate
from knowledgehub.people.models import User

from . import services
from .models import Notification


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.for_user(request.user).select_related("actor")
    page = paginate(request, notifications, per_page=30)
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_safe
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification: mark it read and go where it points (only to this site)."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return redirect(local_path(request, notification.url, fallback="/notifications/"))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_read(_user(request))
    messages.success(request, _("Marked %(n)d notifications as read.") % {"n": count})
    return redirect("notifications:list")
