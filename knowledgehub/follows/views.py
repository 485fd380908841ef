from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from knowledgehub.knowledge.visibility import visibility_q
from knowledgehub.lib.http import safe_next
from knowledgehub.lib.pagination import paginate
from knowledgehub.people.models import User

from .as2 import AS_MEDIA_TYPE, as_collection_page
from .choices import TargetKind
from .models import Activity
from .services import (
    FollowError,
    follow,
    followers_of,
    following,
    get_target,
    unfollow,
)
from .stream import ORDERS, BadCursor, stream
from .templatetags.follows import button_context, target_url

PEOPLE_PER_PAGE = 50


def _signed_in(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _toggle(request: HttpRequest, kind: str, pk: int, *, on: bool) -> HttpResponse:
    user = _signed_in(request)
    if kind not in TargetKind.values:
        raise Http404
    target = get_target(user, kind, pk)
    error = ""
    if target is None and not on:
        # Unfollowing what one can no longer see is allowed.
        from .services import _models

        target = _models()[kind]._default_manager.filter(pk=pk).first()
    if target is None:
        raise Http404
    try:
        if on:
            follow(user, target)
        else:
            unfollow(user, target)
    except FollowError as exc:
        error = str(exc)
    if request.htmx:  # type: ignore[attr-defined]
        context = button_context(request, target)
        context["error"] = error
        return render(request, "follows/_button.html", context)
    if error:
        from django.contrib import messages

        messages.error(request, error)
    return redirect(safe_next(request, target_url(target)))


@login_required
@require_POST
def follow_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    return _toggle(request, kind, pk, on=True)


@login_required
@require_POST
def unfollow_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    return _toggle(request, kind, pk, on=False)


def _person(request: HttpRequest, username: str) -> User:
    return get_object_or_404(User.objects.visible_to(request.user), username=username)


@require_safe
def followers(request: HttpRequest, username: str) -> HttpResponse:
    person = _person(request, username)
    paged = paginate(request, followers_of(person, viewer=request.user), PEOPLE_PER_PAGE)
    return render(request, "follows/followers.html", {"person": person, "paged": paged})


@require_safe
def following_view(request: HttpRequest, username: str) -> HttpResponse:
    person = _person(request, username)
    groups = following(person, viewer=request.user)
    return render(
        request,
        "follows/following.html",
        {"person": person, "groups": groups, "empty": not any(g.targets for g in groups)},
    )


def _page_args(request: HttpRequest) -> tuple[str, str]:
    order = request.GET.get("order", "newest")
    return (order if order in ORDERS else "newest"), request.GET.get("before", "")


BAD_CURSOR = "That link to more of your stream is not valid. Start again from the top."


@login_required
@require_safe
def stream_page(request: HttpRequest) -> HttpResponse:
    if request.GET.get("format") == "as2":
        return stream_json(request)
    order, before = _page_args(request)
    try:
        page = stream(_signed_in(request), order=order, before=before)
    except BadCursor:
        return HttpResponseBadRequest(_(BAD_CURSOR))
    context: dict[str, Any] = {"page": page, "order": order}
    if request.htmx and before:  # type: ignore[attr-defined]
        return render(request, "follows/_stream_page.html", context)
    return render(request, "follows/stream.html", context)


@login_required
@require_safe
def stream_json(request: HttpRequest) -> HttpResponse:
    order, before = _page_args(request)
    try:
        page = stream(_signed_in(request), order=order, before=before)
    except BadCursor:
        body = json.dumps({"error": BAD_CURSOR})
        return HttpResponse(body, status=400, content_type="application/json")
    data = as_collection_page(request, page, before=before)
    return HttpResponse(json.dumps(data, indent=1), content_type=AS_MEDIA_TYPE)


@login_required
@require_safe
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An activity's id resolves to where it happened, for those who may see its item."""
    activity = get_object_or_404(
        Activity.objects.filter(visibility_q(request.user, prefix="item__")), pk=pk
    )
    return redirect(activity.url or activity.item.url)
