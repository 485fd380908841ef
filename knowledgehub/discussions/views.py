from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from knowledgehub.knowledge.models import Item
from knowledgehub.lib.pagination import paginate
from knowledgehub.people.models import User

from . import services
from .choices import ReactionKind, ReportStatus
from .models import Comment
from .templatetags.discussion import discussion_context


def _item(request: HttpRequest, item_id: int) -> Item:
    """The item if the viewer may see it: the one visibility rule, else a 404."""
    return get_object_or_404(
        Item.objects.visible_to(request.user).select_related("community"), pk=item_id
    )


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _back(request: HttpRequest, item: Item) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "discussions/_discussion.html", discussion_context(request, item))
    return redirect(item.url + "#discussion")


@login_required
@require_POST
def comment(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    parent = None
    if request.POST.get("parent"):
        try:
            parent = Comment.objects.filter(pk=int(request.POST["parent"]), item=item).first()
        except ValueError:
            parent = None
        if parent is None:
            raise Http404
    try:
        services.comment_add(
            item=item, author=_user(request), body=request.POST.get("body", ""), parent=parent
        )
        messages.success(request, _("Your comment has been added."))
    except services.DiscussionError as exc:
        messages.error(request, str(exc))
    return _back(request, item)


@login_required
@require_POST
def react(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    kind = request.POST.get("kind", "")
    if kind not in ReactionKind.values:
        messages.error(request, _("Choose a reaction"))
    else:
        services.reaction_toggle(item=item, user=_user(request), kind=kind)
    return _back(request, item)


@login_required
@require_POST
def moderate(request: HttpRequest, comment_id: int, action: str) -> HttpResponse:
    found = get_object_or_404(Comment.objects.select_related("item"), pk=comment_id)
    item = _item(request, found.item_id)
    if action not in ("hide", "restore"):
        raise Http404
    try:
        services.comment_set_hidden(actor=_user(request), comment=found, hidden=action == "hide")
        messages.success(
            request, _("The comment is hidden.") if action == "hide" else _("Comment restored.")
        )
    except services.DiscussionError as exc:
        messages.error(request, str(exc))
    return _back(request, item)


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    target = None
    if request.GET.get("comment") or request.POST.get("comment"):
        try:
            comment_id = int(request.GET.get("comment") or request.POST.get("comment") or "")
        except ValueError:
            raise Http404 from None
        target = get_object_or_404(Comment, pk=comment_id, item=item, is_hidden=False)
    error = ""
    if request.method == "POST":
        try:
            services.report_create(
                item=item,
                reporter=_user(request),
                reason=request.POST.get("reason", ""),
                comment=target,
            )
        except services.DiscussionError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Thank you. The facilitators have been told."))
            return redirect(item.url)
    return render(
        request,
        "discussions/report.html",
        {"item": item, "target": target, "error": error, "reason": request.POST.get("reason", "")},
        status=400 if error else 200,
    )


@login_required
@require_POST
def item_moderate(request: HttpRequest, item_id: int, action: str) -> HttpResponse:
    item = _item(request, item_id)
    if action not in ("hide", "restore"):
        raise Http404
    try:
        services.item_set_hidden(actor=_user(request), item=item, hidden=action == "hide")
        messages.success(
            request,
            _("The item is hidden. Only its author and the facilitators can see it.")
            if action == "hide"
            else _("The item is restored."),
        )
    except services.DiscussionError as exc:
        messages.error(request, str(exc))
    return redirect(item.url)


@login_required
@require_safe
def moderation_queue(request: HttpRequest) -> HttpResponse:
    """Reports the person may act on: facilitators see their communities', site admins all."""
    status = request.GET.get("status", ReportStatus.OPEN)
    if status not in ReportStatus.values:
        status = ReportStatus.OPEN
    reports = services.reports_for(_user(request)).filter(status=status)
    page = paginate(request, reports, per_page=25)
    return render(
        request,
        "discussions/moderation.html",
        {"page": page, "status": status, "statuses": ReportStatus.choices},
    )


@login_required
@require_POST
def report_resolve(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(services.reports_for(_user(request)), pk=report_id)
    try:
        services.report_resolve(
            actor=_user(request), report=report, outcome=request.POST.get("outcome", "")
        )
        messages.success(request, _("The report is resolved."))
    except services.DiscussionError as exc:
        messages.error(request, str(exc))
    return redirect("discussions:moderation")
