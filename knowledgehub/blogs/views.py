from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from knowledgehub.communities.access import (
    CommunityAccess,
    community_for,
    default_audience,
    require_member,
)
from knowledgehub.communities.models import Community
from knowledgehub.knowledge.visibility import can_view
from knowledgehub.lib.pagination import paginate
from knowledgehub.people.models import User

from .choices import Status
from .forms import AttachmentForm, PostForm, site_zone
from .models import Attachment, Post, render_body
from .services import attachment_add, attachment_remove, post_create, post_delete, post_update

PER_PAGE = 20


# --- reaching a post: its owner in the URL, then the one visibility rule ---------------------


def _posts() -> QuerySet[Post]:
    return Post.objects.select_related("author", "community")


def _post_for(
    request: HttpRequest, pk: int, slug: str | None = None, username: str | None = None
) -> tuple[Post, Any, CommunityAccess | None]:
    """The post at this address, if the viewer may see it (else a 404). A live post follows
    the visibility rule through its Item; a draft or scheduled post is its author's alone."""
    access: CommunityAccess | None = None
    if slug is not None:
        access = community_for(request, slug)  # a secret community is a 404 to outsiders
        post = get_object_or_404(_posts(), pk=pk, community=access.community)
    else:
        post = get_object_or_404(_posts(), pk=pk, community__isnull=True, author__username=username)
    item = _check_visible(request, post)
    return post, item, access


def _check_visible(request: HttpRequest, post: Post) -> Any:
    item = post.knowledge_item if post.is_live else None
    if post.is_live:
        if item is None or not can_view(request.user, item):
            raise Http404
    elif not (request.user.is_authenticated and request.user.pk == post.author_id):
        raise Http404
    return item


def _can_edit(request: HttpRequest, post: Post, access: CommunityAccess | None) -> bool:
    """The author only (facilitators moderate by hiding, not by rewriting), and in a community
    only while still a member."""
    if not request.user.is_authenticated or request.user.pk != post.author_id:
        return False
    return access is None or access.is_member


def _can_delete(request: HttpRequest, post: Post, access: CommunityAccess | None) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    if user.pk == post.author_id or getattr(user, "is_superuser", False):
        return True
    return access is not None and access.can_manage


# --- lists ----------------------------------------------------------------------------------


def _listed(queryset: QuerySet[Post]) -> QuerySet[Post]:
    return queryset.select_related("author", "community").order_by("-published_at", "-pk")


@require_safe
def community_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for(request, slug)
    posts = _listed(Post.visible_to(request.user).filter(community=access.community))
    return render(
        request,
        "blogs/community_list.html",
        {
            "access": access,
            "community": access.community,
            "paged": paginate(request, posts, PER_PAGE),
        },
    )


@require_safe
def person_list(request: HttpRequest, username: str) -> HttpResponse:
    person = User.objects.visible_to(request.user).filter(username=username).first()
    if person is None:
        raise Http404
    posts = _listed(Post.visible_to(request.user).filter(author=person))
    is_me = request.user.is_authenticated and request.user.pk == person.pk
    drafts = (
        _listed(Post.objects.filter(author=person).exclude(status=Status.PUBLISHED))
        if is_me
        else Post.objects.none()
    )
    return render(
        request,
        "blogs/person_list.html",
        {
            "person": person,
            "is_me": is_me,
            "drafts": drafts,
            "paged": paginate(request, posts, PER_PAGE),
        },
    )


# --- one post -------------------------------------------------------------------------------


@require_safe
def post_detail(
    request: HttpRequest, pk: int, slug: str | None = None, username: str | None = None
) -> HttpResponse:
    post, item, access = _post_for(request, pk, slug, username)
    return render(
        request,
        "blogs/detail.html",
        {
            "post": post,
            "item": item,
            "community": post.community,
            "attachments": list(post.attachments.all()),
            "tags": list(post.tags.all()),
            "can_edit": _can_edit(request, post, access),
            "can_delete": _can_delete(request, post, access),
        },
    )


@require_safe
def legacy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Old /blogs/<id>/ addresses move permanently to the post's stable address (only for
    someone who may see the post: a 404 otherwise, so the redirect reveals nothing)."""
    post = get_object_or_404(_posts(), pk=pk)
    if post.community is not None:
        community_for(request, post.community.slug)  # a secret community: 404 to outsiders
    _check_visible(request, post)
    return HttpResponsePermanentRedirect(post.get_absolute_url())


# --- writing --------------------------------------------------------------------------------


def _preview(request: HttpRequest) -> str | None:
    if request.method == "POST" and "preview" in request.POST:
        return render_body(request.POST.get("body", "")[:100_000])
    return None


def _form_page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "blogs/form.html", context, status=status)


def _save_message(post: Post) -> str:
    if post.status == Status.DRAFT:
        return _("Your draft has been saved. Only you can see it.")
    if post.status == Status.SCHEDULED:
        local = post.published_at.astimezone(site_zone())
        return _("Your post will be published on %(when)s (UK time).") % {
            "when": local.strftime("%-d %B %Y at %H:%M")
        }
    return _("Your post has been published.")


def _create(
    request: HttpRequest, *, community: Community | None, initial: dict[str, Any]
) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = PostForm(
        request.POST or None,
        request.FILES or None,
        user=user,
        fixed_community=community,
        initial=initial,
    )
    preview_html = _preview(request)
    if request.method == "POST" and preview_html is None and form.is_valid():
        data = form.cleaned_data
        try:
            post = post_create(
                author=user,
                title=data["title"],
                body=data["body"],
                audience=data["audience"],
                community=community or data.get("community"),
                tags=data["tags"],
                status=data["status"],
                publish_at=data["publish_at"],
                cover=data["cover"],
                cover_alt=data["cover_alt"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _save_message(post))
            return redirect(post)
    return _form_page(request, {"form": form, "community": community, "preview_html": preview_html})


@login_required
@require_http_methods(["GET", "POST"])
def post_create_view(request: HttpRequest) -> HttpResponse:
    """Write a post on your own blog or in one of your communities (``?community=`` slug or id
    preselects it)."""
    user = request.user
    assert isinstance(user, User)
    initial: dict[str, Any] = {}
    wanted = request.GET.get("community", "").strip()
    if wanted:
        mine = Community.objects.visible_to(user).filter(memberships__user=user)
        chosen = (
            mine.filter(pk=int(wanted)).first()
            if wanted.isdigit()
            else mine.filter(slug=wanted).first()
        )
        if chosen is not None:
            initial["community"] = chosen.pk
            initial["audience"] = default_audience(chosen)
    return _create(request, community=None, initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def community_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for(request, slug)
    require_member(access)
    return _create(
        request,
        community=access.community,
        initial={"audience": default_audience(access.community)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_edit_view(
    request: HttpRequest, pk: int, slug: str | None = None, username: str | None = None
) -> HttpResponse:
    post, _item, access = _post_for(request, pk, slug, username)
    if not _can_edit(request, post, access):
        raise PermissionDenied(_("Only the author can change this post."))
    user = request.user
    assert isinstance(user, User)
    initial: dict[str, Any] = {
        "title": post.title,
        "body": post.body,
        "audience": post.audience,
        "tags": ", ".join(t.name for t in post.tags.all()),
        "cover_alt": post.cover_alt,
        "status": post.status,
    }
    if post.status == Status.SCHEDULED:
        initial["publish_at"] = post.published_at.astimezone(site_zone()).replace(tzinfo=None)
    form = PostForm(
        request.POST or None, request.FILES or None, user=user, post=post, initial=initial
    )
    preview_html = _preview(request)
    if request.method == "POST" and preview_html is None and form.is_valid():
        data = form.cleaned_data
        try:
            post_update(
                post=post,
                editor=user,
                title=data["title"],
                body=data["body"],
                audience=data["audience"],
                tags=data["tags"],
                status=data.get("status"),
                publish_at=data.get("publish_at"),
                cover=data["cover"],
                cover_alt=data["cover_alt"],
                remove_cover=bool(data.get("remove_cover")),
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _save_message(post))
            return redirect(post)
    return _form_page(
        request,
        {
            "form": form,
            "post": post,
            "community": post.community,
            "preview_html": preview_html,
            "attachments": list(post.attachments.all()),
            "attachment_form": AttachmentForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_delete_view(
    request: HttpRequest, pk: int, slug: str | None = None, username: str | None = None
) -> HttpResponse:
    post, _item, access = _post_for(request, pk, slug, username)
    if not _can_delete(request, post, access):
        raise PermissionDenied(_("Only the author or a facilitator can delete this post."))
    if request.method == "POST":
        blog_url = post.get_blog_url()
        title = post.title
        post_delete(post=post)
        messages.success(request, _("“%(title)s” has been deleted.") % {"title": title})
        return redirect(blog_url)
    return render(
        request,
        "blogs/delete.html",
        {"post": post, "attachment_count": post.attachments.count()},
    )


# --- files ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def attachment_add_view(
    request: HttpRequest, pk: int, slug: str | None = None, username: str | None = None
) -> HttpResponse:
    """Attach one file (one per request); the edit page carries this form."""
    post, _item, access = _post_for(request, pk, slug, username)
    if not _can_edit(request, post, access):
        raise PermissionDenied(_("Only the author can add files to this post."))
    user = request.user
    assert isinstance(user, User)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            attachment = attachment_add(
                post=post, upload=form.cleaned_data["file"], uploaded_by=user
            )
        except ValidationError as e:
            form.add_error("file", e)
        else:
            messages.success(
                request, _("“%(name)s” has been added.") % {"name": attachment.display_name}
            )
            return redirect(post.get_edit_url())
    return render(request, "blogs/attachment_form.html", {"form": form, "post": post})


@login_required
@require_POST
def attachment_remove_view(
    request: HttpRequest,
    pk: int,
    attachment_id: int,
    slug: str | None = None,
    username: str | None = None,
) -> HttpResponse:
    post, _item, access = _post_for(request, pk, slug, username)
    if not _can_edit(request, post, access):
        raise PermissionDenied(_("Only the author can remove files from this post."))
    attachment = get_object_or_404(Attachment, pk=attachment_id, post=post)
    name = attachment.display_name
    attachment_remove(attachment=attachment)
    messages.success(request, _("“%(name)s” has been removed.") % {"name": name})
    return redirect(post.get_edit_url())


def _file_response(
    field_file: Any, *, content_type: str, filename: str, inline: bool
) -> FileResponse:
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=not inline, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    if not inline:
        response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def attachment_download_view(
    request: HttpRequest,
    pk: int,
    attachment_id: int,
    slug: str | None = None,
    username: str | None = None,
) -> FileResponse:
    """Always a download (Content-Disposition: attachment), never shown inline."""
    post, _item, _access = _post_for(request, pk, slug, username)
    attachment = get_object_or_404(Attachment, pk=attachment_id, post=post)
    return _file_response(
        attachment.file,
        content_type=attachment.content_type,
        filename=attachment.display_name,
        inline=False,
    )


@require_safe
def cover_view(
    request: HttpRequest, pk: int, slug: str | None = None, username: str | None = None
) -> FileResponse:
    """The re-encoded cover (always a JPEG we wrote), behind the post's visibility."""
    post, _item, _access = _post_for(request, pk, slug, username)
    if not post.cover:
        raise Http404
    return _file_response(post.cover, content_type="image/jpeg", filename="cover.jpg", inline=True)
