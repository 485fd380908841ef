"""Edit history for any kind: revisions recorded by services, shown behind the item's visibility."""

from __future__ import annotations

import pytest

from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.history import record_revision, revisions_of
from knowledgehub.knowledge.models import ContentRevision
from knowledgehub.testing.factories import CommunityFactory, MembershipFactory, PostFactory

pytestmark = pytest.mark.django_db


def test_revisions_are_numbered_and_unchanged_saves_are_not_recorded(alice):
    post = PostFactory(author=alice)
    first = record_revision(post, editor=alice, title="One", body="alpha")
    assert first is not None and first.number == 1
    assert record_revision(post, editor=alice, title="One", body="alpha") is None
    second = record_revision(post, editor=alice, title="Two", body="alpha\nbeta", note="added")
    assert second is not None and second.number == 2
    assert [r.number for r in revisions_of(post)] == [2, 1]


def test_history_and_diff_pages(client, alice):
    post = PostFactory(author=alice, audience=Audience.PUBLIC)
    record_revision(post, editor=alice, title="Plan", body="line one\nline two")
    record_revision(post, editor=alice, title="Plan B", body="line one\nline 2")
    item = post.knowledge_item
    page = client.get(f"/items/{item.pk}/history/").content.decode()
    assert "Compare revisions" in page and alice.display_name in page
    diff = client.get(f"/items/{item.pk}/history/diff/?from=2&to=1").content.decode()
    assert "<del>" in diff and "line two" in diff and "line 2" in diff and "Plan B" in diff


def test_bad_diff_requests_get_clear_answers(client, alice):
    post = PostFactory(author=alice, audience=Audience.PUBLIC)
    record_revision(post, editor=alice, title="Plan", body="x")
    item = post.knowledge_item
    response = client.get(f"/items/{item.pk}/history/diff/?from=a&to=1")
    assert response.status_code == 400 and "Choose two revisions" in response.content.decode()
    assert client.get(f"/items/{item.pk}/history/diff/?from=1&to=9").status_code == 404


def test_history_of_an_item_you_cannot_see_is_a_404(client, alice, bob):
    community = CommunityFactory(visibility=Visibility.PRIVATE)
    MembershipFactory(community=community, user=alice)
    post = PostFactory(author=alice, community=community, audience=Audience.COMMUNITY)
    record_revision(post, editor=alice, title="Secret plan", body="x")
    item = post.knowledge_item
    client.force_login(bob)
    assert client.get(f"/items/{item.pk}/history/").status_code == 404
    assert client.get(f"/items/{item.pk}/history/diff/?from=1&to=1").status_code == 404


def test_deleting_content_deletes_its_history(alice):
    post = PostFactory(author=alice)
    record_revision(post, editor=alice, title="t", body="b")
    post.delete()
    assert not ContentRevision.objects.exists()
