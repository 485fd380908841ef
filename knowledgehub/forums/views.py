from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, DateTimeField, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from knowledgehub.communities.access import (
    CommunityAccess,
    community_for,
    default_audience,
    require_member,
)
from knowledgehub.knowledge.visibility import can_view
from knowledgehub.lib.pagination import paginate
from knowledgehub.people.models import User

from . import services
from .choices import LOCKED_MESSAGE, REPLIES_PER_PAGE, THREADS_PER_PAGE
from .forms import CategoryForm, MoveForm, ReplyForm, ThreadForm
from .models import Category, Reply, Thread, ThreadRead


def _visible_threads(request: HttpRequest, access: CommunityAccess) -> QuerySet[Thread]:
    """The community's threads whose index entry the viewer may see (the one visibility rule)."""
    return Thread.visible_to(request.user).filter(community=access.community)


def _thread_for(request: HttpRequest, access: CommunityAccess, thread_id: int) -> Thread:
    thread = get_object_or_404(
        Thread.objects.select_related("category", "community", "author"),
        pk=thread_id,
        community=access.community,
    )
    item = thread.knowledge_item
    if item is None or not can_view(request.user, item):
        raise Http404
    return thread


def _require_manager(access: CommunityAccess) -> None:
    if not access.can_manage:
        raise PermissionDenied(_("Only facilitators can do that."))


@require_safe
def category_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for(request, slug)
    visible = _visible_threads(request, access).values("pk")
    categories = Category.objects.filter(community=access.community).annotate(
        thread_count=Count("threads", filter=Q(threads__pk__in=visible))
    )
    return render(
        request,
        "forums/category_list.html",
        {"access": access, "community": access.community, "categories": categories},
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for(request, slug)
    _require_manager(access)
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        category = services.category_create(community=access.community, **form.cleaned_data)
        messages.success(request, _("Category created."))
        return redirect(category)
    return render(
        request,
        "forums/category_form.html",
        {"access": access, "community": access.community, "form": form},
    )


@require_safe
def category_detail(request: HttpRequest, slug: str, category_slug: str) -> HttpResponse:
    access = community_for(request, slug)
    category = get_object_or_404(Category, community=access.community, slug=category_slug)
    threads = (
        _visible_threads(request, access)
        .filter(category=category)
        .select_related("author")
        .order_by("-is_pinned", "-last_activity_at", "-pk")
    )
    user = request.user
    if user.is_authenticated:
        threads = threads.annotate(
            last_read_at=Subquery(
                ThreadRead.objects.filter(thread=OuterRef("pk"), user_id=user.pk).values(
                    "last_read_at"
                )[:1],
                output_field=DateTimeField(),
            )
        )
    paged = paginate(request, threads, THREADS_PER_PAGE)
    rows: list[dict[str, Any]] = []
    for thread in paged.object_list:
        last_read = getattr(thread, "last_read_at", None)
        is_new = user.is_authenticated and (
            last_read is None or thread.last_activity_at > last_read
        )
        rows.append({"thread": thread, "is_new": is_new})
    return render(
        request,
        "forums/category_detail.html",
        {
            "access": access,
            "community": access.community,
            "category": category,
            "rows": rows,
            "paged": paged,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def thread_create_view(request: HttpRequest, slug: str, category_slug: str) -> HttpResponse:
    access = community_for(request, slug)
    require_member(access)
    category = get_object_or_404(Category, community=access.community, slug=category_slug)
    user = request.user
    assert isinstance(user, User)
    form = ThreadForm(
        request.POST or None, initial={"audience": default_audience(access.community)}
    )
    if request.method == "POST" and form.is_valid():
        thread = services.thread_create(category=category, author=user, **form.cleaned_data)
        messages.success(request, _("Your thread has been started."))
        return redirect(thread)
    return render(
        request,
        "forums/thread_form.html",
        {"access": access, "community": access.community, "category": category, "form": form},
    )


def _can_answer(request: HttpRequest, access: CommunityAccess, thread: Thread) -> bool:
    return access.can_manage or (
        request.user.is_authenticated and request.user.pk == thread.author_id
    )


@require_safe
def thread_detail(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    access = community_for(request, slug)
    thread = _thread_for(request, access, thread_id)
    user = request.user
    replies = thread.replies.select_related("author", "quoted__author").order_by("created_at", "pk")
    read: ThreadRead | None = None
    if isinstance(user, User) and user.is_authenticated:
        read = ThreadRead.objects.filter(user=user, thread=thread).first()
    # Where the first unread reply is (only for someone who has read the thread before).
    first_unread_id: int | None = None
    first_unread_url = ""
    if read is not None and thread.last_activity_at > read.last_read_at:
        first_unread = replies.filter(created_at__gt=read.last_read_at).values("pk").first()
        if first_unread is not None:
            first_unread_id = first_unread["pk"]
            before = replies.filter(created_at__lte=read.last_read_at).count()
            page = before // REPLIES_PER_PAGE + 1
            first_unread_url = f"?page={page}#unread"
    paged = paginate(request, replies, REPLIES_PER_PAGE)
    answer = (
        Reply.objects.select_related("author").filter(pk=thread.answer_id).first()
        if thread.answer_id
        else None
    )
    opening_id = replies.values_list("pk", flat=True).first()
    form = None
    if access.is_member and not thread.is_locked:
        form = ReplyForm()
    move_form = MoveForm(community_id=access.community.pk) if access.can_manage else None
    if isinstance(user, User):  # any signed-in reader gets unread markers
        services.thread_mark_read(thread=thread, user=user)
    return render(
        request,
        "forums/thread_detail.html",
        {
            "access": access,
            "community": access.community,
            "thread": thread,
            "paged": paged,
            "answer": answer,
            "opening_id": opening_id,
            "first_unread_id": first_unread_id,
            "first_unread_url": first_unread_url,
            "form": form,
            "move_form": move_form,
            "can_answer": _can_answer(request, access, thread),
        },
    )


def _reply_page(
    request: HttpRequest,
    access: CommunityAccess,
    thread: Thread,
    form: ReplyForm,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "forums/reply_form.html",
        {"access": access, "community": access.community, "thread": thread, "form": form},
        status=status,
    )


@login_required
@require_POST
def reply_create_view(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    access = community_for(request, slug)
    thread = _thread_for(request, access, thread_id)
    require_member(access)
    user = request.user
    assert isinstance(user, User)
    if thread.is_locked:
        messages.error(request, str(LOCKED_MESSAGE))
        return redirect(thread)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _reply_page(request, access, thread, form)
    quoted = None
    if form.cleaned_data.get("quoted"):
        quoted = Reply.objects.filter(pk=form.cleaned_data["quoted"], thread=thread).first()
    try:
        reply = services.reply_create(
            thread=thread, author=user, body=form.cleaned_data["body"], quoted=quoted
        )
    except services.ThreadLockedError:
        messages.error(request, str(LOCKED_MESSAGE))
        return redirect(thread)
    messages.success(request, _("Your reply has been posted."))
    count = thread.replies.filter(created_at__lt=reply.created_at).count()
    page = count // REPLIES_PER_PAGE + 1
    return redirect(f"{thread.get_absolute_url()}?page={page}#{reply.anchor}")


def quote_text(reply: Reply) -> str:
    lines = [f"> **{reply.author.display_name}** wrote:", ">"]
    lines += [f"> {line}" if line else ">" for line in reply.body.splitlines()]
    return "\n".join(lines) + "\n\n"


@login_required
@require_safe
def reply_quote_view(
    request: HttpRequest, slug: str, thread_id: int, reply_id: int
) -> HttpResponse:
    access = community_for(request, slug)
    thread = _thread_for(request, access, thread_id)
    require_member(access)
    if thread.is_locked:
        messages.error(request, str(LOCKED_MESSAGE))
        return redirect(thread)
    reply = get_object_or_404(Reply.objects.select_related("author"), pk=reply_id, thread=thread)
    form = ReplyForm(initial={"body": quote_text(reply), "quoted": reply.pk})
    return _reply_page(request, access, thread, form)


@login_required
@require_POST
def thread_pin_view(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    access = community_for(request, slug)
    thread = _thread_for(request, access, thread_id)
    _require_manager(access)
    services.thread_set_pinned(thread=thread, pinned=not thread.is_pinned)
    messages.success(request, _("Thread pinned.") if thread.is_pinned else _("Thread unpinned."))
    return redirect(thread)


@login_required
@require_POST
def thread_lock_view(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    access = community_for(request, slug)
    thread = _thread_for(request, access, thread_id)
    _require_manager(access)
    services.thread_set_locked(thread=thread, locked=not thread.is_locked)
    messages.success(request, _("Thread locked.") if thread.is_locked else _("Thread unlocked."))
    return redirect(thread)


@login_required
@require_POST
def thread_move_view(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    access = community_for(request, slug)
    thread = _thread_for(request, access, thread_id)
    _require_manager(access)
    form = MoveForm(request.POST, community_id=access.community.pk)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(thread)
    category = form.cleaned_data["category"]
    services.thread_move(thread=thread, category=category)
    messages.success(request, _("Thread moved to %(name)s.") % {"name": category.name})
    return redirect(thread)


@login_required
@require_POST
def thread_answer_view(
    request: HttpRequest, slug: str, thread_id: int, reply_id: int
) -> HttpResponse:
    access = community_for(request, slug)
    thread = _thread_for(request, access, thread_id)
    if not _can_answer(request, access, thread):
        raise PermissionDenied(
            _("Only the thread's author or a facilitator can choose the answer.")
        )
    reply = get_object_or_404(Reply, pk=reply_id, thread=thread)
    if thread.answer_id == reply.pk:
        services.thread_set_answer(thread=thread, reply=None)
        messages.success(request, _("The answer has been unmarked."))
    else:
        services.thread_set_answer(thread=thread, reply=reply)
        messages.success(request, _("Reply marked as the answer."))
    return redirect(reverse("forums:thread", kwargs={"slug": slug, "thread_id": thread.pk}))
