from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.communities.models import Community, Membership
from knowledgehub.people.models import User
from knowledgehub.testing.factories import community_with

from .helpers import messages_of

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def url(name: str, community: Community) -> str:
    return reverse(f"communities:{name}", kwargs={"slug": community.slug})


def is_member(user: User, community: Community) -> bool:
    return Membership.objects.filter(user=user, community=community).exists()


def test_anyone_signed_in_can_join_an_open_community(
    client: Client, alice: User, carol: User
) -> None:
    community = community_with(alice, visibility=Visibility.OPEN)
    client.force_login(carol)

    response = client.post(url("join", community))

    assert response.status_code == 302
    assert response["Location"] == community.get_absolute_url()
    assert Membership.objects.get(user=carol, community=community).role == Role.MEMBER
    assert messages_of(response) == [f"You have joined {community.name}."]


def test_joining_twice_changes_nothing(client: Client, alice: User, carol: User) -> None:
    community = community_with(alice, visibility=Visibility.OPEN)
    client.force_login(carol)
    client.post(url("join", community))
    client.post(url("join", community))
    assert Membership.objects.filter(user=carol, community=community).count() == 1


def test_joining_needs_a_signed_in_post(client: Client, alice: User, carol: User) -> None:
    community = community_with(alice, visibility=Visibility.OPEN)
    response = client.post(url("join", community))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client.force_login(carol)
    assert client.get(url("join", community)).status_code == 405
    assert not is_member(carol, community)


def test_htmx_join_and_leave_return_the_membership_panel(
    client: Client, alice: User, carol: User
) -> None:
    community = community_with(alice, visibility=Visibility.OPEN)
    client.force_login(carol)

    joined = client.post(url("join", community), headers=HTMX)

    assert joined.status_code == 200
    assert joined.templates[0].name == "communities/_membership_panel.html"
    body = joined.content.decode()
    assert body.startswith('<div id="membership-panel"')
    assert "<html" not in body
    assert "You are a member of this community." in body
    assert url("leave", community) in body
    assert f"You have joined {community.name}." in body  # announced in the status region
    assert is_member(carol, community)

    left = client.post(url("leave", community), headers=HTMX)

    assert left.status_code == 200
    body = left.content.decode()
    assert body.startswith('<div id="membership-panel"')
    assert "<html" not in body
    assert url("join", community) in body
    assert f"You have left {community.name}." in body
    assert not is_member(carol, community)


def test_without_htmx_leaving_redirects_to_the_community(
    client: Client, alice: User, bob: User
) -> None:
    community = community_with(alice, visibility=Visibility.OPEN, members=(bob,))
    client.force_login(bob)
    response = client.post(url("leave", community))
    assert response.status_code == 302
    assert response["Location"] == community.get_absolute_url()
    assert not is_member(bob, community)


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_the_owner_cannot_leave(client: Client, alice: User, headers: dict[str, str]) -> None:
    community = community_with(alice, visibility=Visibility.OPEN)
    client.force_login(alice)

    response = client.post(url("leave", community), headers=headers)

    assert Membership.objects.get(user=alice, community=community).role == Role.OWNER
    refusal = "You own this community. Make someone else the owner before you leave."
    if headers:  # the panel shows (and so uses up) the message
        assert response.status_code == 200
        assert refusal in response.content.decode()
        assert '<p class="govuk-body">You own this community.</p>' in response.content.decode()
    else:
        assert response.status_code == 302
        assert messages_of(response) == [refusal]


def test_a_facilitator_can_leave(client: Client, alice: User, bob: User) -> None:
    community = community_with(alice, visibility=Visibility.RESTRICTED, facilitators=(bob,))
    client.force_login(bob)
    client.post(url("leave", community))
    assert not is_member(bob, community)


def test_joining_a_restricted_community_redirects_to_the_request_form(
    client: Client, alice: User, carol: User
) -> None:
    community = community_with(alice, visibility=Visibility.RESTRICTED)
    client.force_login(carol)

    for headers in ({}, HTMX):
        response = client.post(url("join", community), headers=headers)
        assert response.status_code == 302
        assert response["Location"] == url("request", community)
    assert not is_member(carol, community)
    assert client.get(url("request", community)).status_code == 200


def test_a_private_community_cannot_be_joined_directly(
    client: Client, alice: User, carol: User
) -> None:
    community = community_with(alice, visibility=Visibility.PRIVATE)
    client.force_login(carol)

    response = client.post(url("join", community))

    assert response.status_code == 302
    assert not is_member(carol, community)
    assert messages_of(response) == [
        "This community is not open: ask to join or wait for an invitation."
    ]
    page = client.get(community.get_absolute_url())
    assert "This community is by invitation only." in page.content.decode()
    assert url("join", community) not in page.content.decode()


def test_a_private_community_takes_no_requests_to_join(
    client: Client, alice: User, carol: User
) -> None:
    community = community_with(alice, visibility=Visibility.PRIVATE)
    client.force_login(carol)
    response = client.post(url("request", community), {"message": "Please"})
    assert response.status_code == 302
    assert response["Location"] == community.get_absolute_url()
    assert not community.join_requests.exists()


def test_a_secret_community_cannot_be_joined_by_an_outsider(
    client: Client, alice: User, carol: User
) -> None:
    community = community_with(alice, visibility=Visibility.SECRET)
    client.force_login(carol)
    assert client.post(url("join", community)).status_code == 404
    assert client.post(url("join", community), headers=HTMX).status_code == 404
    assert not is_member(carol, community)


def test_leaving_a_secret_community_goes_back_to_the_list(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    community = community_with(alice, visibility=Visibility.SECRET, members=(bob, carol))
    client.force_login(bob)
    response = client.post(url("leave", community))
    assert response.status_code == 302
    assert response["Location"] == reverse("communities:list")
    assert not is_member(bob, community)
    assert client.get(community.get_absolute_url()).status_code == 404

    client.force_login(carol)
    response = client.post(url("leave", community), headers=HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("communities:list")
    assert not is_member(carol, community)


def test_the_membership_panel_offers_the_right_action(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    open_ = community_with(alice, visibility=Visibility.OPEN, members=(bob,))
    restricted = community_with(alice, visibility=Visibility.RESTRICTED)

    anonymous_page = client.get(open_.get_absolute_url()).content.decode()
    assert "Sign in to join" in anonymous_page
    client.force_login(carol)
    assert url("join", open_) in client.get(open_.get_absolute_url()).content.decode()
    assert "Ask to join" in client.get(restricted.get_absolute_url()).content.decode()
    client.force_login(bob)
    member_page = client.get(open_.get_absolute_url()).content.decode()
    assert url("leave", open_) in member_page
    client.force_login(alice)
    owner_page = client.get(open_.get_absolute_url()).content.decode()
    assert url("leave", open_) not in owner_page
