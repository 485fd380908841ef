"""Edit (author), delete (author, facilitators, site admins), history and preview."""

from __future__ import annotations

import pytest

from knowledgehub.blogs.models import Attachment, Post, render_body
from knowledgehub.blogs.services import attachment_add, post_create
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.history import revisions_of
from knowledgehub.knowledge.models import Item
from knowledgehub.testing.factories import UserFactory, community_with

from . import helpers

pytestmark = pytest.mark.django_db


def _form(**overrides):  # type: ignore[no-untyped-def]
    data = {
        "title": "Edited",
        "body": "New body",
        "audience": Audience.PUBLIC,
        "status": "published",
        "save": "1",
    }
    data.update(overrides)
    return data


@pytest.fixture
def post(bob, community):  # type: ignore[no-untyped-def]
    return post_create(
        author=bob, title="Bob's post", body="First", audience=Audience.PUBLIC, community=community
    )


def test_the_author_edits_and_each_edit_is_a_revision(client, bob, post):  # type: ignore[no-untyped-def]
    assert revisions_of(post).count() == 1
    client.force_login(bob)
    assert client.get(post.get_edit_url()).status_code == 200
    response = client.post(post.get_edit_url(), _form(tags="bins, food"))
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    post.refresh_from_db()
    assert post.title == "Edited" and post.body == "New body"
    revisions = list(revisions_of(post).order_by("number"))
    assert [(r.number, r.title, r.body) for r in revisions] == [
        (1, "Bob's post", "First"),
        (2, "Edited", "New body"),
    ]
    assert revisions[1].editor == bob
    item = Item.objects.get(object_id=post.pk, kind="blog_post")
    assert item.title == "Edited" and sorted(t.name for t in item.tags.all()) == ["bins", "food"]
    page = client.get(post.get_absolute_url()).content.decode()
    assert f"/items/{item.pk}/history/" in page
    assert client.get(f"/items/{item.pk}/history/").status_code == 200


def test_facilitators_and_others_cannot_edit(client, alice, carol, dave, post):  # type: ignore[no-untyped-def]
    for user in (alice, carol, dave):  # owner, outsider, site admin
        client.force_login(user)
        assert client.post(post.get_edit_url(), _form()).status_code == 403
        assert "Edit this post" not in client.get(post.get_absolute_url()).content.decode()
    post.refresh_from_db()
    assert post.title == "Bob's post"


def test_delete_needs_confirmation_and_is_for_author_managers_and_admins(  # type: ignore[no-untyped-def]
    client, alice, bob, carol, dave, community
):
    facilitator = UserFactory()
    from knowledgehub.testing.factories import MembershipFactory

    MembershipFactory(community=community, user=facilitator, role="facilitator")

    def new_post() -> Post:
        return post_create(
            author=bob, title="To delete", body="x", audience=Audience.PUBLIC, community=community
        )

    victim = new_post()
    client.force_login(carol)
    assert client.get(victim.get_delete_url()).status_code == 403
    assert client.post(victim.get_delete_url()).status_code == 403
    for user in (bob, alice, facilitator, dave):
        victim = new_post()
        client.force_login(user)
        page = client.get(victim.get_delete_url())
        assert page.status_code == 200 and "You cannot undo this" in page.content.decode()
        assert Post.objects.filter(pk=victim.pk).exists()  # GET deletes nothing
        response = client.post(victim.get_delete_url())
        assert (
            response.status_code == 302 and response["Location"] == "/communities/food-waste/blog/"
        )
        assert not Post.objects.filter(pk=victim.pk).exists()
        assert not Item.objects.filter(kind="blog_post", object_id=victim.pk).exists()
        assert not revisions_of(victim).exists()


def test_delete_removes_the_files(bob, post, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    from knowledgehub.blogs.services import post_delete, post_update

    post = post_update(
        post=post,
        editor=bob,
        title=post.title,
        body=post.body,
        audience=post.audience,
        cover=helpers.png(),
        cover_alt="x",
    )
    attachment = attachment_add(post=post, upload=helpers.text_file(), uploaded_by=bob)
    storage = attachment.file.storage
    names = [attachment.file.name, post.cover.name]
    assert all(storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        post_delete(post=post)
    assert not Attachment.objects.exists()
    assert not any(storage.exists(n) for n in names)


def test_preview_renders_what_the_page_shows(client, alice, bob):  # type: ignore[no-untyped-def]
    body = "## Plan\n\nAsk @bob about **bins** <script>alert(1)</script>\n\n- one\n- two"
    client.force_login(alice)
    preview = client.post("/blogs/new/", _form(title="Previewed", body=body, preview="1"))
    assert preview.status_code == 200
    assert not Post.objects.filter(title="Previewed").exists()  # a preview saves nothing
    html = render_body(body)
    assert "<script>" not in html and 'href="/people/bob/"' in html and "<h2>Plan</h2>" in html
    assert html in preview.content.decode()
    client.post("/blogs/new/", _form(title="Previewed", body=body))
    post = Post.objects.get(title="Previewed")
    assert html in client.get(post.get_absolute_url()).content.decode()
    # The edit form previews with the same renderer.
    edit_preview = client.post(post.get_edit_url(), _form(body=body, preview="1"))
    assert html in edit_preview.content.decode()


def test_a_community_audience_needs_a_community(client, alice):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    response = client.post("/blogs/new/", _form(audience=Audience.COMMUNITY))
    assert response.status_code == 200 and "Choose a community" in response.content.decode()


def test_a_community_post_cannot_be_written_into_a_community_you_are_not_in(client, carol):  # type: ignore[no-untyped-def]
    other = community_with(UserFactory())
    client.force_login(carol)
    response = client.post("/blogs/new/", _form(community=str(other.pk)))
    assert response.status_code == 200
    assert not Post.objects.filter(community=other).exists()
