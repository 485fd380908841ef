import pytest
from django.urls import reverse

from knowledgehub.knowledge.choices import Audience
from knowledgehub.lib.diff import line_diff
from knowledgehub.testing.factories import community_with, wiki_page
from knowledgehub.wiki.models import Page, Revision
from knowledgehub.wiki.services import page_create, page_update

pytestmark = pytest.mark.django_db


def _edit(page, user, body, **kwargs):
    return page_update(
        page=page,
        editor=user,
        base_revision=page.revision_number,
        title=kwargs.get("title", page.title),
        body=body,
        audience=page.audience,
        note=kwargs.get("note", ""),
    )


def test_every_save_creates_a_revision(alice, bob):
    community = community_with(alice, members=(bob,))
    page = wiki_page(community=community, author=alice, body="one")
    page = _edit(page, bob, "two", note="Second go")
    page = _edit(page, alice, "three")
    assert page.revision_number == 3
    numbers = list(page.revisions.order_by("number").values_list("number", "body", "author"))
    assert numbers == [(1, "one", alice.pk), (2, "two", bob.pk), (3, "three", alice.pk)]
    assert page.revisions.get(number=2).note == "Second go"
    assert page.last_editor == alice


def test_slugs_are_unique_per_community_and_avoid_reserved_words(alice):
    community = community_with(alice)
    other = community_with(alice)
    a = page_create(community=community, author=alice, title="A B", body="", audience="public")
    b = page_create(community=community, author=alice, title="A & B", body="", audience="public")
    c = page_create(community=other, author=alice, title="A B", body="", audience="public")
    new = page_create(community=community, author=alice, title="New", body="", audience="public")
    assert (a.slug, b.slug, c.slug) == ("a-b", "a-b-2", "a-b")
    assert new.slug == "new-2"


def test_history_lists_revisions(client, alice, bob):
    community = community_with(alice, members=(bob,))
    page = wiki_page(community=community, author=alice, body="one")
    _edit(page, bob, "two", note="Tidied up")
    response = client.get(reverse("wiki:history", args=[community.slug, page.slug]))
    assert response.status_code == 200
    assert b"Tidied up" in response.content
    assert b"Bob Brown" in response.content


def test_line_diff_marks_added_and_removed_lines():
    rows = line_diff("a\nb\nc", "a\nB\nc\nd")
    kinds = [(r.kind, r.text) for r in rows]
    assert ("removed", "b") in kinds
    assert ("added", "B") in kinds
    assert ("added", "d") in kinds
    assert ("same", "a") in kinds
    assert line_diff("same", "same") == []


def test_diff_view_uses_ins_and_del(client, alice):
    community = community_with(alice)
    page = wiki_page(community=community, author=alice, body="keep\nold <b>line</b>")
    _edit(page, alice, "keep\nnew line")
    url = reverse("wiki:diff", args=[community.slug, page.slug]) + "?from=1&to=2"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<del>" in html and "<ins>" in html
    assert "old &lt;b&gt;line&lt;/b&gt;" in html  # user text is escaped
    assert "style=" not in html


@pytest.mark.parametrize("query", ["?from=1&to=9", "?from=x&to=2", "?from=-1"])
def test_diff_with_bad_numbers_is_404_not_500(client, alice, query):
    community = community_with(alice)
    page = wiki_page(community=community, author=alice)
    response = client.get(reverse("wiki:diff", args=[community.slug, page.slug]) + query)
    assert response.status_code in (200, 404)


def test_revert_creates_a_new_revision_copying_the_old_one(client, alice, bob):
    community = community_with(alice, members=(bob,))
    page = wiki_page(community=community, author=alice, title="Parks", body="original")
    page = _edit(page, alice, "vandalised", title="Parks!!")
    client.force_login(bob)
    response = client.post(reverse("wiki:revert", args=[community.slug, page.slug, 1]))
    assert response.status_code == 302
    page = Page.objects.get(pk=page.pk)
    assert page.revision_number == 3
    assert (page.title, page.body) == ("Parks", "original")
    latest = page.revisions.get(number=3)
    assert latest.author == bob and "1" in latest.note
    assert Revision.objects.filter(page=page).count() == 3


def test_revert_needs_post_and_membership(client, alice, carol):
    community = community_with(alice)
    page = wiki_page(community=community, author=alice)
    url = reverse("wiki:revert", args=[community.slug, page.slug, 1])
    client.force_login(alice)
    assert client.get(url).status_code == 405
    client.force_login(carol)
    assert client.post(url).status_code == 403
    client.force_login(alice)
    assert (
        client.post(reverse("wiki:revert", args=[community.slug, page.slug, 7])).status_code == 404
    )


def test_edit_view_saves_a_revision(client, alice):
    community = community_with(alice)
    page = wiki_page(community=community, author=alice, audience=Audience.PUBLIC)
    client.force_login(alice)
    url = reverse("wiki:edit", args=[community.slug, page.slug])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": page.title,
            "body": "Updated text",
            "audience": "public",
            "note": "Clarified",
            "base_revision": "1",
        },
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.body == "Updated text" and page.revision_number == 2


def test_revert_keeps_the_current_title_if_another_page_took_the_old_one(alice):
    from knowledgehub.wiki.services import page_revert

    community = community_with(alice)
    page = wiki_page(community=community, author=alice, title="Parks", body="one")
    page = _edit(page, alice, "two", title="Green spaces")
    wiki_page(community=community, author=alice, title="Parks")
    page = page_revert(page=page, editor=alice, number=1)
    assert (page.title, page.body, page.revision_number) == ("Green spaces", "one", 3)
