from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from knowledgehub.communities import services
from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.communities.models import Community, Membership
from knowledgehub.people.models import User
from knowledgehub.testing.factories import UserFactory, community_with

from .helpers import messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def erin(db: None) -> User:
    return UserFactory(username="erin", name="Erin Evans")


@pytest.fixture
def community(alice: User, bob: User, carol: User, erin: User) -> Community:
    """alice owns it, bob facilitates it, carol and erin are members."""
    return community_with(
        alice, visibility=Visibility.RESTRICTED, facilitators=(bob,), members=(carol, erin)
    )


def role_of(user: User, community: Community) -> str | None:
    membership = Membership.objects.filter(user=user, community=community).first()
    return membership.role if membership else None


def remove(client: Client, community: Community, user: User) -> Any:
    url = reverse("communities:remove", kwargs={"slug": community.slug, "user_id": user.pk})
    return client.post(url)


def set_role(client: Client, community: Community, user: User, role: str) -> Any:
    url = reverse("communities:role", kwargs={"slug": community.slug, "user_id": user.pk})
    return client.post(url, {"role": role})


def transfer(client: Client, community: Community, user_id: object) -> Any:
    url = reverse("communities:transfer", kwargs={"slug": community.slug})
    return client.post(url, {"user_id": user_id})


MEMBERS_PAGE = "communities:members"


@pytest.mark.parametrize("actor_name", ["alice", "bob"])
def test_owner_or_facilitator_removes_a_member(
    client: Client,
    community: Community,
    carol: User,
    actor_name: str,
    request: pytest.FixtureRequest,
) -> None:
    client.force_login(request.getfixturevalue(actor_name))
    response = remove(client, community, carol)
    assert response.status_code == 302
    assert response["Location"] == reverse(MEMBERS_PAGE, kwargs={"slug": community.slug})
    assert messages_of(response) == [f"{carol.display_name} has been removed."]
    assert role_of(carol, community) is None


def test_a_member_cannot_remove_anyone(
    client: Client, community: Community, carol: User, erin: User
) -> None:
    client.force_login(carol)
    response = remove(client, community, erin)
    assert messages_of(response) == ["Only the community's owner and facilitators can do that."]
    assert role_of(erin, community) == Role.MEMBER


def test_a_facilitator_cannot_remove_a_facilitator(
    client: Client, community: Community, alice: User, bob: User, erin: User
) -> None:
    services.member_set_role(actor=alice, community=community, member=erin, role=Role.FACILITATOR)
    client.force_login(bob)
    response = remove(client, community, erin)
    assert messages_of(response) == ["Only the owner can remove a facilitator."]
    assert role_of(erin, community) == Role.FACILITATOR


def test_the_owner_can_remove_a_facilitator(
    client: Client, community: Community, alice: User, bob: User
) -> None:
    client.force_login(alice)
    remove(client, community, bob)
    assert role_of(bob, community) is None


@pytest.mark.parametrize("actor_name", ["alice", "bob"])
def test_the_owner_cannot_be_removed(
    client: Client,
    community: Community,
    alice: User,
    actor_name: str,
    request: pytest.FixtureRequest,
) -> None:
    client.force_login(request.getfixturevalue(actor_name))
    response = remove(client, community, alice)
    assert messages_of(response) == ["The owner cannot be removed."]
    assert role_of(alice, community) == Role.OWNER


def test_removing_a_non_member_is_404(
    client: Client, community: Community, alice: User, dave: User
) -> None:
    client.force_login(alice)
    assert remove(client, community, dave).status_code == 404


def test_the_owner_sets_roles(
    client: Client, community: Community, alice: User, carol: User
) -> None:
    client.force_login(alice)
    response = set_role(client, community, carol, Role.FACILITATOR)
    assert messages_of(response) == ["Role updated."]
    assert role_of(carol, community) == Role.FACILITATOR
    set_role(client, community, carol, Role.MEMBER)
    assert role_of(carol, community) == Role.MEMBER


def test_a_facilitator_cannot_set_roles(
    client: Client, community: Community, bob: User, carol: User
) -> None:
    client.force_login(bob)
    response = set_role(client, community, carol, Role.FACILITATOR)
    assert messages_of(response) == ["Only the owner can change roles."]
    assert role_of(carol, community) == Role.MEMBER


@pytest.mark.parametrize("role", [Role.OWNER, "admin", ""])
def test_only_facilitator_or_member_can_be_set(
    client: Client, community: Community, alice: User, carol: User, role: str
) -> None:
    client.force_login(alice)
    response = set_role(client, community, carol, role)
    assert messages_of(response) == ["Choose facilitator or member."]
    assert role_of(carol, community) == Role.MEMBER
    assert Membership.objects.filter(community=community, role=Role.OWNER).get().user == alice


def test_the_owners_own_role_cannot_be_set(
    client: Client, community: Community, alice: User
) -> None:
    client.force_login(alice)
    response = set_role(client, community, alice, Role.MEMBER)
    assert messages_of(response) == ["Transfer ownership to change the owner's role."]
    assert role_of(alice, community) == Role.OWNER


def test_the_owner_transfers_ownership(
    client: Client, community: Community, alice: User, carol: User
) -> None:
    client.force_login(alice)
    response = transfer(client, community, carol.pk)

    assert messages_of(response) == [f"{carol.display_name} is now the owner."]
    assert role_of(carol, community) == Role.OWNER
    assert role_of(alice, community) == Role.FACILITATOR
    assert Membership.objects.filter(community=community, role=Role.OWNER).count() == 1
    # The former owner can now leave; the new one cannot.
    client.post(reverse("communities:leave", kwargs={"slug": community.slug}))
    assert role_of(alice, community) is None
    with pytest.raises(services.CommunityError):
        services.community_leave(user=carol, community=community)


def test_a_facilitator_cannot_transfer_ownership(
    client: Client, community: Community, alice: User, bob: User
) -> None:
    client.force_login(bob)
    response = transfer(client, community, bob.pk)
    assert messages_of(response) == ["Only the owner can hand over ownership."]
    assert role_of(alice, community) == Role.OWNER
    assert role_of(bob, community) == Role.FACILITATOR


def test_ownership_goes_only_to_a_member(
    client: Client, community: Community, alice: User, dave: User
) -> None:
    client.force_login(alice)
    assert transfer(client, community, dave.pk).status_code == 404
    response = transfer(client, community, "not a number")
    assert messages_of(response) == ["Choose the member who will become the owner."]
    assert role_of(alice, community) == Role.OWNER
    with pytest.raises(services.CommunityError, match="must already be a member"):
        services.ownership_transfer(actor=alice, community=community, new_owner=dave)


def test_transferring_to_oneself_changes_nothing(community: Community, alice: User) -> None:
    services.ownership_transfer(actor=alice, community=community, new_owner=alice)
    assert role_of(alice, community) == Role.OWNER


def test_the_members_page_offers_actions_by_role(
    client: Client, community: Community, alice: User, bob: User, carol: User
) -> None:
    members_url = reverse(MEMBERS_PAGE, kwargs={"slug": community.slug})
    remove_carol = reverse(
        "communities:remove", kwargs={"slug": community.slug, "user_id": carol.pk}
    )
    remove_bob = reverse("communities:remove", kwargs={"slug": community.slug, "user_id": bob.pk})
    transfer_url = reverse("communities:transfer", kwargs={"slug": community.slug})

    client.force_login(alice)
    owner_page = client.get(members_url).content.decode()
    assert remove_carol in owner_page and remove_bob in owner_page and transfer_url in owner_page

    client.force_login(bob)
    facilitator_page = client.get(members_url).content.decode()
    assert remove_carol in facilitator_page
    assert remove_bob not in facilitator_page
    assert transfer_url not in facilitator_page

    client.force_login(carol)
    member_page = client.get(members_url).content.decode()
    assert remove_carol not in member_page and transfer_url not in member_page
