"""Forum writes: typed ``<noun>_<verb>`` functions, each in one transaction."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.registry import index_sync
from knowledgehub.knowledge.visibility import can_view
from knowledgehub.lib.markdown import render_markdown
from knowledgehub.people.models import User

from .models import Category, Mention, Reply, Thread, ThreadRead

# "@name" not preceded by a word character, "@" or "/" (so e-mail addresses and URLs are not
# mentions); a trailing full stop or hyphen is punctuation, not part of the name.
MENTION_RE = re.compile(r"(?<![\w@/])@([A-Za-z0-9_](?:[\w.+-]*\w)?)")


#: Category slugs that would clash with the forum's own URLs.
RESERVED_SLUGS = {"new-category", "t"}


class ThreadLockedError(Exception):
    """Raised when someone tries to reply to a locked thread."""


_TAG_RE = re.compile(r"(<[^>]+>)")
_TAG_NAME_RE = re.compile(r"<(/?)([a-zA-Z0-9]+)")
#: Inside these elements "@name" is left alone (code samples, existing links).
_SKIP_TAGS = {"a", "code", "pre"}


def _map_text(html: str, fn: Callable[[str], str]) -> str:
    """Apply ``fn`` to the text of ``html`` outside links and code."""
    out: list[str] = []
    depth = 0
    for part in _TAG_RE.split(html):
        if part.startswith("<"):
            match = _TAG_NAME_RE.match(part)
            if match and match.group(2).lower() in _SKIP_TAGS and not part.endswith("/>"):
                depth = max(0, depth - 1) if match.group(1) else depth + 1
            out.append(part)
        else:
            out.append(fn(part) if depth == 0 else part)
    return "".join(out)


def mentioned_usernames(body: str) -> list[str]:
    """The distinct @usernames in ``body`` (outside code and links), in order of appearance."""
    seen: dict[str, None] = {}

    def collect(text: str) -> str:
        for match in MENTION_RE.finditer(text):
            seen.setdefault(match.group(1), None)
        return text

    _map_text(render_markdown(body), collect)
    return list(seen)


def _resolve_mentions(body: str) -> dict[str, User]:
    names = mentioned_usernames(body)
    if not names:
        return {}
    users = User.objects.filter(username__in=names, is_active=True)
    return {u.username: u for u in users}


def render_reply(body: str, users: dict[str, User]) -> str:
    """Markdown to HTML, with @mentions of existing people linked to their profiles."""

    def link(match: re.Match[str]) -> str:
        user = users.get(match.group(1))
        if user is None:
            return match.group(0)
        url = escape(reverse("people:detail", kwargs={"username": user.username}))
        return f'<a class="govuk-link" href="{url}">@{escape(user.username)}</a>'

    return _map_text(render_markdown(body), lambda text: MENTION_RE.sub(link, text))


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
    """Store a Mention for each mentioned person who can see the thread (and is not the author)."""
    item = reply.thread.knowledge_item
    if item is None:
        return []
    mentions = [
        Mention(reply=reply, user=user)
        for user in users.values()
        if user.pk != reply.author_id and can_view(user, item)
    ]
    return Mention.objects.bulk_create(mentions, ignore_conflicts=True)


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
