"""As-you-type suggestions: an htmx fragment, or a plain page without JavaScript."""

from __future__ import annotations

import pytest

from knowledgehub.knowledge.choices import Audience
from knowledgehub.search import views
from knowledgehub.testing.factories import ItemFactory

from .search_stub import StubService

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def stub(monkeypatch):
    service = StubService()
    monkeypatch.setattr(views, "_service", lambda: service)
    return service


def test_htmx_gets_a_fragment_of_links(client, stub, alice):
    ItemFactory(title="Caddy liners", url="/x/1/", author=alice)
    response = client.get("/search/suggest?q=cad", headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert '<a class="govuk-link" href="/x/1/">Caddy liners</a>' in body


def test_without_htmx_it_is_a_whole_page(client, stub, alice):
    ItemFactory(title="Caddy liners", author=alice)
    body = client.get("/search/suggest?q=cad").content.decode()
    assert "<html" in body and "Caddy liners" in body
    assert 'href="/search/?q=cad"' in body


def test_suggestions_are_only_what_the_viewer_may_see(client, stub, alice):
    ItemFactory(title="Caddy secret diary", author=alice, audience=Audience.PRIVATE)
    body = client.get("/search/suggest?q=cad", headers=HTMX).content.decode()
    assert "diary" not in body
    client.force_login(alice)
    body = client.get("/search/suggest?q=cad", headers=HTMX).content.decode()
    assert "diary" in body


def test_one_letter_asks_nothing(client, stub):
    response = client.get("/search/suggest?q=c", headers=HTMX)
    assert response.status_code == 200
    assert stub.calls == []


def test_long_prefix_is_cut_not_refused(client, stub):
    response = client.get("/search/suggest", {"q": "x" * 1000}, headers=HTMX)
    assert response.status_code == 200
    assert len(stub.calls[0]["prefix"]) == 100


def test_suggestions_name_their_kind(client, stub, alice):
    ItemFactory(title="Caddy liners", author=alice, kind="blog_post")
    body = client.get("/search/suggest?q=cad", headers=HTMX).content.decode()
    assert '<span class="kh-meta">Blog post</span>' in body
