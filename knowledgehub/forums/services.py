"""Forum writes: typed ``<noun>_<verb>`` functions, each in one transaction."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from knowledgehub.communities.access import CommunityAccess
from knowledgehub.communities.models import Community
from knowledgehub.follows.activity import record_reply
from knowledgehub.knowledge.history import record_revision, revisions_of
from knowledgehub.knowledge.models import ContentRevision, Tag
from knowledgehub.knowledge.registry import index_sync
from knowledgehub.knowledge.visibility import can_view
from knowledgehub.people.mentions import (
    render_with_mentions,
    resolve_mentions,
)
from knowledgehub.people.models import User

from .models import Category, Mention, Reply, Thread, ThreadRead

#: Category slugs that would clash with the forum's own URLs.
RESERVED_SLUGS = {"new-category", "t"}


class ThreadLockedError(Exception):
    """Raised when someone tries to reply to a locked thread."""


class ForumError(Exception):
    """A write the rules refuse, with a message to show the person."""


# --- who may do what (used by the views and the thread page; no queries) -----------------------


def is_forum_moderator(user: User | AnonymousUser, access: CommunityAccess) -> bool:
    """The community's owner and facilitators, and site admins."""
    return access.can_manage or bool(getattr(user, "is_superuser", False))


def can_edit_thread(user: User | AnonymousUser, access: CommunityAccess, thread: Thread) -> bool:
    """The thread's author (while a member, and not once it is locked) or a moderator."""
    if not user.is_authenticated:
        return False
    if is_forum_moderator(user, access):
        return True
    return user.pk == thread.author_id and access.is_member and not thread.is_locked


def can_delete_thread(user: User | AnonymousUser, access: CommunityAccess, thread: Thread) -> bool:
    """A moderator, or the author (while a member) until someone has replied."""
    if not user.is_authenticated:
        return False
    if is_forum_moderator(user, access):
        return True
    return user.pk == thread.author_id and access.is_member and thread.reply_count == 0


def can_edit_reply(
    user: User | AnonymousUser, access: CommunityAccess, thread: Thread, reply: Reply
) -> bool:
    """A reply's author, while a member; in a locked thread only if they are a moderator."""
    if not user.is_authenticated or user.pk != reply.author_id or not access.is_member:
        return False
    return not thread.is_locked or is_forum_moderator(user, access)


def can_delete_reply(
    user: User | AnonymousUser, access: CommunityAccess, thread: Thread, reply: Reply
) -> bool:
    """A moderator, or the reply's author (while a member, and not once the thread is locked)."""
    if not user.is_authenticated:
        return False
    if is_forum_moderator(user, access):
        return True
    return user.pk == reply.author_id and access.is_member and not thread.is_locked


def _resolve_mentions(body: str) -> dict[str, User]:
    return resolve_mentions(body)


def render_reply(body: str, users: dict[str, User]) -> str:
    """Markdown to HTML, with @mentions of existing people linked to their profiles."""
    return render_with_mentions(body, users)


def category_create(
    *, community: Community, name: str, description: str = "", position: int | None = None
) -> Category:
    base = slugify(name)[:90] or "category"
    slug = base
    n = 2
    while (
        slug in RESERVED_SLUGS or Category.objects.filter(community=community, slug=slug).exists()
    ):
        slug = f"{base}-{n}"
        n += 1
    if position is None:
        position = Category.objects.filter(community=community).count()
    return Category.objects.create(
        community=community, name=name, slug=slug, description=description, position=position
    )


def _record_mentions(reply: Reply, users: dict[str, User]) -> list[Mention]:
    """Store a Mention for each mentioned person who can see the thread (and is not the author),
    and notify them."""
    item = reply.thread.knowledge_item
    if item is None:
        return []
    mentioned = [u for u in users.values() if u.pk != reply.author_id and can_view(u, item)]
    mentions = Mention.objects.bulk_create(
        [Mention(reply=reply, user=user) for user in mentioned], ignore_conflicts=True
    )
    if mentioned:
        from knowledgehub.notifications.services import notify_mentions

        notify_mentions(
            body=reply.body,
            item=item,
            actor=reply.author,
            key=f"forum_reply:{reply.pk}",
            url=f"{item.url}?reply={reply.pk}#reply-{reply.pk}",
        )
    return mentions


def reply_create(*, thread: Thread, author: User, body: str, quoted: Reply | None = None) -> Reply:
    """Add a reply; refuses locked threads. Updates the thread and its index entry."""
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        if thread.is_locked:
            raise ThreadLockedError
        users = _resolve_mentions(body)
        now = timezone.now()
        reply = Reply.objects.create(
            thread=thread,
            author=author,
            body=body,
            body_html=render_reply(body, users),
            quoted=quoted if quoted is not None and quoted.thread_id == thread.pk else None,
            created_at=now,
        )
        thread.reply_count = thread.replies.count() - 1  # the opening post is not a reply
        thread.last_activity_at = now
        thread.save()  # re-indexes the thread with the new text
        record_revision(reply, editor=author, title=thread.title, body=body)
        _record_mentions(reply, users)
        record_reply(reply)  # for followers' streams, grouped by thread
    return reply


def opening_post(thread: Thread) -> Reply | None:
    return thread.replies.order_by("created_at", "pk").first()


def _keep_original(obj: Thread | Reply, *, editor: User, title: str, body: str) -> None:
    """Content from before edit history was kept has no first revision: record it as it stands
    before the first edit, so the history shows what changed."""
    if not revisions_of(obj).exists():
        record_revision(obj, editor=editor, title=title, body=body, note="Original")


def thread_edit(
    *, thread: Thread, editor: User, title: str, body: str, tags: list[str] | None = None
) -> Thread:
    """Change a thread's title, opening post and tags; re-indexes it and records a revision."""
    title = title.strip()
    if not title:
        raise ForumError(_("Enter a title"))
    if not body.strip():
        raise ForumError(_("Enter your post"))
    with transaction.atomic():
        thread = (
            Thread.objects.select_for_update(of=("self",))
            .select_related("community")
            .get(pk=thread.pk)
        )
        opening = opening_post(thread)
        if opening is None:  # pragma: no cover - every thread is created with its opening post
            raise ForumError(_("This thread has no opening post"))
        _keep_original(thread, editor=thread.author, title=thread.title, body=opening.body)
        users = _resolve_mentions(body)
        if body != opening.body:
            opening.body = body
            opening.body_html = render_reply(body, users)
            opening.edited_at = timezone.now()
            opening.save()
        thread.title = title
        thread.save()
        if tags is not None:
            thread.tags.set(Tag.objects.get_or_create_many(tags))
        index_sync(thread)
        record_revision(thread, editor=editor, title=title, body=body)
        _record_mentions(opening, users)
    return thread


def reply_edit(*, reply: Reply, editor: User, body: str) -> Reply:
    """Change a reply's text (the opening post is edited with its thread): re-indexes the thread,
    records a revision and notifies anyone newly @mentioned."""
    if not body.strip():
        raise ForumError(_("Enter your reply"))
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=reply.thread_id)
        reply = Reply.objects.select_related("author").get(pk=reply.pk)
        if body == reply.body:
            return reply
        _keep_original(reply, editor=reply.author, title=thread.title, body=reply.body)
        users = _resolve_mentions(body)
        reply.body = body
        reply.body_html = render_reply(body, users)
        reply.edited_at = timezone.now()
        reply.save()
        index_sync(thread)
        record_revision(reply, editor=editor, title=thread.title, body=body)
        _record_mentions(reply, users)
    return reply


def _delete_reply_revisions(reply_ids: list[int]) -> None:
    ContentRevision.objects.filter(
        content_type=ContentType.objects.get_for_model(Reply), object_id__in=reply_ids
    ).delete()


def reply_delete(*, reply: Reply) -> Thread:
    """Delete a reply (never the opening post) and keep its thread consistent: the reply count,
    the last activity, the answer, and the replies that quoted it (they say it was deleted)."""
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=reply.thread_id)
        reply_pk = reply.pk
        opening = opening_post(thread)
        if opening is not None and opening.pk == reply_pk:
            raise ForumError(_("The opening post is deleted with its thread"))
        Reply.objects.filter(quoted_id=reply_pk).update(quoted=None, quoted_deleted=True)
        _delete_reply_revisions([reply_pk])
        if thread.answer_id == reply_pk:
            thread.answer = None
            thread.save(update_fields=["answer"])
        Reply.objects.filter(pk=reply_pk).delete()
        thread.reply_count = max(thread.replies.count() - 1, 0)
        latest = thread.replies.aggregate(latest=Max("created_at"))["latest"]
        thread.last_activity_at = latest or thread.created_at
        thread.save()  # re-indexes without the deleted text
    return thread


def thread_create(
    *,
    category: Category,
    author: User,
    title: str,
    body: str,
    audience: str,
    tags: list[str] | None = None,
    is_demo: bool = False,
) -> Thread:
    with transaction.atomic():
        now = timezone.now()
        thread = Thread(
            category=category,
            community=category.community,
            title=title,
            author=author,
            audience=audience,
            created_at=now,
            last_activity_at=now,
            is_demo=is_demo,
        )
        thread.save(index=False)  # indexed once below, with its opening post and tags
        users = _resolve_mentions(body)
        reply = Reply.objects.create(
            thread=thread,
            author=author,
            body=body,
            body_html=render_reply(body, users),
            created_at=now,
        )
        tag_rows = Tag.objects.get_or_create_many(tags) if tags else []
        if tag_rows:
            through = Thread.tags.through
            through.objects.bulk_create(
                [through(thread_id=thread.pk, tag_id=t.pk) for t in tag_rows]
            )
        thread.remember_tags(tag_rows)
        index_sync(thread, new=True)
        record_revision(thread, editor=author, title=title, body=body, new=True)
        if users:
            _record_mentions(reply, users)
    return thread


def thread_set_pinned(*, thread: Thread, pinned: bool) -> Thread:
    thread.is_pinned = pinned
    thread.save(update_fields=["is_pinned"])
    return thread


def thread_set_locked(*, thread: Thread, locked: bool) -> Thread:
    thread.is_locked = locked
    thread.save(update_fields=["is_locked"])
    return thread


def thread_move(*, thread: Thread, category: Category) -> Thread:
    if category.community_id != thread.community_id:
        raise ValueError("A thread can only move within its community")
    thread.category = category
    thread.save(update_fields=["category"])
    return thread


def thread_set_answer(*, thread: Thread, reply: Reply | None) -> Thread:
    if reply is not None and reply.thread_id != thread.pk:
        raise ValueError("The answer must be a reply in the same thread")
    thread.answer = reply
    thread.save(update_fields=["answer"])
    return thread


def thread_delete(*, thread: Thread) -> None:
    """Delete a thread with its replies, index entry and edit history."""
    with transaction.atomic():
        _delete_reply_revisions(list(thread.replies.values_list("pk", flat=True)))
        thread.delete()


def thread_mark_read(*, thread: Thread, user: User) -> ThreadRead:
    read, _created = ThreadRead.objects.update_or_create(
        user=user, thread=thread, defaults={"last_read_at": timezone.now()}
    )
    return read
