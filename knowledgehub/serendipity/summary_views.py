"""Catch-up pages: the key sentences of a long forum thread and of a community's week.

Views stay thin: access checks the same way the forum and community pages make them, then the
summary (``summaries.summarise``) of exactly what this viewer may see, cached under a key derived
from that content so two viewers share a cached summary only when they may see the same posts.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Min, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from knowledgehub.communities.access import community_for
from knowledgehub.discussions.models import Comment
from knowledgehub.forums.choices import REPLIES_PER_PAGE
from knowledgehub.forums.models import Reply, Thread
from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.visibility import can_view

from .summaries import MAX_ITEMS, Passage, Sentence, item_passage, summarise

#: Summaries are keyed by their content, so this only bounds how long unused entries linger.
CACHE_SECONDS = 60 * 60
#: Sentences on a catch-up page.
THREAD_SENTENCES = 8
WEEK_SENTENCES = 10
_WEEK = re.compile(r"\d{4}-\d{2}-\d{2}")


def _key(*parts: object) -> str:
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"catchup:{digest}"


# --- a forum thread ---------------------------------------------------------------------------


def thread_passages(thread: Thread) -> tuple[list[Passage], int]:
    """Every post of ``thread`` as a passage linking to its place on the thread's pages, and the
    number of replies (posts after the opening one). Forum replies have no moderation flag of
    their own: moderators hide a whole thread (its Item), which the caller has already checked."""
    rows = list(
        thread.replies.order_by("created_at", "pk").values_list(
            "pk", "body", "author__name", "author__username", "created_at", "quoted_id"
        )
    )
    quoted = Counter(q for *_, q in rows if q is not None)
    base = thread.get_absolute_url()
    passages = []
    for index, (pk, body, name, username, created_at, _q) in enumerate(rows):
        page = index // REPLIES_PER_PAGE + 1
        url = f"{base}?page={page}#reply-{pk}" if page > 1 else f"{base}#reply-{pk}"
        title = _("the opening post") if index == 0 else _("reply %(n)s") % {"n": index}
        passages.append(
            Passage(
                text=body,
                url=url,
                title=title,
                author=name or username,
                published_at=created_at,
                quoted_by=quoted.get(pk, 0),
            )
        )
    return passages, max(len(rows) - 1, 0)


def thread_summary(thread: Thread) -> tuple[list[Sentence], int]:
    """The thread's summary, from the cache when nothing in it changed (the key moves with the
    last activity, the reply count, the latest edit and the title)."""
    state = thread.replies.aggregate(n=Count("pk"), edited=Max("updated_at"))
    key = _key(
        "thread",
        thread.pk,
        thread.title,
        thread.last_activity_at.isoformat(),
        state["n"],
        state["edited"].isoformat() if state["edited"] else "",
        translation.get_language(),
    )
    cached = cache.get(key)
    if cached is not None:
        return cached
    passages, replies = thread_passages(thread)
    result = (summarise(passages, max_sentences=THREAD_SENTENCES), replies)
    cache.set(key, result, CACHE_SECONDS)
    return result


@require_safe
def thread_catch_up(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    # The same door as the thread page (forums.views.thread_detail): the community must be
    # visible to the viewer and the thread's Item must pass can_view; anything else is a 404.
    access = community_for(request, slug)
    thread = get_object_or_404(
        Thread.objects.select_related("category", "community"),
        pk=thread_id,
        community=access.community,
    )
    item = thread.knowledge_item
    if item is None or not can_view(request.user, item):
        raise Http404
    sentences, replies = thread_summary(thread)
    return render(
        request,
        "serendipity/catch_up_thread.html",
        {
            "community": access.community,
            "thread": thread,
            "item": item,
            "sentences": sentences,
            "replies_summarised": replies,
        },
    )


# --- a community's week -----------------------------------------------------------------------


def parse_week(value: str | None, now: datetime) -> tuple[datetime, datetime]:
    """The week asked for: seven days from the given date (YYYY-MM-DD, in the site's time zone),
    or the last seven days. Raises ValueError with a message people can act on."""
    if not value:
        return now - timedelta(days=7), now
    value = value.strip()
    if not _WEEK.fullmatch(value):
        raise ValueError(_("Enter the week as a date in the form YYYY-MM-DD, like 2025-03-03."))
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(_("%(value)s is not a real date.") % {"value": value}) from None
    if day.year < 2000 or day > now.date() + timedelta(days=366):
        raise ValueError(_("Choose a week between the year 2000 and next year."))
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=7)


def week_summary(viewer: Any, community: Any, start: datetime, end: datetime) -> dict[str, Any]:
    """The key sentences of what ``viewer`` may see in ``community`` between ``start`` and
    ``end``: new items (forum threads through their posts), forum posts and comments, with
    counts. Every read goes through the visibility rule; the cache key is a hash of the ids (and
    edit times) of exactly those rows, so viewers who may see different things never share it."""
    visible = Item.objects.visible_to(viewer).filter(community=community)
    in_week = Q(published_at__gte=start, published_at__lt=end)
    new_items = visible.filter(in_week)
    item_keys = list(
        new_items.exclude(kind=Thread.knowledge_kind)
        .order_by("-published_at", "-pk")
        .values_list("pk", "updated_at")[:MAX_ITEMS]
    )
    new_count = new_items.count()
    threads = Thread.visible_to(viewer).filter(community=community)
    week_replies = Reply.objects.filter(
        thread__in=threads, created_at__gte=start, created_at__lt=end
    )
    reply_keys = list(
        week_replies.order_by("-created_at", "-pk").values_list("pk", "updated_at")[:MAX_ITEMS]
    )
    openings = Reply.objects.filter(thread__in=threads).values("thread").annotate(first=Min("pk"))
    reply_count = week_replies.exclude(pk__in=openings.values("first")).count()
    comments = Comment.objects.filter(
        item__in=visible,
        is_hidden=False,
        created_at__gte=start,
        created_at__lt=end,
    ).exclude(parent__is_hidden=True)
    comment_keys = list(
        comments.order_by("-created_at", "-pk").values_list("pk", "updated_at")[:MAX_ITEMS]
    )
    # The sentences depend only on these rows (not on the window's exact bounds, which move with
    # every request for "the last 7 days"), so the key is exactly them.
    key = _key(
        "week",
        community.pk,
        sorted(item_keys),
        sorted(reply_keys),
        sorted(comment_keys),
        translation.get_language(),
    )
    cached = cache.get(key)
    if cached is None:
        passages = [
            item_passage(item)
            for item in Item.objects.filter(pk__in=[pk for pk, _ in item_keys]).select_related(
                "author"
            )
        ]
        passages += _reply_passages([pk for pk, _ in reply_keys])
        passages += _comment_passages([pk for pk, _ in comment_keys])
        cached = summarise(passages, max_sentences=WEEK_SENTENCES)
        cache.set(key, cached, CACHE_SECONDS)
    return {
        "sentences": cached,
        "new_count": new_count,
        "reply_count": reply_count + comments.count(),
    }


def _reply_passages(ids: list[int]) -> list[Passage]:
    """Forum posts by id (already filtered to visible threads), each linking to itself through the
    thread page's ``?reply=`` redirect to the page that holds it."""
    passages = []
    for reply in Reply.objects.filter(pk__in=ids).select_related("thread__community", "author"):
        url = f"{reply.thread.get_absolute_url()}?reply={reply.pk}#reply-{reply.pk}"
        passages.append(
            Passage(
                text=reply.body,
                url=url,
                title=reply.thread.title,
                author=reply.author.display_name,
                published_at=reply.created_at,
                quoted_by=0,
            )
        )
    return passages


def _comment_passages(ids: list[int]) -> list[Passage]:
    passages = []
    for comment in Comment.objects.filter(pk__in=ids).select_related("item", "author"):
        passages.append(
            Passage(
                text=comment.body,
                url=f"{comment.item.url}#comment-{comment.pk}",
                title=comment.item.title,
                author=comment.author.display_name,
                published_at=comment.created_at,
            )
        )
    return passages


@require_safe
def community_catch_up(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for(request, slug)  # 404 for a community the viewer may not see
    now = timezone.now()
    week = request.GET.get("week")
    try:
        start, end = parse_week(week, now)
    except ValueError as error:
        return render(
            request,
            "serendipity/catch_up_community.html",
            {"community": access.community, "error": str(error), "week": week or ""},
            status=400,
        )
    summary = week_summary(request.user, access.community, start, end)
    previous = (start - timedelta(days=7)).date() if week else (now - timedelta(days=14)).date()
    following = end.date() if week and end < now else None
    return render(
        request,
        "serendipity/catch_up_community.html",
        {
            "community": access.community,
            "start": start,
            "last_day": end - timedelta(days=1) if week else now,
            "is_default_week": not week,
            "week": week or "",
            "previous_week": previous.isoformat(),
            "next_week": following.isoformat() if following else "",
            **summary,
        },
    )
