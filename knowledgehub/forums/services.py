"""Forum writes: typed ``<noun>_<verb>`` functions, each in one transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from knowledgehub.communities.models import Community
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
            url=f"{item.url}#reply-{reply.pk}",
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
        _record_mentions(reply, users)
    return reply


def thread_create(
    *,
    category: Category,
    author: User,
    title: str,
    body: str,
    audience: str,
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
        thread.save()
        users = _resolve_mentions(body)
        reply = Reply.objects.create(
            thread=thread,
            author=author,
            body=body,
            body_html=render_reply(body, users),
            created_at=now,
        )
        index_sync(thread)  # now with the opening post's text
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
    thread.delete()


def thread_mark_read(*, thread: Thread, user: User) -> ThreadRead:
    read, _created = ThreadRead.objects.update_or_create(
        user=user, thread=thread, defaults={"last_read_at": timezone.now()}
    )
    return read
