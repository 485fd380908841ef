import pytest
from django.urls import reverse

from knowledgehub.communities.choices import Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import community_with, wiki_page
from knowledgehub.wiki.models import Page

pytestmark = pytest.mark.django_db


def _urls(page: Page) -> list[str]:
    args = [page.community.slug, page.slug]
    return [
        page.get_absolute_url(),
        reverse("wiki:history", args=args),
        reverse("wiki:diff", args=args) + "?from=1&to=1",
    ]


def test_secret_community_wiki_is_404_to_outsiders(client, alice, bob, carol):
    community = community_with(alice, visibility=Visibility.SECRET, members=(bob,))
    page = wiki_page(community=community, author=alice, audience=Audience.PUBLIC)
    index = reverse("wiki:index", args=[community.slug])
    for url in [index, reverse("wiki:create", args=[community.slug]), *_urls(page)]:
        client.force_login(carol)
        assert client.get(url).status_code == 404, url
        client.logout()
        assert client.get(url).status_code in (302, 404), url
    client.force_login(bob)
    for url in [index, *_urls(page)]:
        assert client.get(url).status_code == 200, url


def test_community_audience_pages_are_hidden_from_non_members(client, alice, bob, carol):
    community = community_with(alice, members=(bob,))
    page = wiki_page(community=community, author=alice, title="Inner", audience=Audience.COMMUNITY)
    wiki_page(community=community, author=alice, title="Outer", audience=Audience.PUBLIC)
    index = reverse("wiki:index", args=[community.slug])
    for viewer in (None, carol):
        client.logout()
        if viewer:
            client.force_login(viewer)
        for url in _urls(page):
            assert client.get(url).status_code == 404, url
        html = client.get(index).content.decode()
        assert "Outer" in html and "Inner" not in html
    client.force_login(bob)
    assert "Inner" in client.get(index).content.decode()
    # A former member loses access at once.
    Membership.objects.filter(community=community, user=bob).delete()
    for url in _urls(page):
        assert client.get(url).status_code == 404, url


def test_anonymous_sees_only_public_pages(client, alice):
    community = community_with(alice)
    public = wiki_page(community=community, author=alice, title="Open", audience=Audience.PUBLIC)
    members = wiki_page(community=community, author=alice, title="Sign", audience=Audience.MEMBERS)
    assert client.get(public.get_absolute_url()).status_code == 200
    assert client.get(members.get_absolute_url()).status_code == 404


def test_only_members_can_create_or_edit(client, alice, bob, carol):
    community = community_with(alice, members=(bob,))
    page = wiki_page(community=community, author=alice)
    create = reverse("wiki:create", args=[community.slug])
    edit = reverse("wiki:edit", args=[community.slug, page.slug])
    data = {"title": "Hack", "body": "x", "audience": "public", "base_revision": "1"}
    assert client.get(create).status_code == 302  # anonymous: sign in first
    assert client.post(edit, data).status_code == 302
    client.force_login(carol)
    assert client.get(create).status_code == 403
    assert client.post(create, data).status_code == 403
    assert client.get(edit).status_code == 403
    assert client.post(edit, data).status_code == 403
    assert Page.objects.count() == 1
    client.force_login(bob)
    response = client.post(create, {"title": "Bob's page", "body": "hi", "audience": "public"})
    assert response.status_code == 302
    assert Page.objects.filter(title="Bob's page", author=bob).exists()


def test_delete_is_post_only_and_for_author_or_facilitators(client, alice, bob, carol):
    facilitator = carol
    community = community_with(alice, members=(bob,), facilitators=(facilitator,))
    page = wiki_page(community=community, author=alice, title="One")
    url = reverse("wiki:delete", args=[community.slug, page.slug])
    client.force_login(bob)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
    client.force_login(facilitator)
    assert client.post(url).status_code == 302
    assert not Page.objects.filter(pk=page.pk).exists()
    own = wiki_page(community=community, author=bob, title="Two")
    client.force_login(bob)
    assert client.post(reverse("wiki:delete", args=[community.slug, own.slug])).status_code == 302


def test_duplicate_title_is_a_form_error_not_a_500(client, alice):
    community = community_with(alice)
    wiki_page(community=community, author=alice, title="Parks")
    client.force_login(alice)
    response = client.post(
        reverse("wiki:create", args=[community.slug]),
        {"title": "parks", "body": "", "audience": "public"},
    )
    assert response.status_code == 200
    assert "already a page called" in response.content.decode()


def test_a_title_race_is_a_form_error_not_a_500(client, alice, monkeypatch):
    from django.db import IntegrityError

    from knowledgehub.wiki import views

    def boom(**kwargs):
        raise IntegrityError("wiki_page_title_unique_ci")

    monkeypatch.setattr(views, "page_create", boom)
    community = community_with(alice)
    client.force_login(alice)
    response = client.post(
        reverse("wiki:create", args=[community.slug]),
        {"title": "Parks", "body": "", "audience": "public"},
    )
    assert response.status_code == 200
    assert "already a page with this title" in response.content.decode()
