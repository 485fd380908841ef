"""The personalised activity stream: what the people, communities, tags, organisations, feeds and
themes a person follows did (plus everything in their own communities), newest first or "most
relevant", grouped into cards, a page at a time with an opaque cursor.

Every activity is read through its Item's visibility (``visibility_q(viewer, "item__")``) in the
same SQL query, so losing sight of an Item (leaving a community, a hidden item) removes its
activities from the very next page. A page costs a fixed number of queries, whatever its size:
the viewer's follows (1) and the activities with their actor, item and community (1); the
"relevant" order adds the page's reaction counts, comment counts and followed tags (3), and the
page's items in followed themes (1, only for people following a theme).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.visibility import visibility_q

from .choices import TargetKind, Verb
from .models import Activity
from .services import followed_ids

if TYPE_CHECKING:
    from knowledgehub.people.models import User

PAGE_SIZE = 20  # activities a page reads (then grouped into cards)
RELEVANT_WINDOW = 60  # activities a "most relevant" page ranks
ORDERS = ("newest", "relevant")

# "Most relevant" weights (docs/architecture.md explains the formula).
WEIGHTS = {
    TargetKind.PERSON: 3.0,
    TargetKind.COMMUNITY: 2.0,
    TargetKind.TAG: 1.5,
    TargetKind.ORGANISATION: 1.0,
    TargetKind.FEED: 1.0,
    TargetKind.THEME: 1.5,
    "member": 2.0,
}
HALF_LIFE_HOURS = 24.0
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BadCursor(ValueError):
    """The ``before`` cursor is not one we made."""


@dataclass
class Card:
    """One or more activities shown together (same group key)."""

    key: str
    verb: str
    item: Item
    activities: list[Activity] = field(default_factory=list)
    score: float = 0.0

    @property
    def latest(self) -> Activity:
        return self.activities[0]

    @property
    def count(self) -> int:
        return len(self.activities)

    @property
    def actors(self) -> list[Any]:
        seen: dict[int, Any] = {}
        for a in self.activities:
            if a.actor is not None and a.actor.pk not in seen:
                seen[a.actor.pk] = a.actor
        return list(seen.values())

    @property
    def source(self) -> Any:
        return self.latest.source


@dataclass
class StreamPage:
    cards: list[Card]
    activities: list[Activity]
    next_cursor: str  # "" on the last page
    order: str


def encode_cursor(activity: Activity) -> str:
    micros = (activity.created_at - EPOCH) // timedelta(microseconds=1)
    return f"{micros}-{activity.pk}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        micros_text, pk_text = cursor.split("-", 1)
        micros, pk = int(micros_text), int(pk_text)
        if micros < 0 or pk < 0:
            raise ValueError
        when = EPOCH + timedelta(microseconds=micros)
    except (ValueError, OverflowError, OSError):
        raise BadCursor(cursor) from None
    return when, pk


def _followed_q(viewer: User, follows: dict[str, set[int]]) -> Q:
    from knowledgehub.communities.models import Membership

    through = Item.tags.through
    q = Q(community_id__in=Membership.objects.filter(user_id=viewer.pk).values("community_id"))
    if follows[TargetKind.PERSON]:
        q |= Q(actor_id__in=sorted(follows[TargetKind.PERSON]))
    if follows[TargetKind.COMMUNITY]:
        q |= Q(community_id__in=sorted(follows[TargetKind.COMMUNITY]))
    if follows[TargetKind.FEED]:
        q |= Q(source_id__in=sorted(follows[TargetKind.FEED]))
    if follows[TargetKind.ORGANISATION]:
        q |= Q(item__organisation_id__in=sorted(follows[TargetKind.ORGANISATION]))
    if follows[TargetKind.TAG]:
        q |= Q(
            Exists(
                through.objects.filter(
                    item_id=OuterRef("item_id"), tag_id__in=sorted(follows[TargetKind.TAG])
                )
            )
        )
    if follows[TargetKind.THEME]:
        q |= Q(
            Exists(_themed(viewer, follows[TargetKind.THEME]).filter(item_id=OuterRef("item_id")))
        )
    return q


def _themed(viewer: User, theme_ids: set[int]) -> QuerySet[Any]:
    """Memberships of the followed themes the viewer may still see (a community's themes stop
    counting when they leave it); the items themselves pass the visibility rule separately."""
    from knowledgehub.themes.models import ThemeItem
    from knowledgehub.themes.services import visible_themes

    visible = visible_themes(viewer, active_only=False).filter(pk__in=sorted(theme_ids))
    return ThemeItem.objects.filter(theme__in=visible.values("pk"))


def stream_queryset(viewer: User, follows: dict[str, set[int]] | None = None) -> QuerySet[Activity]:
    """Every activity for ``viewer``'s stream that they may see, newest first."""
    if follows is None:
        follows = followed_ids(viewer)
    return (
        Activity.objects.filter(_followed_q(viewer, follows))
        .filter(visibility_q(viewer, prefix="item__"))
        .exclude(actor_id=viewer.pk)
        .order_by("-created_at", "-id")
    )


def stream(
    viewer: User, *, order: str = "newest", before: str = "", page_size: int = PAGE_SIZE
) -> StreamPage:
    """One page of ``viewer``'s stream. ``before`` is the ``next_cursor`` of the previous page
    (raises :class:`BadCursor` when it is not one). ``order`` is "newest" or "relevant"."""
    if order not in ORDERS:
        order = "newest"
    follows = followed_ids(viewer)
    qs = stream_queryset(viewer, follows)
    if before:
        when, pk = decode_cursor(before)
        qs = qs.filter(Q(created_at__lt=when) | Q(created_at=when, id__lt=pk))
    size = RELEVANT_WINDOW if order == "relevant" else page_size
    rows = list(
        qs.select_related("actor", "item", "item__community", "community", "source")[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    cards = group(rows)
    if order == "relevant" and cards:
        rank(cards, viewer, follows)
    return StreamPage(
        cards=cards,
        activities=rows,
        next_cursor=encode_cursor(rows[-1]) if more and rows else "",
        order=order,
    )


def group(activities: list[Activity]) -> list[Card]:
    """Cards in order of their newest activity; activities sharing a group key share a card."""
    cards: dict[str, Card] = {}
    for a in activities:
        key = a.group_key or f"activity:{a.pk}"
        card = cards.get(key)
        if card is None:
            card = cards[key] = Card(key=key, verb=a.verb, item=a.item)
        card.activities.append(a)
    return list(cards.values())


def rank(cards: list[Card], viewer: User, follows: dict[str, set[int]]) -> None:
    """Sort ``cards`` by relevance: follow weight * interactions * freshness (see
    docs/architecture.md). Three queries for the page, whatever its size."""
    from knowledgehub.communities.models import Membership
    from knowledgehub.discussions.models import Comment, Reaction

    item_ids = {c.item.pk for c in cards}
    reactions = dict(
        Reaction.objects.filter(item_id__in=item_ids)
        .values_list("item_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    comments = dict(
        Comment.objects.filter(item_id__in=item_ids, is_hidden=False)
        .values_list("item_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    followed_tags = follows[TargetKind.TAG]
    tagged: set[int] = set()
    if followed_tags:
        through = Item.tags.through
        tagged = set(
            through.objects.filter(item_id__in=item_ids, tag_id__in=followed_tags).values_list(
                "item_id", flat=True
            )
        )
    themed: set[int] = set()
    if follows[TargetKind.THEME]:
        themed = set(
            _themed(viewer, follows[TargetKind.THEME])
            .filter(item_id__in=item_ids)
            .values_list("item_id", flat=True)
        )
    member_of = set(
        Membership.objects.filter(user_id=viewer.pk).values_list("community_id", flat=True)
    )
    now = timezone.now()
    for card in cards:
        weight = follow_weight(
            card, follows, member_of, card.item.pk in tagged, themed=card.item.pk in themed
        )
        interactions = reactions.get(card.item.pk, 0) + 2 * comments.get(card.item.pk, 0)
        card.score = score(
            weight=weight,
            interactions=interactions,
            group_size=card.count,
            age_hours=max(0.0, (now - card.latest.created_at).total_seconds() / 3600),
        )
    cards.sort(key=lambda c: (-c.score, -c.latest.created_at.timestamp(), -c.latest.pk))


def follow_weight(
    card: Card,
    follows: dict[str, set[int]],
    member_of: set[int],
    tagged: bool,
    *,
    themed: bool = False,
) -> float:
    weight = 0.0
    actors = {a.actor_id for a in card.activities if a.actor_id is not None}
    if actors & follows[TargetKind.PERSON]:
        weight += WEIGHTS[TargetKind.PERSON]
    community_id = card.latest.community_id
    if community_id is not None and community_id in follows[TargetKind.COMMUNITY]:
        weight += WEIGHTS[TargetKind.COMMUNITY]
    elif community_id is not None and community_id in member_of:
        weight += WEIGHTS["member"]
    if tagged:
        weight += WEIGHTS[TargetKind.TAG]
    if themed:
        weight += WEIGHTS[TargetKind.THEME]
    if card.item.organisation_id in follows[TargetKind.ORGANISATION]:
        weight += WEIGHTS[TargetKind.ORGANISATION]
    if card.latest.source_id is not None and card.latest.source_id in follows[TargetKind.FEED]:
        weight += WEIGHTS[TargetKind.FEED]
    return max(weight, 1.0)


def score(*, weight: float, interactions: int, group_size: int, age_hours: float) -> float:
    """weight * (1 + ln(1 + interactions)) * (1 + ln(group size)) * 2^(-age / half-life)."""
    return (
        weight
        * (1 + math.log1p(max(0, interactions)))
        * (1 + math.log(max(1, group_size)))
        * 0.5 ** (age_hours / HALF_LIFE_HOURS)
    )


__all__ = ["BadCursor", "Card", "StreamPage", "Verb", "stream", "stream_queryset"]
