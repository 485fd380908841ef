"""``{% discussion item %}``: comments, reactions and the report link under any item page."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count, Q
from django.http import HttpRequest

from knowledgehub.knowledge.models import Item

from ..choices import ReactionKind
from ..models import Comment, Reaction
from ..services import can_moderate

register = template.Library()


def discussion_context(request: HttpRequest, item: Item) -> dict[str, Any]:
    user = request.user
    moderator = can_moderate(user, item)
    comments = Comment.objects.filter(item=item).select_related("author")
    if not moderator:
        # Hidden comments stay visible to their author (so they know) and to moderators.
        comments = comments.filter(Q(is_hidden=False) | Q(author_id=user.pk or 0))
    rows = list(comments)
    top = [c for c in rows if c.parent_id is None]
    replies: dict[int, list[Comment]] = {}
    for c in rows:
        if c.parent_id is not None:
            replies.setdefault(c.parent_id, []).append(c)
    threads = [(c, replies.get(c.pk, [])) for c in top]
    counts = dict(Reaction.objects.filter(item=item).values_list("kind").annotate(n=Count("id")))
    mine = (
        set(Reaction.objects.filter(item=item, user_id=user.pk).values_list("kind", flat=True))
        if user.is_authenticated
        else set()
    )
    reactions = [
        {"kind": k, "label": label, "count": counts.get(k, 0), "mine": k in mine}
        for k, label in ReactionKind.choices
    ]
    return {
        "item": item,
        "threads": threads,
        "comment_count": len(rows),
        "reactions": reactions,
        "is_moderator": moderator,
        "request": request,
        "user": user,
    }


@register.inclusion_tag("discussions/_discussion.html", takes_context=True)
def discussion(context: dict[str, Any], item: Item) -> dict[str, Any]:
    ctx = discussion_context(context["request"], item)
    ctx["csrf_token"] = context.get("csrf_token")
    return ctx


@register.inclusion_tag("discussions/_hidden_notice.html", takes_context=True)
def hidden_notice(context: dict[str, Any], item: Item | None) -> dict[str, Any]:
    """A notice at the top of an item page when moderation has hidden the item (only its author,
    facilitators and site admins can reach the page then)."""
    return {"item": item}
