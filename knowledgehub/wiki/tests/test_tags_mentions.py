"""Tags and @mentions on wiki pages (the wiki keeps its own revisions, diff and revert)."""

import pytest
from django.urls import reverse

from knowledgehub.communities.choices import Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.notifications.models import Notification
from knowledgehub.testing.factories import community_with, wiki_page
from knowledgehub.wiki.models import Page
from knowledgehub.wiki.rendering import render_page_body
from knowledgehub.wiki.services import page_revert, page_update

pytestmark = pytest.mark.django_db


def _form(page=None, **changes):  # type: ignore[no-untyped-def]
    data = {
        "title": page.title if page else "Recycling",
        "body": page.body if page else "About recycling.",
        "parent": "",
        "tags": "",
        "audience": page.audience if page else Audience.PUBLIC,
        "note": "",
    }
    if page is not None:
        data["base_revision"] = page.revision_number
    data.update(changes)
    return data


def _edit(page):  # type: ignore[no-untyped-def]
    return reverse("wiki:edit", args=[page.community.slug, page.slug])


def test_tags_on_create_and_edit_show_on_the_page_and_tag_page(client, alice, bob, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    client.force_login(bob)
    response = client.post(
        reverse("wiki:create", args=[community.slug]),
        _form(tags="Food waste, Data", audience=Audience.COMMUNITY),
    )
    assert response.status_code == 302
    page = Page.objects.get()
    assert sorted(t.name for t in page.tags.all()) == ["Data", "Food waste"]
    item = Item.objects.get(kind="wiki_page")
    assert sorted(item.tags.values_list("slug", flat=True)) == ["data", "food-waste"]
    html = client.get(page.get_absolute_url()).text
    assert reverse("tag", args=["food-waste"]) in html
    assert "Recycling" in client.get(reverse("tag", args=["data"])).text
    client.force_login(carol)  # an outsider does not find a community page by its tag
    assert "Recycling" not in client.get(reverse("tag", args=["data"])).text
    # The edit form shows the tags; saving changes them without losing the revision count.
    client.force_login(bob)
    assert "Data, Food waste" in client.get(_edit(page)).text
    response = client.post(_edit(page), _form(page, tags="Data"))
    assert response.status_code == 302
    page.refresh_from_db()
    assert [t.name for t in page.tags.all()] == ["Data"] and page.revision_number == 2


def test_tags_survive_a_revert(alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    page = wiki_page(community=community, author=alice, body="One")
    page.tags.set([])
    page = page_update(
        page=page,
        editor=alice,
        base_revision=1,
        title=page.title,
        body="Two",
        audience=page.audience,
        tags=["Glossary"],
    )
    page = page_revert(page=page, editor=alice, number=1)
    assert page.body == "One" and page.revision_number == 3
    assert [t.name for t in page.tags.all()] == ["Glossary"]
    assert list(Item.objects.get(kind="wiki_page").tags.values_list("name", flat=True)) == [
        "Glossary"
    ]


def test_too_many_tags_is_a_clear_error(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    client.force_login(alice)
    response = client.post(
        reverse("wiki:create", args=[community.slug]),
        _form(tags=", ".join(f"t{i}" for i in range(21))),
    )
    assert response.status_code == 200
    assert "Enter 20 topics or fewer" in response.text and "#id_tags" in response.text
    assert not Page.objects.exists()


def test_mentions_are_linked_after_wiki_links(alice, bob):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    wiki_page(community=community, author=alice, title="Glossary")
    body = "Ask @bob about [[Glossary]], not `@bob` or @nobody. Mail bob@example.org."
    html = str(render_page_body(body, community, alice))
    assert html.count('<a class="govuk-link" href="/people/bob/">@bob</a>') == 1
    assert "<code>@bob</code>" in html
    assert "@nobody" in html and "/people/nobody/" not in html
    assert "bob@example.org" in html and html.count("/people/bob/") == 1
    assert 'class="govuk-link kh-wiki-link"' in html


def test_mentions_notify_readers_once_per_page(client, alice, bob, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, visibility=Visibility.RESTRICTED, members=(bob,))
    client.force_login(alice)
    client.post(
        reverse("wiki:create", args=[community.slug]),
        _form(body="Thanks @bob and @carol.", audience=Audience.COMMUNITY),
    )
    page = Page.objects.get()
    mentions = Notification.objects.filter(key=f"wiki_page:{page.pk}")
    assert list(mentions.values_list("recipient__username", flat=True)) == ["bob"]
    assert mentions.get().url == page.get_absolute_url()
    html = client.get(page.get_absolute_url()).text
    assert '<a class="govuk-link" href="/people/bob/">@bob</a>' in html
    # Later edits and reverts that still mention bob do not tell him again; carol, who cannot
    # read the page, is never told.
    client.post(_edit(page), _form(page, body="Thanks @carol, not anyone else."))
    page.refresh_from_db()
    page_revert(page=page, editor=alice, number=1)
    assert Notification.objects.count() == 1
    assert not Notification.objects.filter(recipient=carol).exists()


def test_a_person_newly_mentioned_in_an_edit_is_told(client, alice, bob, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob, carol))
    page = wiki_page(community=community, author=alice, audience=Audience.PUBLIC, body="Hi @bob")
    client.force_login(alice)
    client.post(_edit(page), _form(page, body="Hi @bob and @carol"))
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "bob",
        "carol",
    }


def test_former_member_is_not_notified_and_cannot_edit(client, alice, bob):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    page = wiki_page(community=community, author=bob, audience=Audience.PUBLIC)
    Membership.objects.filter(community=community, user=bob).delete()
    client.force_login(bob)
    assert client.get(_edit(page)).status_code == 403
    assert client.post(_edit(page), _form(page, tags="Mine")).status_code == 403
    assert not page.tags.exists()
    community_page = wiki_page(
        community=community, author=alice, title="Inner", audience=Audience.COMMUNITY
    )
    assert client.get(_edit(community_page)).status_code == 404
    page_update(
        page=community_page,
        editor=alice,
        base_revision=1,
        title="Inner",
        body="Over to you @bob",
        audience=Audience.COMMUNITY,
    )
    assert not Notification.objects.filter(recipient=bob).exists()
