from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from knowledgehub.knowledge.visibility import can_view
from knowledgehub.people.models import User

from .choices import Kind, Status
from .forms import MetForm, OfferAskForm, ResponseForm
from .models import OfferAsk
from .services import (
    can_delete_offer_ask,
    offer_ask_close,
    offer_ask_create,
    offer_ask_delete,
    offer_ask_edit,
    offer_ask_mark_met,
    offer_ask_reopen,
    response_add,
    visible_offer_asks,
)


def _visible_with_item(request: HttpRequest, pk: int) -> tuple[OfferAsk, Any]:
    obj = get_object_or_404(
        OfferAsk.objects.select_related("author", "community", "thanked_helper"), pk=pk
    )
    item = obj.knowledge_item
    if item is None or not can_view(request.user, item):
        raise Http404
    return obj, item


def _visible_or_404(request: HttpRequest, pk: int) -> OfferAsk:
    return _visible_with_item(request, pk)[0]


def _responders(obj: OfferAsk) -> Any:
    return User.objects.filter(offer_responses__offer_ask=obj).distinct().order_by("name")


@require_safe
def offer_list(request: HttpRequest) -> HttpResponse:
    qs = visible_offer_asks(request.user).select_related("author", "community")
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    else:
        kind = ""
    if status in Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "offers/list.html",
        {
            "page": page,
            "kind": kind,
            "status": status,
            "kinds": Kind.choices,
            "statuses": Status.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_create_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    initial: dict[str, Any] = {}
    if request.GET.get("kind") in Kind.values:
        initial["kind"] = request.GET["kind"]
    form = OfferAskForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            obj = offer_ask_create(author=user, **form.cleaned_data)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(
                request,
                _("Your offer has been posted.")
                if obj.kind == Kind.OFFER
                else _("Your ask has been posted."),
            )
            return redirect(obj)
    return render(request, "offers/create.html", {"form": form})


def _detail(
    request: HttpRequest,
    obj: OfferAsk,
    *,
    response_form: ResponseForm | None = None,
    met_form: MetForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    is_author = user.is_authenticated and obj.author_id == user.pk
    item = obj.knowledge_item
    responders = _responders(obj)
    can_respond = user.is_authenticated and not is_author and obj.status == Status.OPEN
    return render(
        request,
        "offers/detail.html",
        {
            "obj": obj,
            "item": item,
            "responses": obj.responses.select_related("author"),
            "is_author": is_author,
            "can_delete": can_delete_offer_ask(user, obj),
            "is_open": obj.status == Status.OPEN,
            "is_closed": obj.status == Status.CLOSED,
            "can_respond": can_respond,
            "response_form": response_form or (ResponseForm() if can_respond else None),
            "met_form": met_form
            or (
                MetForm(responders=responders)
                if is_author and obj.status == Status.OPEN and responders.exists()
                else None
            ),
        },
        status=status,
    )


@require_safe
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _visible_or_404(request, pk))


@login_required
@require_POST
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _visible_or_404(request, pk)
    user = request.user
    assert isinstance(user, User)
    form = ResponseForm(request.POST)
    if form.is_valid():
        try:
            response_add(offer_ask=obj, author=user, body=form.cleaned_data["body"])
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Your response has been sent."))
            return redirect(obj)
    return _detail(request, obj, response_form=form, status=400)


@login_required
@require_POST
def mark_met(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _visible_or_404(request, pk)
    user = request.user
    assert isinstance(user, User)
    if obj.author_id != user.pk:
        raise Http404
    form = MetForm(request.POST, responders=_responders(obj))
    if form.is_valid():
        try:
            offer_ask_mark_met(
                offer_ask=obj,
                asker=user,
                helper=form.cleaned_data["helper"],
                thanks=form.cleaned_data["thanks"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Marked as met. Thank you for saying thanks."))
            return redirect(obj)
    return _detail(request, obj, met_form=form, status=400)


def _author_changes_status(
    request: HttpRequest, pk: int, change: Callable[..., object], done: str
) -> HttpResponse:
    """Close or reopen: the author's own offer or ask only (a 404 for anyone else)."""
    obj = _visible_or_404(request, pk)
    user = request.user
    assert isinstance(user, User)
    if obj.author_id != user.pk:
        raise Http404
    try:
        change(offer_ask=obj, user=user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, done)
    return redirect(obj)


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    return _author_changes_status(request, pk, offer_ask_close, _("Closed."))


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _author_changes_status(request, pk, offer_ask_reopen, _("Reopened."))


@login_required
@require_http_methods(["GET", "POST"])
def offer_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _visible_or_404(request, pk)
    user = request.user
    assert isinstance(user, User)
    if obj.author_id != user.pk:
        raise PermissionDenied(_("Only the person who posted this can edit it."))
    initial = {
        "kind": obj.kind,
        "title": obj.title,
        "body": obj.body,
        "community": obj.community_id,
        "audience": obj.audience,
        "tags": ", ".join(t.name for t in obj.tags.all()),
    }
    form = OfferAskForm(request.POST or None, user=user, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                offer_ask_edit(offer_ask=obj, editor=user, **form.cleaned_data)
            except ValidationError as e:
                form.add_error(None, e)
            else:
                messages.success(request, _("Your changes have been saved."))
                return redirect(obj)
        status = 400
    return render(request, "offers/edit.html", {"form": form, "obj": obj}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def offer_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _visible_or_404(request, pk)
    user = request.user
    if not can_delete_offer_ask(user, obj):
        raise PermissionDenied(_("Only the person who posted this or a facilitator can delete it."))
    if request.method == "POST":
        title = obj.title
        offer_ask_delete(offer_ask=obj)
        messages.success(request, _("“%(title)s” has been deleted.") % {"title": title})
        return redirect("offers:list")
    return render(
        request,
        "offers/delete.html",
        {"obj": obj, "response_count": obj.responses.count()},
    )
