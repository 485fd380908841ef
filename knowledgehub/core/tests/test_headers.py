"""Every HTML page carries the security headers: a Content-Security-Policy without
'unsafe-inline', X-Frame-Options DENY and X-Content-Type-Options nosniff."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from knowledgehub.testing.factories import (
    CommunityFactory,
    OrganisationFactory,
    PostFactory,
)

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>"
)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def assert_secure_headers(response, where: str) -> None:
    assert response["Content-Type"].startswith("text/html"), where
    policy = response.get("Content-Security-Policy", "")
    assert policy, f"{where}: no Content-Security-Policy"
    assert "'unsafe-inline'" not in policy, where
    assert "'unsafe-eval'" not in policy, where
    directives = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    assert directives["default-src"] == "'self'", where
    assert directives["script-src"] == "'self'", where
    assert directives["object-src"] == "'none'", where
    assert directives["frame-ancestors"] == "'none'", where
    assert directives["base-uri"] == "'self'", where
    assert response["X-Frame-Options"] == "DENY", where
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["Referrer-Policy"] == "same-origin", where
    # The policy forbids inline code, so a page relying on it would be broken.
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), f"{where}: inline <script>"
    assert not INLINE_HANDLER.search(html), f"{where}: inline event handler"


@pytest.fixture
def site(alice):
    trafford = OrganisationFactory(code="E08000009", name="Trafford")
    alice.organisation = trafford
    alice.save()
    community = CommunityFactory(slug="waste-officers", name="Waste officers", created_by=alice)
    post = PostFactory(author=alice, title="Food waste trial")
    return {"community": community, "post": post}


ANONYMOUS_PAGES = [
    "/",
    "/accessibility",
    "/organisations/",
    "/organisations/?nation=Wales&type=welsh_unitary",
    "/organisations/E08000009/",
    "/people/",
    "/people/alice/",
    "/communities/",
    "/communities/waste-officers/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/confirm-email/",
    "/outbox/",
    "/admin/login/",
]

SIGNED_IN_PAGES = [
    "/",
    "/people/me/edit/",
    "/organisations/new/",
    "/communities/new/",
    "/blogs/new/",
    "/accounts/email/",
    "/accounts/password/change/",
]


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_pages(client, site, settings, path):
    settings.EMAIL_BACKEND = "knowledgehub.core.mail.OutboxBackend"
    response = client.get(path)
    assert response.status_code == 200, path
    assert_secure_headers(response, path)


def test_blog_post_page(client, site):
    path = site["post"].get_absolute_url()
    response = client.get(path)
    assert response.status_code == 200
    assert_secure_headers(response, path)


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages(client, site, alice, path):
    client.force_login(alice)
    response = client.get(path)
    assert response.status_code == 200, path
    assert_secure_headers(response, path)


def test_error_pages(client, site, alice):
    not_found = client.get("/no-such-page/")
    assert not_found.status_code == 404
    assert_secure_headers(not_found, "404")

    bad_request = client.get("/people/?q=%00")
    assert bad_request.status_code == 400
    assert_secure_headers(bad_request, "400")

    csrf_client = Client(enforce_csrf_checks=True)
    forbidden = csrf_client.post("/accounts/login/", {"login": "x@example.org", "password": "x"})
    assert forbidden.status_code == 403
    assert_secure_headers(forbidden, "403 CSRF")


def test_form_errors_page(client, alice):
    # A page re-shown with errors is built differently from a fresh one.
    client.force_login(alice)
    response = client.post("/organisations/new/", {"name": "", "type": "nonsense"})
    assert response.status_code == 200
    assert_secure_headers(response, "form with errors")
