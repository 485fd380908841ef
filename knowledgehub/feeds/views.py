from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from knowledgehub.communities.models import Community
from knowledgehub.people.models import User

from .models import FeedToken
from .outgoing import atom_feed, json_feed, rss_feed

FORMATS: dict[str, Callable[..., HttpResponse]] = {
    "atom": atom_feed,
    "rss": rss_feed,
    "json": json_feed,
}


def _render(request: HttpRequest, fmt: str, scope: str, key: str = "") -> HttpResponse:
    view = FORMATS.get(fmt)
    if view is None:
        raise Http404
    return view(request, scope=scope, key=key)


@require_safe
def public_feed(request: HttpRequest, fmt: str, scope: str = "site", key: str = "") -> HttpResponse:
    """Public feeds are always what an anonymous visitor may see, whoever asks."""
    return _render(request, fmt, scope, key)


@require_safe
def community_feed(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    return _render(request, fmt, "community", slug)


@require_safe
def person_feed(request: HttpRequest, username: str, fmt: str) -> HttpResponse:
    return _render(request, fmt, "person", username)


@require_safe
def tag_feed(request: HttpRequest, tag: str, fmt: str) -> HttpResponse:
    return _render(request, fmt, "tag", tag)


@require_safe
def private_feed(request: HttpRequest, token: str, fmt: str, slug: str = "") -> HttpResponse:
    """A member's private feed: read with their own visibility (so a left community's items
    vanish at once, and a secret community they left is a 404)."""
    feed_token = FeedToken.objects.select_related("user").filter(token=token).first()
    if feed_token is None or not feed_token.user.is_active:
        raise Http404
    request.feed_user = feed_token.user  # type: ignore[attr-defined]
    return _render(request, fmt, "community" if slug else "site", slug)


@login_required
@require_http_methods(["GET", "POST"])
def my_feeds(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    feed_token, _created = FeedToken.objects.get_or_create(user=user)
    if request.method == "POST":
        feed_token.reset()
        messages.success(
            request, _("Your private feed addresses have changed: update your reader.")
        )
        return redirect("feeds:mine")
    communities = Community.objects.visible_to(user).filter(memberships__user=user).order_by("name")
    return render(
        request, "feeds/mine.html", {"token": feed_token.token, "communities": communities}
    )
