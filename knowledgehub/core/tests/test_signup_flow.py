"""Sign up, verify the e-mail address by its link, sign in; and reset a forgotten password."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from knowledgehub.people.models import User
from knowledgehub.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-pass-phrase-42"
LINK = re.compile(r"http://testserver(/accounts/\S+/)")


def signup(client: Client) -> User:
    response = client.post(
        "/accounts/signup/",
        {
            "email": "Erin@Example.org",
            "username": "erin",
            "name": "Erin Evans",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    return User.objects.get(username="erin")


def signed_in_user_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def link_in(message: mail.EmailMessage) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def test_sign_up_verify_and_arrive_signed_in(client):
    user = signup(client)
    assert (user.name, user.email) == ("Erin Evans", "erin@example.org")
    assert signed_in_user_id(client) is None
    address = EmailAddress.objects.get(user=user)
    assert not address.verified

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["erin@example.org"]
    assert "Confirm" in message.subject
    link = link_in(message)
    assert link.startswith("/accounts/confirm-email/")

    page = client.get(link)
    assert page.status_code == 200
    assert "erin@example.org" in page.content.decode()
    address.refresh_from_db()
    assert not address.verified  # GET only shows the confirm button
    assert signed_in_user_id(client) is None

    response = client.post(link)
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.verified
    assert signed_in_user_id(client) == user.pk
    home = client.get(response["Location"])
    assert home.status_code == 200
    assert "Sign out" in home.content.decode()


def test_sign_in_before_verifying_is_sent_to_verification(client):
    user = signup(client)
    other = Client()
    response = other.post(
        "/accounts/login/", {"login": "erin@example.org", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert signed_in_user_id(other) is None
    assert other.get("/people/me/edit/").status_code == 302
    assert not EmailAddress.objects.get(user=user).verified


def test_verification_link_from_another_browser_verifies_but_asks_to_sign_in(client):
    user = signup(client)
    link = link_in(mail.outbox[0])
    other = Client()
    response = other.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert signed_in_user_id(other) is None
    response = other.post(
        "/accounts/login/", {"login": "erin@example.org", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert signed_in_user_id(other) == user.pk


@pytest.mark.parametrize("key", ["bogus", "MQ:1xWnN0:" + "A" * 43])  # the second: a bad signature
def test_bad_verification_key_is_not_an_error(client, key):
    signup(client)
    page = client.get(f"/accounts/confirm-email/{key}/")
    assert page.status_code in (200, 404)
    response = client.post(f"/accounts/confirm-email/{key}/")
    assert response.status_code in (200, 404)
    assert not EmailAddress.objects.filter(verified=True).exists()
    assert signed_in_user_id(client) is None


def test_wrong_password_is_a_form_error(client, alice):
    response = client.post("/accounts/login/", {"login": "alice@example.org", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert signed_in_user_id(client) is None


def test_password_reset(client, alice):
    response = client.post("/accounts/password/reset/", {"email": "Alice@Example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    link = link_in(mail.outbox[0])
    assert link.startswith("/accounts/password/reset/key/")

    # The key moves into the session and out of the URL before the form is shown.
    response = client.get(link)
    assert response.status_code == 302
    form_url = response["Location"]
    assert form_url.endswith("-set-password/")
    assert "-set-password" not in link
    assert client.get(form_url).status_code == 200
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/key/done/"
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert not alice.check_password(PASSWORD)

    fresh = Client()
    response = fresh.post(
        "/accounts/login/", {"login": "alice@example.org", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert signed_in_user_id(fresh) == alice.pk

    # The link works once.
    again = Client()
    response = again.get(link, follow=True)
    assert response.status_code == 200
    assert "password1" not in response.content.decode()


def test_password_reset_for_an_unknown_address_looks_the_same(client, alice):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
