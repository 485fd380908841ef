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
from knowledgehub.discussions.services import can_moderate
from knowledgehub.knowledge.history import revisions_of
from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.visibility import can_view
from knowledgehub.lib.diff import line_diff
from knowledgehub.lib.pagination import paginate
from knowledgehub.people.models import User

from . import services
from .choices import LOCKED_MESSAGE, REPLIES_PER_PAGE, THREADS_PER_PAGE
from .forms import (
    CategoryForm,
    MoveForm,
    ReplyEditForm,
    ReplyForm,
    ThreadEditForm,
    ThreadForm,
)
from .models import Category, Reply, Thread, ThreadRead


def _visible_threads(request: HttpRequest, access: CommunityAccess) -> QuerySet[Thread]:
    """The community's threads whose index entry the viewer may see (the one visibility rule)."""
    return Thread.visible_to(request.user).filter(community=access.community)


def _thread_and_item(
    request: HttpRequest, access: CommunityAccess, thread_id: int
) -> tuple[Thread, Item]:
    thread = get_object_or_404(
        Thread.objects.select_related("category", "community", "author"),
        pk=thread_id,
        community=access.community,
    )
    item = thread.knowledge_item
    if item is None or not can_view(request.user, item):
        raise Http404
    return thread, item


def _thread_for(request: HttpRequest, access: CommunityAccess, thread_id: int) -> Thread:
    return _thread_and_item(request, access, thread_id)[0]


def _page_of(thread: Thread, reply: Reply) -> int:
    """The page of the thread that shows ``reply``."""
    before = thread.replies.filter(
        Q(created_at__lt=reply.created_at) | Q(created_at=reply.created_at, pk__lt=reply.pk)
    ).count()
    return before // REPLIES_PER_PAGE + 1


def _reply_url(thread: Thread, reply: Reply) -> str:
    return f"{thread.get_absolute_url()}?page={_page_of(thread, reply)}#{reply.anchor}"


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
    thread, item = _thread_and_item(request, access, thread_id)
    user = request.user
    if "reply" in request.GET:
        # A link to one reply (e.g. from a notification): go to the page that shows it.
        target = None
        reply_param = request.GET["reply"]
        if reply_param.isdigit():
            target = Reply.objects.filter(pk=int(reply_param), thread=thread).first()
        if target is None:
            messages.info(request, _("That reply is no longer in this thread."))
            return redirect(thread)
        return redirect(_reply_url(thread, target))
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
    # What the viewer may do with each reply on this page: worked out from what is already
    # loaded, so no query runs per reply.
    for reply in paged.object_list:
        is_opening = reply.pk == opening_id
        can_edit = (
            services.can_edit_thread(user, access, thread)
            if is_opening
            else services.can_edit_reply(user, access, thread, reply)
        )
        can_delete = not is_opening and services.can_delete_reply(user, access, thread, reply)
        setattr(reply, "can_edit", can_edit)  # noqa: B010
        setattr(reply, "can_delete", can_delete)  # noqa: B010
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
            "item": item,
            "tags": list(thread.tags.all()),
            "paged": paged,
            "answer": answer,
            "opening_id": opening_id,
            "first_unread_id": first_unread_id,
            "first_unread_url": first_unread_url,
            "form": form,
            "move_form": move_form,
            "can_answer": _can_answer(request, access, thread),
            "can_edit_thread": services.can_edit_thread(user, access, thread),
            "can_delete_thread": services.can_delete_thread(user, access, thread),
            "is_moderator": can_moderate(user, item),
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
    return redirect(_reply_url(thread, reply))


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


# --- editing and deleting ------------------------------------------------------------------


def _signed_in(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@require_http_methods(["GET", "POST"])
def thread_edit_view(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    access = community_for(request, slug)
    thread = _thread_for(request, access, thread_id)
    user = _signed_in(request)
    if not services.can_edit_thread(user, access, thread):
        raise PermissionDenied(_("Only the thread's author or a facilitator can edit it."))
    opening = services.opening_post(thread)
    initial = {
        "title": thread.title,
        "body": opening.body if opening else "",
        "tags": ", ".join(t.name for t in thread.tags.all()),
    }
    form = ThreadEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.thread_edit(thread=thread, editor=user, **form.cleaned_data)
            except services.ForumError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("The thread has been updated."))
                return redirect(thread)
        status = 400
    return render(
        request,
        "forums/thread_edit.html",
        {"access": access, "community": access.community, "thread": thread, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def thread_delete_view(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    access = community_for(request, slug)
    thread = _thread_for(request, access, thread_id)
    user = _signed_in(request)
    if not services.can_delete_thread(user, access, thread):
        raise PermissionDenied(
            _("Only a facilitator can delete a thread once someone has replied.")
            if user.pk == thread.author_id
            else _("Only the thread's author or a facilitator can delete it.")
        )
    if request.method == "POST":
        category = thread.category
        title = thread.title
        services.thread_delete(thread=thread)
        messages.success(request, _("“%(title)s” has been deleted.") % {"title": title})
        return redirect(category)
    return render(
        request,
        "forums/thread_delete.html",
        {"access": access, "community": access.community, "thread": thread},
    )


def _reply_in(thread: Thread, reply_id: int) -> Reply:
    return get_object_or_404(Reply.objects.select_related("author"), pk=reply_id, thread=thread)


def _is_opening(thread: Thread, reply: Reply) -> bool:
    opening = services.opening_post(thread)
    return opening is not None and opening.pk == reply.pk


@login_required
@require_http_methods(["GET", "POST"])
def reply_edit_view(request: HttpRequest, slug: str, thread_id: int, reply_id: int) -> HttpResponse:
    access = community_for(request, slug)
    thread = _thread_for(request, access, thread_id)
    reply = _reply_in(thread, reply_id)
    if _is_opening(thread, reply):
        return redirect("forums:thread_edit", slug=slug, thread_id=thread.pk)
    user = _signed_in(request)
    if not services.can_edit_reply(user, access, thread, reply):
        raise PermissionDenied(
            LOCKED_MESSAGE
            if thread.is_locked and user.pk == reply.author_id
            else _("Only the person who wrote a reply can edit it.")
        )
    form = ReplyEditForm(request.POST or None, initial={"body": reply.body})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                reply = services.reply_edit(
                    reply=reply, editor=user, body=form.cleaned_data["body"]
                )
            except services.ForumError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("Your reply has been updated."))
                return redirect(_reply_url(thread, reply))
        status = 400
    return render(
        request,
        "forums/reply_edit.html",
        {
            "access": access,
            "community": access.community,
            "thread": thread,
            "reply": reply,
            "form": form,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reply_delete_view(
    request: HttpRequest, slug: str, thread_id: int, reply_id: int
) -> HttpResponse:
    access = community_for(request, slug)
    thread = _thread_for(request, access, thread_id)
    reply = _reply_in(thread, reply_id)
    if _is_opening(thread, reply):
        return redirect("forums:thread_delete", slug=slug, thread_id=thread.pk)
    user = _signed_in(request)
    if not services.can_delete_reply(user, access, thread, reply):
        raise PermissionDenied(_("Only the reply's author or a facilitator can delete it."))
    if request.method == "POST":
        services.reply_delete(reply=reply)
        messages.success(request, _("The reply has been deleted."))
        return redirect(thread)
    return render(
        request,
        "forums/reply_delete.html",
        {"access": access, "community": access.community, "thread": thread, "reply": reply},
    )


@require_safe
def reply_history_view(
    request: HttpRequest, slug: str, thread_id: int, reply_id: int
) -> HttpResponse:
    """A reply's revisions, newest first, each with what it changed (behind the thread's
    visibility)."""
    access = community_for(request, slug)
    thread, item = _thread_and_item(request, access, thread_id)
    reply = _reply_in(thread, reply_id)
    if _is_opening(thread, reply):
        return redirect("item_history", item_id=item.pk)
    revisions = list(revisions_of(reply).select_related("editor").order_by("number"))
    rows: list[dict[str, Any]] = []
    previous = None
    for revision in revisions:
        rows.append(
            {
                "revision": revision,
                "diff": line_diff(previous.body, revision.body) if previous else None,
            }
        )
        previous = revision
    rows.reverse()
    return render(
        request,
        "forums/reply_history.html",
        {
            "access": access,
            "community": access.community,
            "thread": thread,
            "reply": reply,
            "rows": rows,
            "reply_url": _reply_url(thread, reply),
        },
    )
