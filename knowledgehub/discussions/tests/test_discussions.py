"""Comments, reactions, reports and moderation on any item, always behind the visibility rule."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.discussions.models import Comment, Reaction, Report
from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import CommunityFactory, MembershipFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(alice, bob, carol):
    community = CommunityFactory(visibility=Visibility.RESTRICTED)
    MembershipFactory(community=community, user=alice, role=Role.OWNER)
    MembershipFactory(community=community, user=bob)
    post = PostFactory(author=bob, community=community, audience=Audience.COMMUNITY)
    return community, post, post.knowledge_item


def test_member_comments_and_replies_one_level_deep(client, bob, setting):
    _c, post, item = setting
    client.force_login(bob)
    client.post(f"/items/{item.pk}/comment/", {"body": "Worked for us **too**"})
    top = Comment.objects.get()
    assert "<strong>too</strong>" in top.body_html
    client.post(f"/items/{item.pk}/comment/", {"body": "Reply", "parent": top.pk})
    reply = Comment.objects.get(body="Reply")
    client.post(f"/items/{item.pk}/comment/", {"body": "Reply to reply", "parent": reply.pk})
    assert Comment.objects.get(body="Reply to reply").parent == top
    page = client.get(post.get_absolute_url()).content.decode()
    assert "3 comments" in page and "Worked for us" in page


def test_outsiders_cannot_comment_react_or_report_on_what_they_cannot_see(client, carol, setting):
    _c, _post, item = setting
    client.force_login(carol)
    for url, data in [
        (f"/items/{item.pk}/comment/", {"body": "hi"}),
        (f"/items/{item.pk}/react/", {"kind": "useful"}),
        (f"/items/{item.pk}/report/", {"reason": "spam"}),
    ]:
        assert client.post(url, data).status_code == 404
    assert not Comment.objects.exists() and not Reaction.objects.exists()
    assert not Report.objects.exists()


def test_former_member_loses_access(client, alice, bob, setting):
    community, _post, _item = setting
    item = PostFactory(
        author=alice, community=community, audience=Audience.COMMUNITY
    ).knowledge_item
    Membership.objects.filter(user=bob, community=community).delete()
    client.force_login(bob)
    assert client.post(f"/items/{item.pk}/comment/", {"body": "hi"}).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, setting):
    _c, _post, item = setting
    response = client.post(f"/items/{item.pk}/comment/", {"body": "hi"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_empty_comment_and_bad_parent_are_clear_errors(client, bob, setting):
    _c, _post, item = setting
    client.force_login(bob)
    response = client.post(f"/items/{item.pk}/comment/", {"body": "   "}, follow=True)
    assert "Enter your comment" in response.content.decode()
    assert (
        client.post(f"/items/{item.pk}/comment/", {"body": "x", "parent": "999"}).status_code == 404
    )
    assert (
        client.post(f"/items/{item.pk}/comment/", {"body": "x", "parent": "abc"}).status_code == 404
    )


def test_reactions_toggle_and_count(client, bob, alice, setting):
    _c, _post, item = setting
    client.force_login(bob)
    client.post(f"/items/{item.pk}/react/", {"kind": "useful"})
    client.force_login(alice)
    client.post(f"/items/{item.pk}/react/", {"kind": "useful"})
    assert Reaction.objects.filter(item=item, kind="useful").count() == 2
    client.post(f"/items/{item.pk}/react/", {"kind": "useful"})
    assert Reaction.objects.filter(item=item, kind="useful").count() == 1
    client.post(f"/items/{item.pk}/react/", {"kind": "nonsense"})
    assert Reaction.objects.count() == 1


def test_htmx_reaction_returns_the_discussion_fragment(client, bob, setting):
    _c, _post, item = setting
    client.force_login(bob)
    response = client.post(f"/items/{item.pk}/react/", {"kind": "thanks"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="discussion"')
    assert 'aria-pressed="true"' in body


def test_facilitators_hide_and_restore_members_cannot(client, alice, bob, carol, setting):
    community, post, item = setting
    client.force_login(carol)
    MembershipFactory(community=community, user=carol)
    client.post(f"/items/{item.pk}/comment/", {"body": "rude words"})
    comment = Comment.objects.get()
    client.force_login(bob)
    client.post(f"/comments/{comment.pk}/hide/")
    comment.refresh_from_db()
    assert not comment.is_hidden
    client.force_login(alice)
    client.post(f"/comments/{comment.pk}/hide/")
    comment.refresh_from_db()
    assert comment.is_hidden and comment.hidden_by == alice
    client.force_login(bob)
    assert "rude words" not in client.get(post.get_absolute_url()).content.decode()
    client.force_login(carol)  # the author still sees it, marked hidden
    page = client.get(post.get_absolute_url()).content.decode()
    assert "rude words" in page and "Hidden by a facilitator" in page
    client.force_login(alice)
    client.post(f"/comments/{comment.pk}/restore/")
    comment.refresh_from_db()
    assert not comment.is_hidden


def test_report_form(client, bob, setting):
    _c, _post, item = setting
    client.force_login(bob)
    assert client.get(f"/items/{item.pk}/report/").status_code == 200
    response = client.post(f"/items/{item.pk}/report/", {"reason": ""})
    assert response.status_code == 400
    assert "Tell the facilitators what is wrong" in response.content.decode()
    client.post(f"/items/{item.pk}/report/", {"reason": "Out of date"})
    assert Report.objects.get().reason == "Out of date"
    assert client.get(f"/items/{item.pk}/report/?comment=abc").status_code == 404


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        '<iframe src="https://evil.example"></iframe>',
    ],
)
def test_comment_markdown_is_inert(client, bob, setting, payload):
    _c, _post, item = setting
    client.force_login(bob)
    client.post(f"/items/{item.pk}/comment/", {"body": payload})
    tags = _tags(Comment.objects.get().body_html)
    assert not {name for name, _attrs in tags} & {"script", "img", "iframe", "svg", "object"}
    for _name, attrs in tags:
        for key, value in attrs:
            assert not key.startswith("on")
            assert not (value or "").strip().lower().startswith(("javascript:", "data:"))


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every element actually present in the HTML (escaped text is not an element)."""
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collector().feed(html)
    return found
