"""Facilitators hide and restore whole items, and act on reports from a queue."""

from __future__ import annotations

import pytest

from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.discussions.choices import ReportOutcome, ReportStatus
from knowledgehub.discussions.models import Comment, Report
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.testing.factories import CommunityFactory, MembershipFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(alice, bob, carol):
    """alice facilitates an open community; bob wrote a public post there; carol is a member."""
    community = CommunityFactory(visibility=Visibility.OPEN)
    MembershipFactory(community=community, user=alice, role=Role.FACILITATOR)
    MembershipFactory(community=community, user=bob)
    MembershipFactory(community=community, user=carol)
    post = PostFactory(author=bob, community=community, audience=Audience.PUBLIC)
    return community, post, post.knowledge_item


def test_a_facilitator_hides_an_item_and_it_disappears_for_everyone_else(
    client, alice, bob, carol, setting
):
    _community, post, item = setting
    client.force_login(alice)
    response = client.post(f"/items/{item.pk}/hide/")
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.is_hidden and item.hidden_by == alice and item.hidden_at is not None

    # The facilitator and the author still see it, with a notice; a member and the public do not.
    page = client.get(post.get_absolute_url())
    assert page.status_code == 200 and "Hidden by a facilitator" in page.content.decode()
    client.force_login(bob)
    assert client.get(post.get_absolute_url()).status_code == 200
    client.force_login(carol)
    assert client.get(post.get_absolute_url()).status_code == 404
    assert not Item.objects.visible_to(carol).filter(pk=item.pk).exists()
    client.logout()
    assert client.get(post.get_absolute_url()).status_code == 404
    assert post.title not in client.get("/feed.atom").content.decode()

    client.force_login(alice)
    client.post(f"/items/{item.pk}/restore/")
    item.refresh_from_db()
    assert not item.is_hidden and item.hidden_by is None
    client.logout()
    assert client.get(post.get_absolute_url()).status_code == 200


def test_an_edit_by_the_author_does_not_unhide_the_item(client, alice, setting):
    _community, post, item = setting
    client.force_login(alice)
    client.post(f"/items/{item.pk}/hide/")
    post.title = "Edited after hiding"
    post.save()
    item.refresh_from_db()
    assert item.is_hidden and item.title == "Edited after hiding"


def test_members_cannot_hide_items(client, bob, carol, setting):
    _community, _post, item = setting
    for person in (bob, carol):  # the author is not a moderator either
        client.force_login(person)
        client.post(f"/items/{item.pk}/hide/")
        item.refresh_from_db()
        assert not item.is_hidden


def test_unknown_moderation_action_is_a_404(client, alice, setting):
    _community, _post, item = setting
    client.force_login(alice)
    assert client.post(f"/items/{item.pk}/delete-everything/").status_code == 404
    assert client.post("/comments/1/delete-everything/").status_code == 404


def test_report_queue_shows_only_reports_a_person_may_act_on(
    client, alice, bob, carol, dave, setting
):
    _community, _post, item = setting
    other = CommunityFactory(visibility=Visibility.OPEN)
    MembershipFactory(community=other, user=carol, role=Role.OWNER)
    elsewhere = PostFactory(author=carol, community=other, audience=Audience.PUBLIC).knowledge_item
    Report.objects.create(item=item, reporter=carol, reason="Off topic here")
    Report.objects.create(item=elsewhere, reporter=bob, reason="Spam over there")

    client.force_login(alice)
    page = client.get("/moderation/").content.decode()
    assert "Off topic here" in page and "Spam over there" not in page
    client.force_login(carol)
    page = client.get("/moderation/").content.decode()
    assert "Spam over there" in page and "Off topic here" not in page
    client.force_login(bob)
    page = client.get("/moderation/").content.decode()
    assert "There are no open reports" in page
    client.force_login(dave)  # a site admin sees every report
    page = client.get("/moderation/").content.decode()
    assert "Spam over there" in page and "Off topic here" in page


def test_acting_on_a_report_hides_the_item_and_resolves_it_once(client, alice, carol, setting):
    _community, _post, item = setting
    report = Report.objects.create(item=item, reporter=carol, reason="Wrong")
    client.force_login(alice)
    client.post(f"/moderation/{report.pk}/resolve/", {"outcome": "hidden"})
    report.refresh_from_db()
    item.refresh_from_db()
    assert report.status == ReportStatus.RESOLVED and report.outcome == ReportOutcome.HIDDEN
    assert report.resolved_by == alice and item.is_hidden
    # A second click changes nothing.
    client.post(f"/moderation/{report.pk}/resolve/", {"outcome": "dismissed"})
    report.refresh_from_db()
    assert report.outcome == ReportOutcome.HIDDEN
    assert "Wrong" in client.get("/moderation/?status=resolved").content.decode()


def test_a_report_about_a_comment_hides_the_comment_not_the_item(client, alice, bob, setting):
    _community, _post, item = setting
    comment = Comment.objects.create(item=item, author=bob, body="rude")
    report = Report.objects.create(item=item, comment=comment, reporter=alice, reason="Rude")
    client.force_login(alice)
    client.post(f"/moderation/{report.pk}/resolve/", {"outcome": "hidden"})
    comment.refresh_from_db()
    item.refresh_from_db()
    assert comment.is_hidden and not item.is_hidden


def test_dismissing_and_bad_outcomes(client, alice, carol, setting):
    _community, _post, item = setting
    report = Report.objects.create(item=item, reporter=carol, reason="Hmm")
    client.force_login(alice)
    response = client.post(f"/moderation/{report.pk}/resolve/", {"outcome": "explode"}, follow=True)
    assert response.status_code == 200
    assert "Choose what to do" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.OPEN
    client.post(f"/moderation/{report.pk}/resolve/", {"outcome": "dismissed"})
    report.refresh_from_db()
    item.refresh_from_db()
    assert report.outcome == ReportOutcome.DISMISSED and not item.is_hidden


def test_people_cannot_resolve_reports_they_cannot_act_on(client, bob, carol, setting):
    _community, _post, item = setting
    report = Report.objects.create(item=item, reporter=carol, reason="Hmm")
    client.force_login(bob)
    assert (
        client.post(f"/moderation/{report.pk}/resolve/", {"outcome": "hidden"}).status_code == 404
    )
    client.logout()
    response = client.get("/moderation/")
    assert response.status_code == 302


def test_a_hidden_comment_leaves_followers_streams_and_comes_back_when_restored(
    alice, bob, carol, setting
):
    from knowledgehub.discussions.services import comment_add, comment_set_hidden
    from knowledgehub.follows.models import Activity

    _community, _post, item = setting
    comment = comment_add(item=item, author=bob, body="Something unkind")
    commented = Activity.objects.filter(verb="commented", url__endswith=f"#comment-{comment.pk}")
    assert commented.count() == 1
    comment_set_hidden(actor=alice, comment=comment, hidden=True)
    assert commented.count() == 0
    comment_set_hidden(actor=alice, comment=comment, hidden=False)
    assert commented.count() == 1
