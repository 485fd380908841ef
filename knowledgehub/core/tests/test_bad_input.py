"""Bad input gets a clear answer, never a server error: malformed and duplicate e-mail addresses
at sign-up, forms sent without a CSRF token, open redirects, and hostile query strings."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.core.context import request_context
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.test import Client, RequestFactory

from knowledgehub.communities.models import Community
from knowledgehub.lib.http import safe_next
from knowledgehub.organisations.models import Organisation
from knowledgehub.people.adapters import AccountAdapter
from knowledgehub.people.models import User
from knowledgehub.testing.factories import PASSWORD, OrganisationFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-pass-phrase-42"


def signup(client: Client, **overrides: str):
    data = {
        "email": "erin@example.org",
        "username": "erin",
        "name": "Erin Evans",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return client.post("/accounts/signup/", data)


BAD_EMAILS = [
    "not-an-email",
    "erin",
    "erin@",
    "@example.org",
    "erin@localhost.",
    "erin@example",
    "erin@@example.org",
    "erin@example..org",
    "erin@-example.org",
    "erin @example.org",
    "erin@exa mple.org",
    "<script>alert(1)</script>@example.org",
    "erin@example.org\nBcc: victim@example.org",
    "erin@example.org,other@example.org",
    "erin\x00@example.org",
    "x" * 65 + "@" + "y" * 180 + ".org",
]


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_signup_with_a_bad_email_shows_a_clear_error(client, email):
    response = signup(client, email=email)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "email" in errors
    html = response.content.decode()
    assert "Enter a valid email address." in html or "Null characters are not allowed." in html
    assert "<script>alert(1)</script>" not in html
    assert not User.objects.exists()
    assert not mail.outbox


def test_signup_with_an_address_too_long_to_store_is_refused(client):
    # Valid by RFC length rules (Django allows 320 characters) but longer than the 254-character
    # e-mail columns: PostgreSQL would fail with "value too long".
    email = "a" * 300 + "@example.org"
    response = signup(client, email=email)
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "Enter an e-mail address of 254 characters or fewer"
    ]
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()
    assert not mail.outbox


def test_signup_with_missing_fields_shows_errors(client):
    response = client.post("/accounts/signup/", {})
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"email", "username", "name", "password1"}
    assert not User.objects.exists()


@pytest.mark.parametrize("email", ["alice@example.org", "ALICE@Example.org", " alice@example.org "])
def test_signup_with_an_existing_email_creates_nothing(client, alice, email):
    response = signup(client, email=email)
    # No account enumeration: the page looks like any sign-up, and the owner is told by e-mail.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert list(User.objects.values_list("username", flat=True)) == ["alice"]
    assert EmailAddress.objects.filter(email__iexact="alice@example.org").count() == 1
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert "already exists" in mail.outbox[0].body


def test_signup_with_an_existing_username_is_a_form_error(client, alice):
    response = signup(client, username="ALICE")
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert User.objects.count() == 1


@pytest.mark.parametrize("username", ["admin", "me", "edit"])
def test_reserved_usernames_are_refused(client, username):
    response = signup(client, username=username)
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert not User.objects.exists()


def test_mismatched_passwords_are_a_form_error(client):
    response = signup(client, password2="something-else-entirely")
    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    assert not User.objects.exists()


# --- CSRF -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/communities/new/", {"name": "Forged", "description": "x", "visibility": "open"}),
        ("/people/me/edit/", {"name": "Forged", "profile_visibility": "public"}),
        ("/organisations/new/", {"name": "Forged", "type": "charity"}),
        ("/accounts/login/", {"login": "alice@example.org", "password": PASSWORD}),
        ("/accounts/logout/", {}),
    ],
)
def test_post_without_csrf_token_gets_the_friendly_403(alice, url, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get("/")  # a CSRF cookie but no token in the form
    response = client.post(url, data)
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your form could not be sent" in html
    assert 'class="govuk-header' in html  # our page, not Django's plain one
    alice.refresh_from_db()
    assert alice.name == "Alice Adams"
    assert not Community.objects.filter(name="Forged").exists()
    assert not Organisation.objects.filter(name="Forged").exists()
    assert client.get("/people/me/edit/").status_code == 200  # still signed in


def test_anonymous_login_without_csrf_cookie_gets_the_friendly_403(alice):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "alice@example.org", "password": PASSWORD})
    assert response.status_code == 403
    assert "Your form could not be sent" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_csrf_token_from_the_page_is_accepted(alice):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/",
        {"login": "alice@example.org", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


# --- Open redirects -------------------------------------------------------------------------

HOSTILE_NEXT = [
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example",
    "http://evil.example/accounts/",
    "http:evil.example",
    "https:/evil.example",
    "///evil.example",
    " //evil.example",
    "//evil.example/%2F..",
    "javascript:alert(1)",
    "/\t/evil.example",
    "http://testserver@evil.example/",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_never_follows_a_hostile_next(client, alice, target):
    response = client.post(
        "/accounts/login/", {"login": "alice@example.org", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_never_follows_a_hostile_next_in_the_query_string(client, alice, target):
    response = client.post(
        "/accounts/login/",
        {"login": "alice@example.org", "password": PASSWORD},
        QUERY_STRING=f"next={target}",
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_follows_a_local_next(client, alice):
    response = client.post(
        "/accounts/login/",
        {"login": "alice@example.org", "password": PASSWORD, "next": "/people/?q=bob"},
    )
    assert response["Location"] == "/people/?q=bob"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_adapter_refuses_hostile_urls(rf, target):
    request = rf.get("/")
    with request_context(request):
        assert AccountAdapter(request).is_safe_url(target) is False
        assert AccountAdapter(request).is_safe_url("/people/") is True


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_safe_next_refuses_hostile_targets(target, method):
    factory = RequestFactory()
    request = getattr(factory, method)("/", {"next": target})
    request.user = AnonymousUser()
    assert safe_next(request) == "/"
    assert safe_next(request, fallback="/people/") == "/people/"


@pytest.mark.parametrize("target", ["/", "/people/", "/communities/new/?a=1&b=2", "/people/#x"])
def test_safe_next_keeps_local_paths(target):
    request = RequestFactory().get("/", {"next": target})
    assert safe_next(request) == target


def test_safe_next_prefers_the_form_value_and_falls_back_when_empty():
    factory = RequestFactory()
    request = factory.post("/?next=/from-query/", {"next": "/from-form/"})
    assert safe_next(request) == "/from-form/"
    assert safe_next(factory.get("/"), fallback="/home/") == "/home/"
    assert safe_next(factory.get("/", {"next": ""}), fallback="/home/") == "/home/"


# --- Query strings --------------------------------------------------------------------------


@pytest.fixture
def listed(db, alice):
    trafford = OrganisationFactory(code="E08000009", name="Trafford")
    alice.organisation = trafford
    alice.save()


@pytest.mark.parametrize(
    "url",
    [
        "/people/?q=%00",
        "/people/?region=North%00West",
        "/people/?organisation=E08%0000009",
        "/people/?interest=%00&skill=%00",
        "/organisations/?q=Traff%00ord",
        "/organisations/?region=%00",
        "/organisations/E08%0000009/",
        "/people/ali%00ce/",
        "/communities/?q=%00",
        "/?%00=1",
    ],
)
def test_nul_characters_in_the_url_are_a_bad_request(client, listed, url):
    # PostgreSQL cannot store or compare text containing NUL: without a guard these are 500s.
    response = client.get(url)
    assert response.status_code == 400
    assert "govuk-header" in response.content.decode()


@pytest.mark.parametrize("path", ["/people/", "/organisations/"])
def test_search_terms_are_escaped_and_bounded(client, listed, path):
    hostile = '"><script>alert(1)</script>' + "x" * 500
    response = client.get(path, {"q": hostile, "page": "-1", "region": "' OR 1=1 --"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&quot;&gt;&lt;script&gt;" in html
    assert len(response.context["q"]) == 100
