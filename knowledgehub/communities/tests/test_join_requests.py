from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from knowledgehub.communities import services
from knowledgehub.communities.choices import RequestStatus, Role, Visibility
from knowledgehub.communities.models import Community, JoinRequest, Membership
from knowledgehub.people.models import User
from knowledgehub.testing.factories import JoinRequestFactory, UserFactory, community_with

from .helpers import messages_of

pytestmark = pytest.mark.django_db

REFUSED = "Only the community's owner and facilitators can do that."


def request_url(community: Community) -> str:
    return reverse("communities:request", kwargs={"slug": community.slug})


def decide_url(join_request: JoinRequest, decision: str) -> str:
    return reverse(
        "communities:decide",
        kwargs={"slug": join_request.community.slug, "pk": join_request.pk, "decision": decision},
    )


@pytest.fixture
def restricted(alice: User, bob: User) -> Community:
    """Restricted: alice owns it, bob facilitates it."""
    return community_with(alice, visibility=Visibility.RESTRICTED, facilitators=(bob,))


def test_asking_to_join_creates_a_pending_request(
    client: Client, restricted: Community, carol: User
) -> None:
    client.force_login(carol)
    assert client.get(request_url(restricted)).status_code == 200

    response = client.post(request_url(restricted), {"message": "I run our food waste service."})

    assert response.status_code == 302
    assert response["Location"] == restricted.get_absolute_url()
    join_request = JoinRequest.objects.get()
    assert (join_request.user, join_request.community, join_request.status) == (
        carol,
        restricted,
        RequestStatus.PENDING,
    )
    assert join_request.message == "I run our food waste service."
    assert not Membership.objects.filter(user=carol, community=restricted).exists()
    page = client.get(restricted.get_absolute_url()).content.decode()
    assert "You have asked to join. A facilitator will decide soon." in page


def test_asking_twice_keeps_one_pending_request(
    client: Client, restricted: Community, carol: User
) -> None:
    client.force_login(carol)
    client.post(request_url(restricted), {"message": "first"})
    client.post(request_url(restricted), {"message": "second"})
    assert JoinRequest.objects.filter(user=carol, status=RequestStatus.PENDING).count() == 1


def test_a_member_cannot_ask_to_join(client: Client, restricted: Community, bob: User) -> None:
    client.force_login(bob)
    response = client.post(request_url(restricted), {"message": ""})
    assert messages_of(response) == ["You are already a member of this community."]
    assert not JoinRequest.objects.exists()


def test_the_request_form_is_only_for_restricted_communities(
    client: Client, alice: User, carol: User
) -> None:
    community = community_with(alice, visibility=Visibility.OPEN)
    client.force_login(carol)
    response = client.get(request_url(community))
    assert response.status_code == 302
    assert response["Location"] == community.get_absolute_url()
    with pytest.raises(services.CommunityError):
        services.join_request_create(user=carol, community=community)


def test_managers_see_pending_requests_and_members_do_not(
    client: Client, restricted: Community, alice: User, bob: User, carol: User, dave: User
) -> None:
    JoinRequestFactory(community=restricted, user=carol, message="Hello from Carol")
    member = UserFactory()
    Membership.objects.create(community=restricted, user=member, role=Role.MEMBER)
    for manager in (alice, bob):
        client.force_login(manager)
        assert "Hello from Carol" in client.get(restricted.get_absolute_url()).content.decode()
    client.force_login(member)
    assert "Hello from Carol" not in client.get(restricted.get_absolute_url()).content.decode()


@pytest.mark.parametrize("manager_name", ["alice", "bob"])
def test_a_facilitator_or_owner_approves(
    client: Client,
    restricted: Community,
    carol: User,
    manager_name: str,
    request: pytest.FixtureRequest,
) -> None:
    manager: User = request.getfixturevalue(manager_name)
    join_request = JoinRequestFactory(community=restricted, user=carol)
    client.force_login(manager)

    response = client.post(decide_url(join_request, "approve"))

    assert response.status_code == 302
    assert messages_of(response) == [f"{carol.display_name} is now a member."]
    join_request.refresh_from_db()
    assert join_request.status == RequestStatus.APPROVED
    assert join_request.decided_by == manager
    assert join_request.decided_at is not None
    assert Membership.objects.get(user=carol, community=restricted).role == Role.MEMBER


def test_a_facilitator_rejects(
    client: Client, restricted: Community, bob: User, carol: User
) -> None:
    join_request = JoinRequestFactory(community=restricted, user=carol)
    client.force_login(bob)

    response = client.post(decide_url(join_request, "reject"))

    assert messages_of(response) == ["Request declined."]
    join_request.refresh_from_db()
    assert join_request.status == RequestStatus.REJECTED
    assert join_request.decided_by == bob
    assert not Membership.objects.filter(user=carol, community=restricted).exists()


@pytest.mark.parametrize("first, second", [("approve", "reject"), ("reject", "approve")])
def test_a_request_is_decided_only_once(
    client: Client,
    restricted: Community,
    alice: User,
    bob: User,
    carol: User,
    first: str,
    second: str,
) -> None:
    join_request = JoinRequestFactory(community=restricted, user=carol)
    client.force_login(bob)
    client.post(decide_url(join_request, first))
    client.force_login(alice)

    response = client.post(decide_url(join_request, second))

    assert messages_of(response) == ["That request has already been decided."]
    join_request.refresh_from_db()
    expected = RequestStatus.APPROVED if first == "approve" else RequestStatus.REJECTED
    assert join_request.status == expected
    assert join_request.decided_by == bob
    assert Membership.objects.filter(user=carol, community=restricted).exists() is (
        first == "approve"
    )


def test_a_plain_member_cannot_decide(client: Client, restricted: Community, carol: User) -> None:
    member = UserFactory()
    Membership.objects.create(community=restricted, user=member, role=Role.MEMBER)
    join_request = JoinRequestFactory(community=restricted, user=carol)
    client.force_login(member)

    response = client.post(decide_url(join_request, "approve"))

    assert response.status_code == 302
    assert messages_of(response) == [REFUSED]
    join_request.refresh_from_db()
    assert join_request.status == RequestStatus.PENDING
    assert join_request.decided_by is None
    assert not Membership.objects.filter(user=carol, community=restricted).exists()


def test_an_outsider_cannot_decide_even_their_own_request(
    client: Client, restricted: Community, carol: User
) -> None:
    join_request = JoinRequestFactory(community=restricted, user=carol)
    client.force_login(carol)
    response = client.post(decide_url(join_request, "approve"))
    assert messages_of(response) == [REFUSED]
    assert JoinRequest.objects.get().status == RequestStatus.PENDING
    assert not Membership.objects.filter(user=carol, community=restricted).exists()


def test_a_site_admin_who_is_not_a_manager_is_refused(
    client: Client, restricted: Community, carol: User, dave: User
) -> None:
    join_request = JoinRequestFactory(community=restricted, user=carol)
    client.force_login(dave)
    response = client.post(decide_url(join_request, "approve"))
    assert messages_of(response) == [REFUSED]
    assert JoinRequest.objects.get().status == RequestStatus.PENDING


def test_an_unknown_decision_or_another_communitys_request_is_404(
    client: Client, restricted: Community, alice: User, bob: User, carol: User
) -> None:
    join_request = JoinRequestFactory(community=restricted, user=carol)
    client.force_login(bob)
    assert client.post(decide_url(join_request, "maybe")).status_code == 404
    # bob facilitates "other" too, but the request belongs to "restricted".
    other = community_with(alice, visibility=Visibility.RESTRICTED, facilitators=(bob,))
    wrong = reverse(
        "communities:decide",
        kwargs={"slug": other.slug, "pk": join_request.pk, "decision": "approve"},
    )
    assert client.post(wrong).status_code == 404
    assert JoinRequest.objects.get().status == RequestStatus.PENDING


def test_deciding_needs_a_post(
    client: Client, restricted: Community, bob: User, carol: User
) -> None:
    join_request = JoinRequestFactory(community=restricted, user=carol)
    client.force_login(bob)
    assert client.get(decide_url(join_request, "approve")).status_code == 405
    assert JoinRequest.objects.get().status == RequestStatus.PENDING


def test_after_a_rejection_a_person_may_ask_again(
    client: Client, restricted: Community, bob: User, carol: User
) -> None:
    join_request = JoinRequestFactory(community=restricted, user=carol)
    services.join_request_decide(actor=bob, join_request=join_request, approve=False)
    client.force_login(carol)
    client.post(request_url(restricted), {"message": "Second try"})
    assert JoinRequest.objects.filter(user=carol, status=RequestStatus.PENDING).count() == 1
