"""The one visibility rule.

Every read of knowledge goes through one of two doors that must always agree (a hypothesis
property test proves it): ``Item.objects.visible_to(user)`` for lists and ``can_view(user, item)``
for one item.

The rule, in words:
0. An item hidden by moderation is seen only by its author, its community's facilitators and
   owner, and site admins (on top of the rest of the rule: a hidden private item stays private).
1. A private item is seen by its author only.
2. An item in a secret community is seen only by that community's members (and its author, and
   site admins): a secret community is a 404 to outsiders everywhere, whatever the item's audience.
3. Otherwise a public item is seen by anyone; a members item by anyone signed in; a community item
   by the community's current members (a former member loses access at once).
4. Authors always see their own items; site admins see every item that is not private.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

from .choices import Audience

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from knowledgehub.people.models import User

    from .models import Item

# communities.choices.Visibility.SECRET, kept literal to avoid an import cycle
SECRET_VISIBILITY = "secret"  # noqa: S105 (a visibility name, not a password)


# communities.choices.MANAGER_ROLES, kept literal for the same reason
MANAGER_ROLE_NAMES = ("owner", "facilitator")


def _member_community_ids(user: User) -> models.QuerySet[Any]:
    from knowledgehub.communities.models import Membership

    return Membership.objects.filter(user_id=user.pk).values("community_id")


def _managed_community_ids(user: User) -> models.QuerySet[Any]:
    from knowledgehub.communities.models import Membership

    return Membership.objects.filter(user_id=user.pk, role__in=MANAGER_ROLE_NAMES).values(
        "community_id"
    )


def visibility_q(user: User | AnonymousUser, prefix: str = "") -> Q:
    """The rule as a Q object over Item fields; ``prefix`` lets other models filter through a
    relation to Item (e.g. ``prefix="item__"``)."""
    p = prefix
    not_secret = Q(**{f"{p}community__isnull": True}) | ~Q(
        **{f"{p}community__visibility": SECRET_VISIBILITY}
    )
    not_hidden = Q(**{f"{p}is_hidden": False})
    if not user.is_authenticated:
        return Q(**{f"{p}audience": Audience.PUBLIC}) & not_secret & not_hidden
    own = Q(**{f"{p}author_id": user.pk})
    if user.is_superuser:
        return own | ~Q(**{f"{p}audience": Audience.PRIVATE})
    member_of = _member_community_ids(user)
    in_member_community = Q(**{f"{p}community_id__in": member_of})
    audience_ok = Q(**{f"{p}audience__in": [Audience.PUBLIC, Audience.MEMBERS]}) | (
        Q(**{f"{p}audience": Audience.COMMUNITY}) & in_member_community
    )
    moderated_ok = not_hidden | Q(**{f"{p}community_id__in": _managed_community_ids(user)})
    return own | (audience_ok & (not_secret | in_member_community) & moderated_ok)


class ItemQuerySet(models.QuerySet["Item"]):
    def visible_to(self, user: User | AnonymousUser) -> ItemQuerySet:
        return self.filter(visibility_q(user))


def can_view(user: User | AnonymousUser, item: Item) -> bool:
    """The rule for one item, in Python; must agree with ``visibility_q``."""
    if user.is_authenticated and item.author_id is not None and item.author_id == user.pk:
        return True
    if item.audience == Audience.PRIVATE:
        return False
    if user.is_authenticated and user.is_superuser:
        return True
    community = item.community
    membership = (
        community.memberships.filter(user_id=user.pk).first()
        if user.is_authenticated and community is not None
        else None
    )
    is_member = membership is not None
    if item.is_hidden and not (membership is not None and membership.role in MANAGER_ROLE_NAMES):
        return False
    if community is not None and community.visibility == SECRET_VISIBILITY and not is_member:
        return False
    if item.audience == Audience.PUBLIC:
        return True
    if item.audience == Audience.MEMBERS:
        return bool(user.is_authenticated)
    if item.audience == Audience.COMMUNITY:
        return bool(is_member)
    return False
