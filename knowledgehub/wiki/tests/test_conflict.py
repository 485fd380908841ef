import pytest
from django.urls import reverse

from knowledgehub.testing.factories import community_with, wiki_page
from knowledgehub.wiki.models import Page
from knowledgehub.wiki.services import EditConflict, page_update

pytestmark = pytest.mark.django_db


def test_service_refuses_a_stale_save(alice, bob):
    community = community_with(alice, members=(bob,))
    page = wiki_page(community=community, author=alice, body="v1")
    page_update(
        page=page, editor=bob, base_revision=1, title=page.title, body="bob", audience="public"
    )
    with pytest.raises(EditConflict):
        page_update(
            page=page,
            editor=alice,
            base_revision=1,
            title=page.title,
            body="alice",
            audience="public",
        )
    page.refresh_from_db()
    assert page.body == "bob" and page.revision_number == 2


def test_edit_conflict_keeps_the_users_text_and_shows_the_other_change(client, alice, bob):
    community = community_with(alice, members=(bob,))
    page = wiki_page(community=community, author=alice, body="Line one\nLine two")
    url = reverse("wiki:edit", args=[community.slug, page.slug])
    # Bob saves while Alice has the form open at revision 1.
    page_update(
        page=page,
        editor=bob,
        base_revision=1,
        title=page.title,
        body="Line one\nBob's line two",
        audience="public",
        note="Bob fixed it",
    )
    client.force_login(alice)
    data = {
        "title": page.title,
        "body": "Line one\nAlice's line two",
        "audience": "public",
        "base_revision": "1",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Someone else saved this page" in html
    assert "Alice&#x27;s line two" in html  # her text is still in the form
    assert "<ins>" in html and "Bob&#x27;s line two" in html  # his change as a diff
    assert 'name="base_revision" value="2"' in html
    page = Page.objects.get(pk=page.pk)
    assert page.body == "Line one\nBob's line two"
    assert page.revision_number == 2

    # Saving again from the refreshed form goes through, with nothing silently lost.
    data["base_revision"] = "2"
    assert client.post(url, data).status_code == 302
    page.refresh_from_db()
    assert page.body == "Line one\nAlice's line two" and page.revision_number == 3


def test_missing_or_bad_base_revision_is_a_form_error(client, alice):
    community = community_with(alice)
    page = wiki_page(community=community, author=alice)
    client.force_login(alice)
    url = reverse("wiki:edit", args=[community.slug, page.slug])
    response = client.post(
        url, {"title": "T", "body": "b", "audience": "public", "base_revision": "x"}
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
