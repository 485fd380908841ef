"""The search results page: bad input gives a clear message (never a 500), filters reach the
service, facets and pagination are shown, and the people/communities/organisations group only
lists what the viewer may see."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.search import views
from knowledgehub.testing.factories import (
    CommunityFactory,
    ItemFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

from .search_stub import Hit, StubService

pytestmark = pytest.mark.django_db


@pytest.fixture
def stub(monkeypatch):
    service = StubService()
    monkeypatch.setattr(views, "_service", lambda: service)
    return service


def test_empty_page_shows_the_form_and_no_search(client, stub):
    response = client.get("/search/")
    assert response.status_code == 200
    assert b"Enter some words to search for" in response.content
    assert stub.calls == []


def test_bare_search_address_works_too(client, stub, alice):
    ItemFactory(title="Recycling caddies", author=alice)
    response = client.get("/search?q=caddies")
    assert response.status_code == 200
    assert "Recycling caddies" in response.content.decode()


def test_results_show_highlighted_snippet_and_total(client, stub, alice):
    ItemFactory(title="Food waste caddies", author=alice)
    ItemFactory(title="Caddies for flats", author=alice)
    ItemFactory(title="Parking permits", author=alice)
    body = client.get("/search/?q=caddies").content.decode()
    assert "2 results" in body
    assert "Food waste caddies" in body and "Caddies for flats" in body
    assert "Parking permits" not in body
    assert "<mark>caddies</mark>" in body  # the service marked it safe


def test_snippets_keep_only_mark_whatever_the_service_returns(client, monkeypatch, alice):
    item = ItemFactory(title="Escaping", author=alice)
    service = StubService()

    def search(viewer, q, **kw):
        res = StubService.search(service, viewer, q, **kw)
        res.hits = [
            Hit(item, '<script>alert(1)</script><b onclick="x()">bold</b> <mark>Esc</mark>')
        ]
        return res

    service.search = search  # type: ignore[method-assign]
    monkeypatch.setattr(views, "_service", lambda: service)
    body = client.get("/search/?q=Escaping").content.decode()
    assert "alert(1)" not in body
    assert "onclick" not in body
    assert "<b>" not in body and "<b " not in body
    assert "bold <mark>Esc</mark>" in body


@pytest.mark.parametrize("bad", ["31/02/2025", "2025-13-01", "yesterday", "0/0/0000"])
def test_invalid_date_says_enter_a_real_date(client, stub, bad):
    response = client.get("/search/", {"q": "caddies", "from": bad})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Enter a real date" in body
    assert 'href="#id_date_from"' in body and 'id="id_date_from"' in body
    assert stub.calls == []


def test_to_before_from_is_refused(client, stub):
    response = client.get("/search/", {"q": "x", "from": "2025-03-02", "to": "1/3/2025"})
    assert response.status_code == 400
    assert "must be the same as or after the start date" in response.content.decode()


def test_dates_in_either_format_reach_the_service(client, stub):
    client.get("/search/", {"q": "x", "from": "27/3/2025", "to": "2025-04-01"})
    call = stub.calls[0]
    assert str(call["date_from"]) == "2025-03-27" and str(call["date_to"]) == "2025-04-01"


def test_overlong_query_is_a_message_not_a_500(client, stub):
    response = client.get("/search/", {"q": "a" * 500})
    assert response.status_code == 400
    assert "200 characters or fewer" in response.content.decode()


def test_unknown_kind_and_sort_are_ignored(client, stub, alice):
    ItemFactory(title="Caddies", author=alice, kind="blog_post")
    response = client.get(
        "/search/", {"q": "caddies", "kind": ["nonsense", "blog_post"], "sort": "sideways"}
    )
    assert response.status_code == 200
    call = stub.calls[0]
    assert call["kinds"] == ["blog_post"]
    assert call["sort"] == "relevance"


@pytest.mark.parametrize(
    "params",
    [
        {"community": "abc"},
        {"community": "-1"},
        {"organisation": "99999999999999999999999"},
        {"page": "x"},
        {"page": "-3"},
        {"page": "999999999"},
        {"author": "nobody-at-all"},
        {"tag": "x" * 61},
    ],
)
def test_junk_parameters_never_500(client, stub, params):
    response = client.get("/search/", {"q": "caddies", **params})
    assert response.status_code in (200, 400)


def test_filters_are_passed_to_the_service(client, stub, alice):
    community = CommunityFactory()
    org = OrganisationFactory(region="London")
    client.get(
        "/search/",
        {
            "q": "caddies",
            "kind": "blog_post",
            "community": str(community.pk),
            "organisation": str(org.pk),
            "region": "London",
            "author": "alice",
            "tag": "Waste",
            "sort": "date",
        },
    )
    call = stub.calls[0]
    assert call["kinds"] == ["blog_post"]
    assert call["community_id"] == community.pk
    assert call["organisation_id"] == org.pk
    assert call["region"] == "London"
    assert call["author_id"] == alice.pk
    assert call["tag"] == "waste"
    assert call["sort"] == "date"


def test_an_author_the_viewer_cannot_see_matches_nobody(client, stub):
    from knowledgehub.people.choices import ProfileVisibility

    UserFactory(username="hidden", profile_visibility=ProfileVisibility.MEMBERS)
    client.get("/search/", {"q": "x", "author": "hidden"})
    assert stub.calls[0]["author_id"] == 0


def test_the_viewer_is_the_signed_in_person(client, stub, bob):
    client.force_login(bob)
    client.get("/search/", {"q": "x"})
    assert stub.calls[0]["viewer"] == bob
    client.logout()
    client.get("/search/", {"q": "x"})
    assert isinstance(stub.calls[1]["viewer"], AnonymousUser)


def test_facets_are_shown_with_counts(client, stub, alice):
    community = CommunityFactory(name="Waste officers")
    ItemFactory(title="Caddies one", kind="blog_post", author=alice, community=community)
    ItemFactory(title="Caddies two", kind="blog_post", author=alice)
    body = client.get("/search/?q=caddies").content.decode()
    assert f'<option value="{community.pk}">Waste officers (1)</option>' in body
    # registered kinds are listed as checkboxes with their counts
    assert 'name="kind" type="checkbox" value="blog_post"' in body
    assert '(2<span class="govuk-visually-hidden"> results</span>)' in body


def test_facets_never_count_hidden_items(client, stub, alice, carol):
    secret = CommunityFactory(name="Hush", visibility=Visibility.SECRET)
    MembershipFactory(community=secret, user=alice)
    ItemFactory(title="Caddies secret", author=alice, community=secret)
    ItemFactory(title="Caddies private", author=alice, audience=Audience.PRIVATE)
    client.force_login(carol)
    body = client.get("/search/?q=caddies").content.decode()
    assert "0 results" in body
    assert "Hush" not in body and "Caddies secret" not in body and "Caddies private" not in body


def test_pagination_keeps_filters_and_clamps(client, stub, alice):
    for n in range(45):
        ItemFactory(title=f"Caddies {n:02d}", author=alice)
    body = client.get("/search/?q=caddies&sort=date").content.decode()
    assert "45 results" in body
    assert 'href="?q=caddies&amp;sort=date&amp;page=2"' in body
    assert 'aria-label="Page 3"' in body
    last = client.get("/search/?q=caddies&page=99")
    assert last.status_code == 200
    # A page past the end shows the last page (the service and the page links both clamp).
    body = last.content.decode()
    assert body.count('class="kh-card"') == 5
    assert 'aria-label="Page 3" aria-current="page"' in body


def test_service_error_is_shown_plainly(client, stub):
    stub.error = "Your search could not be understood. Try fewer symbols."
    response = client.get("/search/?q=%22%22%22")
    assert response.status_code == 200
    assert "Try fewer symbols." in response.content.decode()


def test_people_communities_and_organisations_group_respects_visibility(client, alice):
    """With the real service: the group lists only people and communities the viewer may see."""
    from knowledgehub.people.choices import ProfileVisibility

    UserFactory(name="Priya Waste", profile_visibility=ProfileVisibility.PUBLIC)
    UserFactory(name="Quentin Waste", profile_visibility=ProfileVisibility.MEMBERS)
    CommunityFactory(name="Waste network", visibility=Visibility.OPEN)
    CommunityFactory(name="Waste secret club", visibility=Visibility.SECRET)
    OrganisationFactory(name="Wasteshire Council")
    body = client.get("/search/?q=waste").content.decode()
    assert "People, communities and organisations" in body
    assert "Priya Waste" in body and "Waste network" in body and "Wasteshire Council" in body
    assert "Quentin Waste" not in body and "Waste secret club" not in body
    client.force_login(alice)
    body = client.get("/search/?q=waste").content.decode()
    assert "Quentin Waste" in body and "Waste secret club" not in body


def test_save_this_search_only_for_signed_in(client, stub, alice):
    assert "Save this search" not in client.get("/search/?q=caddies").content.decode()
    client.force_login(alice)
    body = client.get("/search/?q=caddies&sort=date").content.decode()
    assert "Save this search" in body
    assert 'name="querystring" value="q=caddies&amp;sort=date"' in body


def test_header_search_box_on_other_pages(client):
    body = client.get("/offers/").content.decode()
    assert 'role="search"' in body
    assert 'for="kh-header-q"' in body
    assert 'hx-get="/search/suggest"' in body
    assert 'hx-trigger="keyup changed delay:250ms"' in body
