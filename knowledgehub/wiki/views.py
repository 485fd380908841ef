"""Wiki views: thin; reads go through the visibility door, writes through services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from knowledgehub.communities.access import (
    CommunityAccess,
    community_for,
    default_audience,
    require_member,
)
from knowledgehub.knowledge.visibility import can_view
from knowledgehub.lib.diff import line_diff
from knowledgehub.people.models import User

from .forms import PageEditForm, PageForm
from .models import Page, Revision
from .rendering import render_page_body
from .services import EditConflict, page_create, page_delete, page_revert, page_update

_TITLE_TAKEN = gettext_lazy("There is already a page with this title in this wiki: choose another")


@dataclass
class TreeNode:
    page: Page
    children: list[TreeNode] = field(default_factory=list)


def _visible_page_ids(request: HttpRequest, access: CommunityAccess) -> list[int]:
    return list(
        Page.visible_to(request.user)
        .filter(community=access.community)
        .values_list("pk", flat=True)
    )


def _page_or_404(request: HttpRequest, access: CommunityAccess, page_slug: str) -> Page:
    page = get_object_or_404(
        Page.objects.select_related("author", "last_editor", "parent", "community"),
        community=access.community,
        slug=page_slug,
    )
    item = page.knowledge_item
    if item is None or not can_view(request.user, item):
        raise Http404
    return page


def _member(request: HttpRequest, access: CommunityAccess) -> User:
    require_member(access)
    user = request.user
    assert isinstance(user, User)
    return user


@require_safe
def page_index(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for(request, slug)
    pages = list(Page.objects.filter(pk__in=_visible_page_ids(request, access)).order_by("title"))
    for p in pages:
        p.community = access.community  # one community: saves a query per page for its url
    nodes = {p.pk: TreeNode(p) for p in pages}
    roots: list[TreeNode] = []
    for p in pages:
        # A page whose parent the viewer cannot see is shown at the top level.
        if p.parent_id in nodes:
            nodes[p.parent_id].children.append(nodes[p.pk])
        else:
            roots.append(nodes[p.pk])
    return render(
        request,
        "wiki/index.html",
        {"community": access.community, "access": access, "roots": roots, "count": len(pages)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def page_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for(request, slug)
    user = _member(request, access)
    visible = _visible_page_ids(request, access)
    initial: dict[str, Any] = {"audience": default_audience(access.community)}
    if title := request.GET.get("title", "").strip():
        initial["title"] = title[:200]
    if (parent := request.GET.get("parent", "")).isdigit() and int(parent) in visible:
        initial["parent"] = int(parent)
    form = PageForm(
        request.POST or None, community=access.community, parent_choices=visible, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            page = page_create(community=access.community, author=user, **form.cleaned_data)
        except IntegrityError:  # someone took the title a moment ago
            form.add_error("title", _TITLE_TAKEN)
        else:
            messages.success(request, _("The page has been created."))
            return redirect(page)
    return render(request, "wiki/form.html", {"community": access.community, "form": form})


@require_safe
def page_detail(request: HttpRequest, slug: str, page_slug: str) -> HttpResponse:
    access = community_for(request, slug)
    page = _page_or_404(request, access, page_slug)
    visible = set(_visible_page_ids(request, access))
    children = (
        Page.objects.filter(parent=page, pk__in=visible)
        .select_related("community")
        .order_by("title")
    )
    ancestors: list[Page] = []
    seen = {page.pk}
    node = page.parent
    while node is not None and node.pk not in seen and node.pk in visible:
        ancestors.insert(0, node)
        seen.add(node.pk)
        node = node.parent
    return render(
        request,
        "wiki/detail.html",
        {
            "community": access.community,
            "access": access,
            "page": page,
            "body_html": render_page_body(page.body, access.community, request.user),
            "children": children,
            "ancestors": ancestors,
            "can_delete": _can_delete(request, access, page),
            "tags": page.tags.all(),
        },
    )


def _can_delete(request: HttpRequest, access: CommunityAccess, page: Page) -> bool:
    return access.is_member and (page.author_id == request.user.pk or access.can_manage)


@login_required
@require_http_methods(["GET", "POST"])
def page_edit(request: HttpRequest, slug: str, page_slug: str) -> HttpResponse:
    access = community_for(request, slug)
    page = _page_or_404(request, access, page_slug)
    user = _member(request, access)
    visible = _visible_page_ids(request, access)
    initial = {
        "title": page.title,
        "body": page.body,
        "parent": page.parent_id,
        "audience": page.audience,
        "tags": ", ".join(t.name for t in page.tags.all()),
        "base_revision": page.revision_number,
    }
    form = PageEditForm(
        request.POST or None,
        community=access.community,
        parent_choices=visible,
        page=page,
        initial=initial,
    )
    conflict: list[Any] = []
    latest: Revision | None = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        base = data.pop("base_revision")
        try:
            page = page_update(page=page, editor=user, base_revision=base, **data)
        except IntegrityError:  # someone took the title a moment ago
            form.add_error("title", _TITLE_TAKEN)
        except EditConflict as exc:
            latest = exc.page.revisions.select_related("author").first()
            started = exc.page.revisions.filter(number=base).first()
            conflict = line_diff(started.body if started else "", exc.page.body)
            form.add_error(
                None,
                _(
                    "Someone else saved this page while you were editing it, so your changes "
                    "have not been saved. Their changes are shown below. Your text is still in "
                    "the form: compare it, merge anything you need, then save again."
                ),
            )
            # The next save is based on the revision just shown, so it can go through.
            refreshed = request.POST.copy()
            refreshed["base_revision"] = str(exc.page.revision_number)
            form.data = refreshed
        else:
            messages.success(request, _("Your changes have been saved."))
            return redirect(page)
    return render(
        request,
        "wiki/form.html",
        {
            "community": access.community,
            "form": form,
            "page": page,
            "conflict": conflict,
            "conflict_revision": latest,
        },
    )


@require_safe
def page_history(request: HttpRequest, slug: str, page_slug: str) -> HttpResponse:
    access = community_for(request, slug)
    page = _page_or_404(request, access, page_slug)
    revisions = page.revisions.select_related("author")
    return render(
        request,
        "wiki/history.html",
        {"community": access.community, "access": access, "page": page, "revisions": revisions},
    )


def _int_param(request: HttpRequest, name: str, default: int) -> int:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else default


@require_safe
def page_diff(request: HttpRequest, slug: str, page_slug: str) -> HttpResponse:
    access = community_for(request, slug)
    page = _page_or_404(request, access, page_slug)
    to_number = _int_param(request, "to", page.revision_number)
    from_number = _int_param(request, "from", max(to_number - 1, 1))
    old = page.revisions.select_related("author").filter(number=from_number).first()
    new = page.revisions.select_related("author").filter(number=to_number).first()
    if old is None or new is None:
        raise Http404
    return render(
        request,
        "wiki/diff.html",
        {
            "community": access.community,
            "page": page,
            "old": old,
            "new": new,
            "rows": line_diff(old.body, new.body),
        },
    )


@login_required
@require_POST
def page_revert_view(request: HttpRequest, slug: str, page_slug: str, number: int) -> HttpResponse:
    access = community_for(request, slug)
    page = _page_or_404(request, access, page_slug)
    user = _member(request, access)
    if not page.revisions.filter(number=number).exists():
        raise Http404
    page = page_revert(page=page, editor=user, number=number)
    messages.success(request, _("The page now says what revision %(n)s said.") % {"n": number})
    return redirect(page)


@login_required
@require_POST
def page_delete_view(request: HttpRequest, slug: str, page_slug: str) -> HttpResponse:
    access = community_for(request, slug)
    page = _page_or_404(request, access, page_slug)
    if not _can_delete(request, access, page):
        raise PermissionDenied(_("Only the page's author or a facilitator can delete it."))
    title = page.title
    page_delete(page=page)
    messages.success(request, _("“%(title)s” has been deleted.") % {"title": title})
    return redirect("wiki:index", slug=access.community.slug)
