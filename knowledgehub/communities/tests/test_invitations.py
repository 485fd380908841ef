from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from knowledgehub.communities import services
from knowledgehub.communities.choices import InvitationStatus, Role, Visibility
from knowledgehub.communities.models import Community, Invitation, Membership
from knowledgehub.people.models import User
from knowledgehub.testing.factories import InvitationFactory, UserFactory, community_with

from .helpers import messages_of

pytestmark = pytest.mark.django_db

NO_LONGER_OPEN = "This invitation is no longer open."
WRONG_ADDRESS = "This invitation was sent to a different e-mail address. Sign in with that address."


def invite_url(community: Community) -> str:
    return reverse("communities:invite", kwargs={"slug": community.slug})


def is_member(user: User, community: Community) -> bool:
    return Membership.objects.filter(user=user, community=community).exists()


@pytest.fixture
def private(alice: User, bob: User) -> Community:
    """Private: alice owns it, bob facilitates it."""
    return community_with(alice, visibility=Visibility.PRIVATE, facilitators=(bob,))


def test_inviting_by_email_sends_a_link(
    client: Client,
    private: Community,
    alice: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invite_url(private), {"email": "erin@council.gov.uk"})

    assert response.status_code == 302
    assert messages_of(response) == ["Invitation sent to erin@council.gov.uk."]
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.status, invitation.invited_by) == (
        "erin@council.gov.uk",
        InvitationStatus.PENDING,
        alice,
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["erin@council.gov.uk"]
    assert private.name in message.subject
    assert alice.display_name in message.subject
    link = settings.SITE_URL + reverse("communities:invitation", kwargs={"token": invitation.token})
    assert link in message.body
    html, mimetype = message.alternatives[0]  # type: ignore[attr-defined]
    assert mimetype == "text/html"
    assert f'href="{link}"' in html


def test_no_email_is_sent_if_the_invitation_is_refused(
    client: Client,
    private: Community,
    alice: User,
    bob: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invite_url(private), {"email": bob.email.upper()})
    assert response.status_code == 400
    assert response.context["invite_form"].errors["email"] == [
        f"{bob.email.upper()} is already a member."
    ]
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_the_same_address_cannot_be_invited_twice_while_pending(
    client: Client, private: Community, alice: User
) -> None:
    client.force_login(alice)
    client.post(invite_url(private), {"email": "erin@council.gov.uk"})
    response = client.post(invite_url(private), {"email": "Erin@Council.gov.uk"})
    assert response.status_code == 400
    assert "has already been invited" in response.context["invite_form"].errors["email"][0]
    assert Invitation.objects.count() == 1


def test_a_facilitator_can_invite_and_a_member_cannot(
    client: Client, private: Community, bob: User, carol: User
) -> None:
    client.force_login(bob)
    assert client.post(invite_url(private), {"email": "one@example.org"}).status_code == 302
    Membership.objects.create(community=private, user=carol, role=Role.MEMBER)
    client.force_login(carol)
    assert client.post(invite_url(private), {"email": "two@example.org"}).status_code == 404
    assert list(Invitation.objects.values_list("email", flat=True)) == ["one@example.org"]
    with pytest.raises(services.CommunityError):
        services.invitation_create(actor=carol, community=private, email="three@example.org")


def test_an_invalid_address_is_a_form_error(
    client: Client, private: Community, alice: User
) -> None:
    client.force_login(alice)
    response = client.post(invite_url(private), {"email": "not an address"})
    assert response.status_code == 400
    assert response.context["invite_form"].errors["email"]
    assert not Invitation.objects.exists()


def test_the_invited_person_accepts(client: Client, private: Community, alice: User) -> None:
    erin = UserFactory(username="erin", email="erin@council.gov.uk")
    invitation = InvitationFactory(community=private, email="erin@council.gov.uk", invited_by=alice)
    client.force_login(erin)

    page = client.get(invitation.get_absolute_url())
    assert page.status_code == 200
    assert "Accept and join" in page.content.decode()
    response = client.post(invitation.get_absolute_url(), {"response": "accept"})

    assert response.status_code == 302
    assert response["Location"] == private.get_absolute_url()
    assert Membership.objects.get(user=erin, community=private).role == Role.MEMBER
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.responded_at is not None


def test_the_address_is_matched_without_regard_to_case(client: Client, private: Community) -> None:
    erin = UserFactory(username="erin", email="Erin@Council.gov.uk")
    invitation = InvitationFactory(community=private, email="erin@council.GOV.UK")
    client.force_login(erin)
    client.post(invitation.get_absolute_url(), {"response": "accept"})
    assert is_member(erin, private)


def test_accepting_needs_the_signed_in_persons_address_to_match(
    client: Client, private: Community, carol: User
) -> None:
    invitation = InvitationFactory(community=private, email="erin@council.gov.uk")
    client.force_login(carol)

    response = client.post(invitation.get_absolute_url(), {"response": "accept"})

    assert response.status_code == 302
    assert response["Location"] == invitation.get_absolute_url()
    assert messages_of(response) == [WRONG_ADDRESS]
    assert not is_member(carol, private)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_a_verified_secondary_address_matches_and_an_unverified_one_does_not(
    client: Client, private: Community, carol: User
) -> None:
    EmailAddress.objects.create(user=carol, email="carol@other.gov.uk", verified=False)
    unverified = InvitationFactory(community=private, email="carol@other.gov.uk")
    client.force_login(carol)
    response = client.post(unverified.get_absolute_url(), {"response": "accept"})
    assert messages_of(response) == [WRONG_ADDRESS]
    assert not is_member(carol, private)

    EmailAddress.objects.filter(email="carol@other.gov.uk").update(verified=True)
    client.post(unverified.get_absolute_url(), {"response": "accept"})
    assert is_member(carol, private)


def test_signing_in_is_needed_to_see_an_invitation(client: Client, private: Community) -> None:
    invitation = InvitationFactory(community=private)
    response = client.get(invitation.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_token_is_404(client: Client, carol: User) -> None:
    client.force_login(carol)
    url = reverse("communities:invitation", kwargs={"token": "not-a-real-token"})
    assert client.get(url).status_code == 404


def test_the_invited_person_declines(client: Client, private: Community) -> None:
    erin = UserFactory(username="erin", email="erin@council.gov.uk")
    invitation = InvitationFactory(community=private, email=erin.email)
    client.force_login(erin)

    response = client.post(invitation.get_absolute_url(), {"response": "decline"})

    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert messages_of(response) == ["You have declined the invitation."]
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DECLINED
    assert not is_member(erin, private)
    # …and cannot change their mind with the same link.
    client.post(invitation.get_absolute_url(), {"response": "accept"})
    assert not is_member(erin, private)


def test_a_revoked_invitation_cannot_be_used(
    client: Client, private: Community, alice: User
) -> None:
    erin = UserFactory(username="erin", email="erin@council.gov.uk")
    invitation = InvitationFactory(community=private, email=erin.email)
    client.force_login(alice)
    revoke = reverse("communities:revoke", kwargs={"slug": private.slug, "pk": invitation.pk})
    assert client.post(revoke).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED

    client.force_login(erin)
    page = client.get(invitation.get_absolute_url()).content.decode()
    assert "This invitation is no longer open (it was revoked)." in page
    assert "Accept and join" not in page
    response = client.post(invitation.get_absolute_url(), {"response": "accept"})

    assert messages_of(response) == [NO_LONGER_OPEN]
    assert not is_member(erin, private)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED


def test_only_managers_can_revoke(client: Client, private: Community, carol: User) -> None:
    invitation = InvitationFactory(community=private)
    Membership.objects.create(community=private, user=carol, role=Role.MEMBER)
    client.force_login(carol)
    revoke = reverse("communities:revoke", kwargs={"slug": private.slug, "pk": invitation.pk})
    response = client.post(revoke)
    assert messages_of(response) == ["Only the community's owner and facilitators can do that."]
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_a_used_invitation_cannot_be_used_again(client: Client, private: Community) -> None:
    erin = UserFactory(username="erin", email="erin@council.gov.uk")
    invitation = InvitationFactory(community=private, email=erin.email)
    client.force_login(erin)
    client.post(invitation.get_absolute_url(), {"response": "accept"})
    client.post(reverse("communities:leave", kwargs={"slug": private.slug}))
    assert not is_member(erin, private)

    response = client.post(invitation.get_absolute_url(), {"response": "accept"})

    assert messages_of(response) == [NO_LONGER_OPEN]
    assert not is_member(erin, private)
    with pytest.raises(services.CommunityError, match="no longer open"):
        services.invitation_respond(user=erin, invitation=invitation, accept=True)


def test_inviting_an_existing_member_is_refused(private: Community, alice: User, bob: User) -> None:
    with pytest.raises(services.CommunityError, match="already a member"):
        services.invitation_create(actor=alice, community=private, email=f"  {bob.email} ")
    assert not Invitation.objects.exists()


def test_accepting_a_secret_invitation_reveals_the_community(client: Client, alice: User) -> None:
    secret = community_with(alice, visibility=Visibility.SECRET)
    erin = UserFactory(username="erin", email="erin@council.gov.uk")
    invitation = InvitationFactory(community=secret, email=erin.email)
    client.force_login(erin)
    assert client.get(secret.get_absolute_url()).status_code == 404
    assert client.get(invitation.get_absolute_url()).status_code == 200

    client.post(invitation.get_absolute_url(), {"response": "accept"})

    assert client.get(secret.get_absolute_url()).status_code == 200


def test_pending_invitations_show_on_the_invited_persons_home_page(
    client: Client, private: Community
) -> None:
    erin = UserFactory(username="erin", email="erin@council.gov.uk")
    invitation = InvitationFactory(community=private, email="ERIN@council.gov.uk")
    client.force_login(erin)
    page = client.get(reverse("core:home")).content.decode()
    assert invitation.get_absolute_url() in page
