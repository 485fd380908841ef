"""Saved searches: saving from the results page, listing, renaming, changing the alert and
deleting — each only by its owner."""

from __future__ import annotations

import pytest

from knowledgehub.search.models import SavedSearch

pytestmark = pytest.mark.django_db


def _save(client, querystring="q=caddies&kind=blog_post&from=27/3/2025&sort=date", **extra):
    data = {"name": "Caddies", "alert": "daily", "querystring": querystring, **extra}
    return client.post("/search/saved/new/", data)


def test_signed_out_cannot_save_or_list(client):
    response = _save(client)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/search/saved/").status_code == 302
    assert SavedSearch.objects.count() == 0


def test_save_normalises_the_search(client, alice):
    client.force_login(alice)
    response = _save(
        client,
        querystring="q=+caddies++bins&kind=nonsense&kind=blog_post&from=27/3/2025&sort=date&page=4",
    )
    assert response.status_code == 302 and response["Location"] == "/search/saved/"
    saved = SavedSearch.objects.get()
    assert saved.user == alice
    assert saved.query == "caddies bins"
    assert saved.filters == {"kind": ["blog_post"], "from": "2025-03-27", "sort": "date"}
    assert saved.alert == "daily"
    assert (
        saved.get_absolute_url()
        == "/search/?q=caddies+bins&kind=blog_post&from=2025-03-27&sort=date"
    )


def test_save_needs_a_name_and_a_valid_search(client, alice):
    client.force_login(alice)
    response = _save(client, name="")
    assert response.status_code == 400
    assert "Enter a name for this search" in response.content.decode()
    response = _save(client, querystring="q=x&from=31/2/2025")
    assert response.status_code == 400
    assert "Enter a real date" in response.content.decode()
    response = _save(client, querystring="")
    assert response.status_code == 400
    assert "before saving" in response.content.decode()
    response = _save(client, alert="hourly")
    assert response.status_code == 400
    assert SavedSearch.objects.count() == 0


def test_there_is_a_limit(client, alice, monkeypatch):
    from knowledgehub.search import views

    monkeypatch.setattr(views, "MAX_SAVED", 2)
    client.force_login(alice)
    assert _save(client).status_code == 302
    assert _save(client).status_code == 302
    response = _save(client)
    assert response.status_code == 400
    assert "You can save up to 2 searches" in response.content.decode()


def test_list_shows_only_my_searches(client, alice, bob):
    SavedSearch.objects.create(user=alice, name="Alice's bins", query="bins")
    SavedSearch.objects.create(user=bob, name="Bob's parking", query="parking")
    client.force_login(alice)
    body = client.get("/search/saved/").content.decode()
    assert "Alice&#x27;s bins" in body and "parking" not in body


def test_list_links_private_feed_when_the_person_has_a_token(client, alice):
    from knowledgehub.feeds.models import FeedToken

    saved = SavedSearch.objects.create(user=alice, name="Bins", query="bins")
    client.force_login(alice)
    assert "Private Atom feed" not in client.get("/search/saved/").content.decode()
    token = FeedToken.objects.create(user=alice)
    body = client.get("/search/saved/").content.decode()
    assert f"/search/saved/{saved.pk}/feed.atom?token={token.token}" in body


def test_rename_and_change_alert(client, alice):
    saved = SavedSearch.objects.create(user=alice, name="Bins", query="bins")
    client.force_login(alice)
    assert client.get(f"/search/saved/{saved.pk}/").status_code == 200
    response = client.post(f"/search/saved/{saved.pk}/", {"name": "Bin rounds", "alert": "weekly"})
    assert response.status_code == 302
    saved.refresh_from_db()
    assert (saved.name, saved.alert, saved.query) == ("Bin rounds", "weekly", "bins")
    response = client.post(f"/search/saved/{saved.pk}/", {"name": "", "alert": "weekly"})
    assert response.status_code == 400
    assert "Enter a name for this search" in response.content.decode()


def test_delete(client, alice):
    saved = SavedSearch.objects.create(user=alice, name="Bins", query="bins")
    client.force_login(alice)
    assert client.get(f"/search/saved/{saved.pk}/delete/").status_code == 200
    assert SavedSearch.objects.filter(pk=saved.pk).exists()
    response = client.post(f"/search/saved/{saved.pk}/delete/")
    assert response.status_code == 302
    assert not SavedSearch.objects.filter(pk=saved.pk).exists()


def test_only_the_owner_may_see_change_or_delete(client, alice, bob, dave):
    saved = SavedSearch.objects.create(user=alice, name="Bins", query="bins")
    for intruder in (bob, dave):
        client.force_login(intruder)
        assert client.get(f"/search/saved/{saved.pk}/").status_code == 404
        assert (
            client.post(f"/search/saved/{saved.pk}/", {"name": "Mine", "alert": "daily"})
        ).status_code == 404
        assert client.post(f"/search/saved/{saved.pk}/delete/").status_code == 404
    saved.refresh_from_db()
    assert (saved.name, saved.alert) == ("Bins", "none")


def test_get_does_not_create(client, alice):
    client.force_login(alice)
    assert client.get("/search/saved/new/").status_code == 405
