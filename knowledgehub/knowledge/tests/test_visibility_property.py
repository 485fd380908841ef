"""The one visibility rule: ``Item.objects.visible_to(user)`` and ``can_view(user, item)`` agree
for every viewer role, item audience and community visibility, and both say what the rule means."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledgehub.communities import services
from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.communities.models import Community
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.visibility import can_view
from knowledgehub.people.models import User
from knowledgehub.testing.factories import (
    CommunityFactory,
    ItemFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
NON_MEMBER = "non-member"
MEMBER = "member"
FACILITATOR = "facilitator"
OWNER = "owner"
FORMER_MEMBER = "former member"
ADMIN = "site admin"
AUTHOR = "author"
ROLES = [ANONYMOUS, NON_MEMBER, MEMBER, FACILITATOR, OWNER, FORMER_MEMBER, ADMIN, AUTHOR]
MEMBER_ROLES = {MEMBER, FACILITATOR, OWNER}

NO_COMMUNITY = "none"
PLACES = [NO_COMMUNITY, *Visibility.values]  # no community, open, restricted, private, secret
AUDIENCES = list(Audience.values)


def intended(role: str, audience: str, place: str, hidden: bool = False) -> bool:
    """The rule in words (knowledge/visibility.py), written independently of both doors."""
    if role == AUTHOR:
        return True
    if audience == Audience.PRIVATE:
        return False
    if role == ADMIN:
        return True
    if hidden and not (role in (FACILITATOR, OWNER) and place != NO_COMMUNITY):
        return False
    is_member = role in MEMBER_ROLES and place != NO_COMMUNITY
    if place == Visibility.SECRET and not is_member:
        return False
    if audience == Audience.PUBLIC:
        return True
    if audience == Audience.MEMBERS:
        return role != ANONYMOUS
    return is_member  # Audience.COMMUNITY


@dataclass
class Scene:
    viewer: User | AnonymousUser
    item: Item
    community: Community | None


def build(
    role: str,
    audience: str,
    place: str,
    *,
    author_is_member: bool = False,
    has_author: bool = True,
    hidden: bool = False,
) -> Scene:
    """One item and one viewer whose relation to the item's community is ``role``."""
    community = None if place == NO_COMMUNITY else CommunityFactory(visibility=place)
    author = UserFactory() if has_author or role == AUTHOR else None
    if community is not None and author is not None and author_is_member:
        MembershipFactory(community=community, user=author)
    viewer: User | AnonymousUser
    if role == ANONYMOUS:
        viewer = AnonymousUser()
    elif role == AUTHOR:
        assert author is not None
        viewer = author
    elif role == ADMIN:
        viewer = UserFactory(is_superuser=True, is_staff=True)
    else:
        viewer = UserFactory()
        if community is not None and role in (*MEMBER_ROLES, FORMER_MEMBER):
            membership_role = {OWNER: Role.OWNER, FACILITATOR: Role.FACILITATOR}.get(
                role, Role.MEMBER
            )
            MembershipFactory(community=community, user=viewer, role=membership_role)
            if role == FORMER_MEMBER:
                services.community_leave(user=viewer, community=community)
    item = ItemFactory(author=author, community=community, audience=audience, is_hidden=hidden)
    return Scene(viewer=viewer, item=item, community=community)


def list_door(viewer: User | AnonymousUser, item: Item) -> bool:
    return Item.objects.visible_to(viewer).filter(pk=item.pk).exists()


def one_door(viewer: User | AnonymousUser, item: Item) -> bool:
    # A fresh instance, as a detail view would load it: nothing cached from building the scene.
    return can_view(viewer, Item.objects.get(pk=item.pk))


def valid(audience: str, place: str) -> bool:
    # A community-audience item needs a community (a database check constraint).
    return not (audience == Audience.COMMUNITY and place == NO_COMMUNITY)


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    role=st.sampled_from(ROLES),
    audience=st.sampled_from(AUDIENCES),
    place=st.sampled_from(PLACES),
    author_is_member=st.booleans(),
    has_author=st.booleans(),
    decoy_place=st.sampled_from(PLACES),
    hidden=st.booleans(),
)
def test_list_door_and_item_door_agree(
    role: str,
    audience: str,
    place: str,
    author_is_member: bool,
    has_author: bool,
    decoy_place: str,
    hidden: bool,
) -> None:
    if not valid(audience, place):
        return
    scene = build(
        role,
        audience,
        place,
        author_is_member=author_is_member,
        has_author=has_author,
        hidden=hidden,
    )
    # A decoy: the viewer belongs to some *other* community; that membership must not open this
    # item's community to them.
    if isinstance(scene.viewer, User) and decoy_place != NO_COMMUNITY:
        MembershipFactory(community=CommunityFactory(visibility=decoy_place), user=scene.viewer)

    listed = list_door(scene.viewer, scene.item)
    single = one_door(scene.viewer, scene.item)
    assert listed == single, (role, audience, place, hidden, listed, single)
    assert single == intended(role, audience, place, hidden), (role, audience, place, hidden)


@pytest.mark.parametrize("role", ROLES)
def test_both_doors_agree_over_a_whole_world(role: str) -> None:
    """Every audience and place at once, so a list query that leaks across communities shows up."""
    scenes = [
        build(role, audience, place, hidden=hidden)
        for audience in AUDIENCES
        for place in PLACES
        for hidden in (False, True)
        if valid(audience, place)
    ]
    # Each scene made its own viewer (a stranger to every other scene's community); for each of
    # them the list door must return exactly the items the item door allows, and no others.
    for scene in scenes:
        viewer = scene.viewer
        listed = set(Item.objects.visible_to(viewer).values_list("pk", flat=True))
        allowed = {item.pk for item in Item.objects.all() if can_view(viewer, item)}
        assert listed == allowed


@pytest.mark.parametrize(
    ("role", "audience", "place", "sees"),
    [
        # Anonymous: only public items outside secret communities.
        (ANONYMOUS, Audience.PUBLIC, NO_COMMUNITY, True),
        (ANONYMOUS, Audience.PUBLIC, Visibility.OPEN, True),
        (ANONYMOUS, Audience.PUBLIC, Visibility.PRIVATE, True),
        (ANONYMOUS, Audience.PUBLIC, Visibility.SECRET, False),
        (ANONYMOUS, Audience.MEMBERS, NO_COMMUNITY, False),
        (ANONYMOUS, Audience.COMMUNITY, Visibility.OPEN, False),
        (ANONYMOUS, Audience.PRIVATE, NO_COMMUNITY, False),
        # Signed in: public and members items, not community items of communities they are not in.
        (NON_MEMBER, Audience.MEMBERS, NO_COMMUNITY, True),
        (NON_MEMBER, Audience.MEMBERS, Visibility.RESTRICTED, True),
        (NON_MEMBER, Audience.COMMUNITY, Visibility.OPEN, False),
        (NON_MEMBER, Audience.COMMUNITY, Visibility.PRIVATE, False),
        # A secret community's items, even public ones, are invisible to non-members.
        (NON_MEMBER, Audience.PUBLIC, Visibility.SECRET, False),
        (NON_MEMBER, Audience.MEMBERS, Visibility.SECRET, False),
        (MEMBER, Audience.PUBLIC, Visibility.SECRET, True),
        (MEMBER, Audience.COMMUNITY, Visibility.SECRET, True),
        # Members, facilitators and owners see community items.
        (MEMBER, Audience.COMMUNITY, Visibility.OPEN, True),
        (FACILITATOR, Audience.COMMUNITY, Visibility.RESTRICTED, True),
        (OWNER, Audience.COMMUNITY, Visibility.PRIVATE, True),
        # A former member loses community items (and secret communities) at once.
        (FORMER_MEMBER, Audience.COMMUNITY, Visibility.OPEN, False),
        (FORMER_MEMBER, Audience.PUBLIC, Visibility.SECRET, False),
        (FORMER_MEMBER, Audience.MEMBERS, Visibility.OPEN, True),
        # Private items only to the author, whatever their role.
        (AUTHOR, Audience.PRIVATE, NO_COMMUNITY, True),
        (AUTHOR, Audience.PRIVATE, Visibility.SECRET, True),
        (OWNER, Audience.PRIVATE, Visibility.OPEN, False),
        (MEMBER, Audience.PRIVATE, Visibility.SECRET, False),
        # Authors always see their own items, even in a community they are not (or no longer) in.
        (AUTHOR, Audience.COMMUNITY, Visibility.SECRET, True),
        # Site admins see everything but private items.
        (ADMIN, Audience.COMMUNITY, Visibility.SECRET, True),
        (ADMIN, Audience.PUBLIC, Visibility.SECRET, True),
        (ADMIN, Audience.COMMUNITY, Visibility.PRIVATE, True),
        (ADMIN, Audience.PRIVATE, NO_COMMUNITY, False),
        (ADMIN, Audience.PRIVATE, Visibility.OPEN, False),
    ],
)
def test_intended_semantics(role: str, audience: str, place: str, sees: bool) -> None:
    scene = build(role, audience, place)
    assert list_door(scene.viewer, scene.item) is sees
    assert one_door(scene.viewer, scene.item) is sees


@pytest.mark.parametrize(
    ("role", "place", "sees"),
    [
        (ANONYMOUS, Visibility.OPEN, False),
        (NON_MEMBER, Visibility.OPEN, False),
        (MEMBER, Visibility.OPEN, False),
        (FACILITATOR, Visibility.OPEN, True),
        (OWNER, Visibility.RESTRICTED, True),
        (FORMER_MEMBER, Visibility.OPEN, False),
        (AUTHOR, Visibility.OPEN, True),
        (ADMIN, Visibility.OPEN, True),
        (NON_MEMBER, NO_COMMUNITY, False),
        (ADMIN, NO_COMMUNITY, True),
    ],
)
def test_a_hidden_item_is_seen_by_moderators_and_its_author_only(
    role: str, place: str, sees: bool
) -> None:
    scene = build(role, Audience.PUBLIC, place, hidden=True)
    assert list_door(scene.viewer, scene.item) is sees
    assert one_door(scene.viewer, scene.item) is sees


def test_a_former_member_loses_community_items_at_once() -> None:
    community = CommunityFactory(visibility=Visibility.OPEN)
    member = UserFactory()
    services.community_join(user=member, community=community)
    item = ItemFactory(community=community, audience=Audience.COMMUNITY)
    assert list_door(member, item)
    assert can_view(member, item)

    services.community_leave(user=member, community=community)

    # Same user object, same item object: no cached membership may linger.
    assert not Item.objects.visible_to(member).filter(pk=item.pk).exists()
    assert not can_view(member, item)


def test_anonymous_sees_only_public_items_outside_secret_communities() -> None:
    for audience in AUDIENCES:
        for place in PLACES:
            if valid(audience, place):
                build(NON_MEMBER, audience, place)
    anonymous = AnonymousUser()
    visible = list(Item.objects.visible_to(anonymous).select_related("community"))
    assert visible, "some items must be public"
    for item in visible:
        assert item.audience == Audience.PUBLIC
        assert item.community is None or item.community.visibility != Visibility.SECRET
    expected = Item.objects.filter(audience=Audience.PUBLIC).exclude(
        community__visibility=Visibility.SECRET
    )
    assert {i.pk for i in visible} == set(expected.values_list("pk", flat=True))
