from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from knowledgehub.lib.http import local_path
from knowledgehub.lib.pagination import paginate
from knowledgehub.people.models import User

from . import services
from .choices import Period, PreferenceKind
from .emails import (
    DIGEST_PREFIX,
    BadToken,
    UnknownPerson,
    kinds_for_unsubscribe,
    read_unsubscribe_token,
)
from .forms import PreferencesForm, field_name
from .models import Notification
from .preferences import OPTIONS, email_off, preference_set, preferences_for

# htmx stops polling when it gets this status (used for signed-out visitors).
HTMX_STOP_POLLING = 286


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.for_user(request.user).shown().select_related("actor")
    page = paginate(request, notifications, per_page=30)
    return render(request, "notifications/list.html", {"page": page})


@require_safe
@never_cache
def unread_badge(request: HttpRequest) -> HttpResponse:
    """The header's unread count, polled by htmx every 30 seconds."""
    if not request.user.is_authenticated:
        return HttpResponse(status=HTMX_STOP_POLLING)
    count = Notification.objects.for_user(request.user).shown().unread().count()
    return render(request, "notifications/_unread.html", {"NOTIFICATIONS_UNREAD": count})


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


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    prefs = preferences_for(user)
    initial = {field_name(o): prefs[(o.kind, o.channel)] for o in OPTIONS}
    if request.method == "POST":
        form = PreferencesForm(request.POST, initial=initial)
        if form.is_valid():
            for option in OPTIONS:
                preference_set(
                    user=user,
                    kind=option.kind,
                    channel=option.channel,
                    frequency=form.cleaned_data[field_name(option)],
                )
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:settings")
    else:
        form = PreferencesForm(initial=initial)
    return render(request, "notifications/settings.html", {"form": form})


def _kind_label(kind: str) -> str:
    if kind.startswith(DIGEST_PREFIX):
        period = Period(kind.removeprefix(DIGEST_PREFIX))
        return _("%(period)s digest e-mails") % {"period": period.label}
    return str(PreferenceKind(kind).label)


@csrf_exempt  # RFC 8058: mail providers POST "List-Unsubscribe=One-Click" with no cookies.
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe: GET asks to confirm, POST unsubscribes (idempotent). The signed
    token is the only credential, so both work signed out."""
    try:
        user, kind = read_unsubscribe_token(token)
    except BadToken:
        return render(request, "notifications/unsubscribe_bad.html", {"unknown": False}, status=400)
    except UnknownPerson:
        return render(request, "notifications/unsubscribe_bad.html", {"unknown": True}, status=404)
    kinds = kinds_for_unsubscribe(user, kind)
    context = {
        "what": _kind_label(kind),
        "kinds": [PreferenceKind(k).label for k in kinds],
        "token": token,
    }
    if request.method == "POST":
        email_off(user=user, kinds=kinds)
        return render(request, "notifications/unsubscribed.html", context)
    return render(request, "notifications/unsubscribe.html", context)
