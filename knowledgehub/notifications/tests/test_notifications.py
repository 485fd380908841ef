"""Notifications: @mentions and reports notify only people who can see the item, once, and a
notification disappears when its reader loses sight of the item."""

from __future__ import annotations

import pytest

from knowledgehub.communities import services as community_services
from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.discussions.services import comment_add, report_create
from knowledgehub.knowledge.choices import Audience
from knowledgehub.notifications.choices import Verb
from knowledgehub.notifications.models import Notification
from knowledgehub.notifications.services import notify_mentions
from knowledgehub.testing.factories import CommunityFactory, MembershipFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_post(alice, bob):
    """A community-only post in a private community that alice owns and bob belongs to."""
    community = CommunityFactory(visibility=Visibility.PRIVATE)
    MembershipFactory(community=community, user=alice, role=Role.OWNER)
    MembershipFactory(community=community, user=bob)
    return PostFactory(author=alice, community=community, audience=Audience.COMMUNITY)


def test_a_mention_in_a_comment_notifies_a_member_and_not_an_outsider(
    alice, bob, carol, private_post
):
    item = private_post.knowledge_item
    comment = comment_add(item=item, author=alice, body=f"@{bob.username} and @{carol.username}?")
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == [
        bob.username
    ]
    note = Notification.objects.get()
    assert note.verb == Verb.MENTION and note.actor == alice and note.item == item
    assert note.url.endswith(f"#comment-{comment.pk}")
    # The mention is linked in the rendered comment, for the member and the outsider alike.
    assert f'href="/people/{bob.username}/"' in comment.body_html


def test_no_one_is_notified_of_their_own_mention_or_twice_for_the_same_text(alice, private_post):
    item = private_post.knowledge_item
    assert (
        notify_mentions(body=f"note to self @{alice.username}", item=item, actor=alice, key="x")
        == []
    )
    assert not Notification.objects.exists()


def test_the_same_cause_notifies_once(alice, bob, private_post):
    item = private_post.knowledge_item
    body = f"Hello @{bob.username}"
    assert len(notify_mentions(body=body, item=item, actor=alice, key="post:1")) == 1
    assert notify_mentions(body=body, item=item, actor=alice, key="post:1") == []
    assert Notification.objects.count() == 1


def test_mentions_in_code_and_e_mail_addresses_do_not_notify(alice, bob, private_post):
    item = private_post.knowledge_item
    body = f"`@{bob.username}` and someone{bob.username}@example.org"
    assert notify_mentions(body=body, item=item, actor=alice, key="k") == []


def test_leaving_the_community_takes_notifications_away(client, alice, bob, private_post):
    comment_add(item=private_post.knowledge_item, author=alice, body=f"@{bob.username} look")
    client.force_login(bob)
    page = client.get("/notifications/").content.decode()
    assert "mentioned you" in page
    assert 'class="kh-count"' in client.get("/").content.decode()
    community_services.community_leave(user=bob, community=private_post.community)
    page = client.get("/notifications/").content.decode()
    assert "mentioned you" not in page
    assert 'class="kh-count"' not in client.get("/").content.decode()


def test_opening_a_notification_marks_it_read_and_goes_to_the_item(
    client, alice, bob, private_post
):
    comment_add(item=private_post.knowledge_item, author=alice, body=f"@{bob.username} look")
    note = Notification.objects.get()
    client.force_login(bob)
    response = client.get(f"/notifications/{note.pk}/")
    assert response.status_code == 302 and response["Location"] == note.url
    note.refresh_from_db()
    assert note.read_at is not None


def test_someone_else_cannot_open_my_notification(client, alice, bob, carol, private_post):
    comment_add(item=private_post.knowledge_item, author=alice, body=f"@{bob.username} look")
    note = Notification.objects.get()
    client.force_login(carol)
    assert client.get(f"/notifications/{note.pk}/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_an_outside_url_is_never_followed(client, alice, bob, private_post):
    note = Notification.objects.create(
        recipient=bob, verb=Verb.MENTION, key="k", text="t", url="//evil.example/x"
    )
    client.force_login(bob)
    response = client.get(f"/notifications/{note.pk}/")
    assert response["Location"] == "/notifications/"


def test_mark_all_read(client, alice, bob, private_post):
    item = private_post.knowledge_item
    comment_add(item=item, author=alice, body=f"@{bob.username} one")
    comment_add(item=item, author=alice, body=f"@{bob.username} two")
    client.force_login(bob)
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_a_report_notifies_the_facilitators(alice, bob, carol, private_post):
    report_create(item=private_post.knowledge_item, reporter=bob, reason="Not right")
    note = Notification.objects.get()
    assert note.recipient == alice and note.verb == Verb.REPORT
    assert note.url.startswith("/moderation/")


def test_signed_out_people_are_asked_to_sign_in(client):
    assert client.get("/notifications/").status_code == 302
