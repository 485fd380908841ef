"""ActivityPub, WebFinger and NodeInfo endpoints, and the opt-in page.

Every document is built as an anonymous visitor would see things, whoever asks (see actors.py).
The inbox answers 401 for a bad signature, 400 for bad JSON, 413 for a body over 1 MB, 404 for an
actor that is not federated and 202 for anything it accepts or ignores; never a 500."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.db.models import Q
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from knowledgehub.people.models import User

from . import activities, actors, services
from .actors import LocalActor
from .choices import ActorKind
from .constants import ACTIVITY_JSON, INBOX_MAX_BYTES, JRD_JSON, OUTBOX_PAGE_SIZE
from .forms import OptInForm
from .models import FederationOptIn, Follower
from .signatures import SignatureError

logger = logging.getLogger(__name__)


def _json(doc: Any, *, content_type: str = ACTIVITY_JSON, status: int = 200) -> HttpResponse:
    response = HttpResponse(
        json.dumps(doc, ensure_ascii=False, indent=1), content_type=content_type, status=status
    )
    response["Access-Control-Allow-Origin"] = "*"
    response["Vary"] = "Accept"
    return response


def _problem(status: int, detail: str) -> HttpResponse:
    return JsonResponse({"error": detail}, status=status)


def _wants_html(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and "json" not in accept


def _community(slug: str) -> LocalActor:
    actor = actors.find_community(slug)
    if actor is None:
        raise Http404
    return actor


def _person(username: str) -> LocalActor:
    actor = actors.find_person(username)
    if actor is None:
        raise Http404
    return actor


def _actor(kind: str, key: str) -> LocalActor:
    return _community(key) if kind == ActorKind.COMMUNITY else _person(key)


# --- WebFinger and NodeInfo ----------------------------------------------------------------------


def _actor_for_url(url: str) -> LocalActor | None:
    if not url.startswith(settings.SITE_URL + "/"):
        return None
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    if match.view_name == "federation:community":
        return actors.find_community(match.kwargs["slug"])
    if match.view_name == "federation:person":
        return actors.find_person(match.kwargs["username"])
    return None


@require_safe
def webfinger(request: HttpRequest) -> HttpResponse:
    resource = request.GET.get("resource", "").strip()
    if not resource:
        return _problem(400, "The resource parameter is required, e.g. acct:name@host")
    actor: LocalActor | None
    if resource.startswith(("http://", "https://")):
        actor = _actor_for_url(resource)
    else:
        if not resource.startswith("acct:"):
            return _problem(400, "The resource must be acct:name@host or an actor address")
        local, at, host = resource[len("acct:") :].rpartition("@")
        if not at or not local or not host:
            return _problem(400, "The resource must be acct:name@host")
        if host.lower() != actors.site_host():
            raise Http404
        actor = actors.find_by_handle(local)
    if actor is None:
        raise Http404
    return _json(activities.webfinger_document(actor), content_type=JRD_JSON)


@require_safe
def nodeinfo_index(request: HttpRequest) -> HttpResponse:
    if not actors.enabled():
        raise Http404
    href = actors.absolute(reverse("federation:nodeinfo"))
    return _json(
        {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": href}]},
        content_type="application/json",
    )


@require_safe
def nodeinfo(request: HttpRequest) -> HttpResponse:
    if not actors.enabled():
        raise Http404
    from importlib.metadata import PackageNotFoundError, version

    try:
        software_version = version("knowledgehub")
    except PackageNotFoundError:
        software_version = "0"
    people = User.objects.visible_to(actors.anonymous())
    doc = {
        "version": "2.1",
        "software": {"name": "knowledgehub", "version": software_version},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0"]},
        "openRegistrations": bool(getattr(settings, "ACCOUNT_ALLOW_SIGNUPS", True)),
        "usage": {
            # Public things only: profiles anonymous visitors may see, public items.
            "users": {"total": people.count()},
            "localPosts": actors.public_items().count(),
        },
        "metadata": {"nodeName": settings.SITE_NAME},
    }
    return _json(
        doc,
        content_type='application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"',
    )


# --- Actors and their collections ----------------------------------------------------------------


def _actor_response(request: HttpRequest, actor: LocalActor) -> HttpResponse:
    if _wants_html(request):
        return HttpResponseRedirect(actor.page_url)
    return _json(activities.actor_document(actor))


@require_safe
def community(request: HttpRequest, slug: str) -> HttpResponse:
    return _actor_response(request, _community(slug))


@require_safe
def person(request: HttpRequest, username: str) -> HttpResponse:
    return _actor_response(request, _person(username))


def _encode_cursor(published: datetime, pk: int) -> str:
    raw = f"{published.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode_cursor(token: str) -> tuple[datetime, int]:
    padded = token + "=" * (-len(token) % 4)
    raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    published, _, pk = raw.rpartition("|")
    return datetime.fromisoformat(published), int(pk)


@require_safe
def outbox(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    actor = _actor(kind, key)
    items = actor.items()
    if "page" not in request.GET:
        return _json(activities.outbox_collection(actor, items.count()))
    cursor = request.GET.get("cursor", "")
    if cursor:
        try:
            published, pk = _decode_cursor(cursor)
        except (ValueError, UnicodeDecodeError, binascii.Error):
            return _problem(400, "The cursor is not valid; start again from the outbox")
        items = items.filter(Q(published_at__lt=published) | Q(published_at=published, pk__lt=pk))
    rows = list(
        items.select_related("author", "community")
        .prefetch_related("tags")
        .order_by("-published_at", "-id")[: OUTBOX_PAGE_SIZE + 1]
    )
    page_id = (
        f"{actor.outbox}?{urlencode({'page': 'true', **({'cursor': cursor} if cursor else {})})}"
    )
    next_id = None
    if len(rows) > OUTBOX_PAGE_SIZE:
        rows = rows[:OUTBOX_PAGE_SIZE]
        token = _encode_cursor(rows[-1].published_at, rows[-1].pk)
        next_id = f"{actor.outbox}?{urlencode({'page': 'true', 'cursor': token})}"
    return _json(activities.outbox_page(actor, rows, page_id=page_id, next_id=next_id))


@require_safe
def followers(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    actor = _actor(kind, key)
    total = Follower.objects.filter(kind=actor.kind, local_id=actor.local_id).count()
    return _json(activities.followers_collection(actor, total))


@require_safe
def item_object(request: HttpRequest, item_id: int) -> HttpResponse:
    item, publishers = actors.actors_for_item(item_id)
    if item is None or not publishers:
        raise Http404
    if _wants_html(request):
        return HttpResponseRedirect(actors.absolute(item.url))
    # The author when they federate, else the community.
    canonical = publishers[-1]
    doc = activities.item_object(item, attributed_to=canonical.id, followers=canonical.followers)
    return _json({"@context": activities.CONTEXT, **doc})


# --- Inboxes -------------------------------------------------------------------------------------


@csrf_exempt
def inbox(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    actor = _actor(kind, key)
    return _receive(request, actor)


@csrf_exempt
def shared_inbox(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not actors.enabled():
        raise Http404
    return _receive(request, None)


def _receive(request: HttpRequest, actor: LocalActor | None) -> HttpResponse:
    try:
        return _receive_checked(request, actor)
    except Exception:  # never a 500 to a remote server: log it and refuse politely
        logger.exception("federation inbox failed")
        return _problem(400, "The activity could not be processed")


def _receive_checked(request: HttpRequest, actor: LocalActor | None) -> HttpResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > INBOX_MAX_BYTES:
        return _problem(413, "The activity is larger than 1 MB")
    try:
        body = request.body
    except RequestDataTooBig:
        return _problem(413, "The activity is larger than 1 MB")
    if len(body) > INBOX_MAX_BYTES:
        return _problem(413, "The activity is larger than 1 MB")
    try:
        activity = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _problem(400, "The body is not JSON")
    if not isinstance(activity, dict):
        return _problem(400, "The body is not a JSON object")
    headers = {name.lower(): value for name, value in request.headers.items()}
    try:
        remote = services.request_verify(
            method="POST", request_target=request.get_full_path(), headers=headers, body=body
        )
    except SignatureError as exc:
        return _problem(401, f"The HTTP signature is not valid: {exc}")
    if services._url(activity.get("actor")) != remote.uri:
        return _problem(401, "The activity's actor is not the one who signed it")
    kind = activity.get("type")
    if kind == "Follow":
        target = actor or _actor_for_url(services._url(activity.get("object")))
        if target is None or services._url(activity.get("object")) != target.id:
            return _accepted()
        delivery = services.follower_add(actor=target, remote=remote, follow=activity)
        from .tasks import deliver_task

        delivery_id = delivery.pk
        transaction.on_commit(lambda: deliver_task(delivery_id))
        return _accepted()
    if kind == "Undo":
        inner = activity.get("object")
        inner_type = inner.get("type") if isinstance(inner, dict) else None
        inner_id = services._url(inner)
        follows = Follower.objects.filter(remote=remote)
        if inner_type == "Follow" and isinstance(inner, dict):
            target = actor or _actor_for_url(services._url(inner.get("object")))
            if target is not None:
                services.follower_remove(actor=target, remote=remote)
        elif inner_id:
            follows.filter(follow_activity_id=inner_id).delete()
        return _accepted()
    return _accepted()


def _accepted() -> HttpResponse:
    return HttpResponse(status=202)


# --- Opt-in page ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def opt_in(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    choice, _created = FederationOptIn.objects.get_or_create(user=user)
    form = OptInForm(request.POST if request.method == "POST" else None, instance=choice)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your fediverse setting has been saved."))
        return redirect("federation:settings")
    profile_public = User.objects.visible_to(actors.anonymous()).filter(pk=user.pk).exists()
    return render(
        request,
        "federation/settings.html",
        {
            "form": form,
            "handle": f"@{user.username}@{actors.site_host()}",
            "profile_public": profile_public,
            "federated": choice.enabled and profile_public and actors.enabled(),
        },
    )
