"""``{% follow_button target %}`` (a follow/unfollow form that htmx swaps in place) and
``{% home_stream %}`` (the first page of the signed-in person's stream, for the home page)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models
from django.http import HttpRequest
from django.urls import reverse

register = template.Library()


def target_url(target: models.Model) -> str:
    from knowledgehub.knowledge.models import Tag

    if isinstance(target, Tag):
        return reverse("tag", kwargs={"tag": target.slug})
    return str(target.get_absolute_url())  # type: ignore[attr-defined]


def target_label(target: models.Model) -> str:
    for attr in ("display_name", "display_title", "name"):
        value = getattr(target, attr, None)
        if value:
            return str(value)
    return str(target)


def button_context(request: HttpRequest, target: models.Model) -> dict[str, Any]:
    from ..choices import TargetKind
    from ..services import is_following, kind_of

    kind = kind_of(target)
    user = request.user
    return {
        "request": request,
        "target": target,
        "kind": kind,
        "is_person": kind == TargetKind.PERSON,
        "label": target_label(target),
        "following": is_following(user, target),
        "signed_in": user.is_authenticated,
        "is_self": kind == TargetKind.PERSON and user.is_authenticated and target.pk == user.pk,
        "next": request.get_full_path(),
        "follow_url": reverse("follows:follow", kwargs={"kind": kind, "pk": target.pk}),
        "unfollow_url": reverse("follows:unfollow", kwargs={"kind": kind, "pk": target.pk}),
        "dom_id": f"follow-{kind}-{target.pk}",
    }


@register.inclusion_tag("follows/_button.html", takes_context=True)
def follow_button(context: template.Context, target: models.Model) -> dict[str, Any]:
    request = context["request"]
    data = button_context(request, target)
    data["csrf_token"] = context.get("csrf_token")
    return data


@register.inclusion_tag("follows/_home_stream.html", takes_context=True)
def home_stream(context: template.Context) -> dict[str, Any]:
    from ..stream import stream

    request = context["request"]
    order = request.GET.get("order", "newest")
    page = stream(request.user, order=order if order in ("newest", "relevant") else "newest")
    return {"request": request, "page": page, "order": page.order}


@register.filter
def url_of(target: models.Model) -> str:
    return target_url(target)


@register.filter
def label_of(target: models.Model) -> str:
    return target_label(target)
