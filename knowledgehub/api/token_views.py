"""Developer pages (/developers/): personal access tokens, OAuth applications that third-party
developers register, and the applications a person has let act for them.

A secret (a raw personal token, an OAuth client secret) is shown once, on the page that answers
the POST that created it, and never again: only its hash is stored. Those pages are ``no-store``
so the browser's history does not keep them either."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from knowledgehub.people.models import User

from .forms import SCOPE_HINTS, ApplicationForm, TokenForm
from .models import SCOPES, PersonalAccessToken

Application = get_application_model()


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required
    return user


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, private"
    return response


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "api/index.html")


# --- Personal access tokens ---------------------------------------------------------------------


@require_safe
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    tokens = PersonalAccessToken.objects.filter(user=_user(request)).order_by("-created_at", "-id")
    return render(request, "api/token_list.html", {"tokens": tokens, "now": timezone.now()})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def token_new(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        expires_at = timezone.now() + dt.timedelta(days=days) if days else None
        token, raw = PersonalAccessToken.issue(
            user=_user(request),
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_at=expires_at,
        )
        response = render(request, "api/token_created.html", {"token": token, "raw": raw})
        return _no_store(response)
    scopes = [(value, value.capitalize(), SCOPE_HINTS[value]) for value in SCOPES]
    return render(request, "api/token_form.html", {"form": form, "scopes": scopes})


@require_POST
@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(PersonalAccessToken, pk=pk, user=request.user)
    token.revoke()
    messages.success(request, _("The token '%(name)s' is revoked.") % {"name": token.name})
    return redirect("developers:tokens")


# --- OAuth applications (for developers) --------------------------------------------------------


@require_safe
@login_required
def app_list(request: HttpRequest) -> HttpResponse:
    apps = Application.objects.filter(user=request.user).order_by("-created", "-id")
    return render(request, "api/app_list.html", {"apps": apps})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def app_new(request: HttpRequest) -> HttpResponse:
    form = ApplicationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        confidential = form.cleaned_data["client_type"] == Application.CLIENT_CONFIDENTIAL
        secret = generate_client_secret()
        app = Application(
            user=request.user,
            name=form.cleaned_data["name"],
            redirect_uris=form.cleaned_data["redirect_uris"],
            client_type=form.cleaned_data["client_type"],
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            algorithm=Application.NO_ALGORITHM,
            skip_authorization=False,
            # Stored hashed (DOT hashes on save): it can be shown only now.
            hash_client_secret=True,
            client_secret=secret,
        )
        app.save()
        context = {
            "app": app,
            "secret": secret if confidential else "",
            "created": True,
            "site_url": settings.SITE_URL,
        }
        return _no_store(render(request, "api/app_detail.html", context))
    return render(request, "api/app_form.html", {"form": form})


def _own_app(request: HttpRequest, pk: int) -> Any:
    return get_object_or_404(Application, pk=pk, user=request.user)


@require_safe
@login_required
def app_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = _own_app(request, pk)
    context = {"app": app, "secret": "", "created": False, "site_url": settings.SITE_URL}
    return render(request, "api/app_detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def app_delete(request: HttpRequest, pk: int) -> HttpResponse:
    app = _own_app(request, pk)
    if request.method == "POST":
        name = app.name
        app.delete()  # its grants and tokens go with it (on_delete=CASCADE)
        messages.success(request, _("The application '%(name)s' is deleted.") % {"name": name})
        return redirect("developers:apps")
    return render(request, "api/app_delete.html", {"app": app})


# --- Applications I have authorised -------------------------------------------------------------


def _authorised_apps(user: Any) -> Any:
    access = get_access_token_model().objects.filter(user=user).values("application_id")
    refresh = (
        get_refresh_token_model()
        .objects.filter(user=user, revoked__isnull=True)
        .values("application_id")
    )
    return (
        Application.objects.filter(Q(pk__in=access) | Q(pk__in=refresh))
        .select_related("user")
        .order_by("name", "id")
    )


@require_safe
@login_required
def authorised_list(request: HttpRequest) -> HttpResponse:
    return render(request, "api/authorised_list.html", {"apps": _authorised_apps(request.user)})


@require_POST
@login_required
def authorised_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(_authorised_apps(request.user), pk=pk)
    with transaction.atomic():
        get_refresh_token_model().objects.filter(user=request.user, application=app).delete()
        get_access_token_model().objects.filter(user=request.user, application=app).delete()
        get_grant_model().objects.filter(user=request.user, application=app).delete()
    messages.success(request, _("'%(name)s' can no longer use your account.") % {"name": app.name})
    return redirect("developers:authorised")
