"""Following: what can be followed, by whom, and the lists of followers and following.

A target is a person, community, tag, organisation, incoming feed source or theme. Nobody may
follow what they may not see (a secret community they are not in, a feed none of whose follows they
may see, a community's theme when not a member), and the lists only ever show people and
communities the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from .choices import TargetKind
from .models import Follow

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from knowledgehub.people.models import User


class FollowError(Exception):
    """A follow that is not allowed; the message is in plain words."""


def _models() -> dict[str, type[models.Model]]:
    from knowledgehub.aggregator.models import FeedSource
    from knowledgehub.communities.models import Community
    from knowledgehub.knowledge.models import Tag
    from knowledgehub.organisations.models import Organisation
    from knowledgehub.people.models import User
    from knowledgehub.themes.models import Theme

    return {
        TargetKind.PERSON: User,
        TargetKind.COMMUNITY: Community,
        TargetKind.TAG: Tag,
        TargetKind.ORGANISATION: Organisation,
        TargetKind.FEED: FeedSource,
        TargetKind.THEME: Theme,
    }


def kind_of(target: models.Model) -> str:
    for kind, model in _models().items():
        if isinstance(target, model):
            return str(kind)
    raise FollowError(_("That cannot be followed."))


def content_type_ids() -> dict[str, int]:
    """Target kind → ContentType id (cached by Django after the first lookup)."""
    return {
        str(kind): ContentType.objects.get_for_model(model).pk for kind, model in _models().items()
    }


def visible_targets(viewer: User | AnonymousUser, kind: str) -> models.QuerySet[Any]:
    """The targets of ``kind`` the viewer may see (and so follow, and find in a list)."""
    from knowledgehub.aggregator.services import visible_subscriptions

    model = _models()[kind]
    manager: Any = model._default_manager
    if kind == TargetKind.PERSON:
        return manager.visible_to(viewer)
    if kind == TargetKind.COMMUNITY:
        return manager.visible_to(viewer)
    if kind == TargetKind.FEED:
        return manager.filter(pk__in=visible_subscriptions(viewer).values("source_id"))
    if kind == TargetKind.THEME:
        from knowledgehub.themes.services import visible_themes

        # Faded themes too: their pages still work, and a follow of one may be undone.
        return visible_themes(viewer, active_only=False)
    return manager.all()


def get_target(viewer: User | AnonymousUser, kind: str, pk: int) -> models.Model | None:
    """The target the viewer may see, or None (unknown kind, missing or not visible)."""
    if kind not in _models():
        return None
    return visible_targets(viewer, kind).filter(pk=pk).first()


def _key(target: models.Model) -> tuple[int, int]:
    return ContentType.objects.get_for_model(type(target)).pk, int(target.pk)


def follow(user: User, target: models.Model) -> Follow:
    """``user`` follows ``target`` (idempotent). Refuses what they may not see, and themselves."""
    kind = kind_of(target)
    if kind == TargetKind.PERSON and target.pk == user.pk:
        raise FollowError(_("You cannot follow yourself."))
    if not visible_targets(user, kind).filter(pk=target.pk).exists():
        raise FollowError(_("That cannot be followed."))
    content_type_id, object_id = _key(target)
    try:
        with transaction.atomic():
            made, _created = Follow.objects.get_or_create(
                follower=user, content_type_id=content_type_id, object_id=object_id
            )
    except IntegrityError:  # a double click raced us
        made = Follow.objects.get(
            follower=user, content_type_id=content_type_id, object_id=object_id
        )
    return made


def unfollow(user: User, target: models.Model) -> bool:
    """Stop following (always allowed, even what one can no longer see). True if it was on."""
    content_type_id, object_id = _key(target)
    deleted, _counts = Follow.objects.filter(
        follower=user, content_type_id=content_type_id, object_id=object_id
    ).delete()
    return bool(deleted)


def is_following(user: User | AnonymousUser, target: models.Model) -> bool:
    if not user.is_authenticated:
        return False
    content_type_id, object_id = _key(target)
    return Follow.objects.filter(
        follower_id=user.pk, content_type_id=content_type_id, object_id=object_id
    ).exists()


def followers_of(target: models.Model, *, viewer: User | AnonymousUser) -> models.QuerySet[Any]:
    """The people following ``target`` whom ``viewer`` may see."""
    from knowledgehub.people.models import User

    content_type_id, object_id = _key(target)
    ids = Follow.objects.filter(content_type_id=content_type_id, object_id=object_id).values(
        "follower_id"
    )
    return User.objects.visible_to(viewer).filter(pk__in=ids).order_by("name", "username")


@dataclass
class FollowingGroup:
    kind: str
    label: str
    targets: list[Any]


def following(user: User, *, viewer: User | AnonymousUser) -> list[FollowingGroup]:
    """What ``user`` follows, by kind, keeping only targets ``viewer`` may see. One query per
    kind, whatever the number of follows."""
    ct_ids = content_type_ids()
    groups: list[FollowingGroup] = []
    for kind in TargetKind:
        ids = Follow.objects.filter(follower=user, content_type_id=ct_ids[kind]).values("object_id")
        qs = visible_targets(viewer, kind).filter(pk__in=ids)
        if kind == TargetKind.PERSON:
            qs = qs.order_by("name", "username")
        elif kind in (TargetKind.COMMUNITY, TargetKind.TAG, TargetKind.ORGANISATION):
            qs = qs.order_by("name")
        elif kind == TargetKind.THEME:
            qs = qs.order_by("label", "pk")
        else:
            qs = qs.order_by("title", "url")
        groups.append(FollowingGroup(str(kind), str(kind.label), list(qs)))
    return groups


def followed_ids(user: User) -> dict[str, set[int]]:
    """Ids of everything ``user`` follows, by kind, in one query."""
    by_ct = {ct: kind for kind, ct in content_type_ids().items()}
    out: dict[str, set[int]] = {str(kind): set() for kind in TargetKind}
    for ct, object_id in Follow.objects.filter(follower_id=user.pk).values_list(
        "content_type_id", "object_id"
    ):
        kind = by_ct.get(ct)
        if kind is not None:
            out[kind].add(int(object_id))
    return out
