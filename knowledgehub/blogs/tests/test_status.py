"""Draft, scheduled and published posts: who sees them, the index, and the publishing task."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from knowledgehub.blogs.choices import Status
from knowledgehub.blogs.models import Post
from knowledgehub.blogs.services import post_create, post_update, publish_due_posts
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _draft(author, **kwargs):  # type: ignore[no-untyped-def]
    return post_create(
        author=author,
        title=kwargs.pop("title", "Secret plans"),
        body=kwargs.pop("body", "Not ready yet"),
        audience=Audience.PUBLIC,
        status=Status.DRAFT,
        **kwargs,
    )


def _scheduled(author, *, minutes: int = 5, **kwargs):  # type: ignore[no-untyped-def]
    return post_create(
        author=author,
        title=kwargs.pop("title", "Coming soon"),
        body=kwargs.pop("body", "Later"),
        audience=Audience.PUBLIC,
        status=Status.SCHEDULED,
        publish_at=timezone.now() + timedelta(minutes=minutes),
        **kwargs,
    )


def _make_due(post: Post) -> None:
    Post.objects.filter(pk=post.pk).update(published_at=timezone.now() - timedelta(seconds=1))


def test_a_draft_is_not_in_the_index_and_only_its_author_sees_it(client, alice, bob):  # type: ignore[no-untyped-def]
    draft = _draft(alice, tags=["plans"])
    assert draft.knowledge_item is None
    assert not Item.objects.filter(title="Secret plans").exists()
    url = draft.get_absolute_url()
    assert client.get(url).status_code == 404
    client.force_login(bob)
    assert client.get(url).status_code == 404
    assert "Secret plans" not in client.get("/people/alice/blog/").content.decode()
    client.force_login(alice)
    page = client.get(url)
    assert page.status_code == 200 and "Only you can see this post" in page.content.decode()
    blog = client.get("/people/alice/blog/").content.decode()
    assert "Your drafts" in blog and "Secret plans" in blog


def test_drafts_and_scheduled_posts_are_absent_from_feeds_and_lists(client, alice):  # type: ignore[no-untyped-def]
    _draft(alice, tags=["plans"])
    _scheduled(alice, tags=["plans"])
    post_create(author=alice, title="Out now", body="x", audience=Audience.PUBLIC, tags=["plans"])
    for url in ["/feed.atom", "/people/alice/feed.atom", "/people/alice/", "/people/alice/blog/"]:
        text = client.get(url).content.decode()
        assert "Out now" in text, url
        assert "Secret plans" not in text and "Coming soon" not in text, url
    client.force_login(alice)
    assert "Secret plans" not in client.get("/tags/plans/").content.decode()


def test_scheduling_needs_a_future_time(alice):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        post_create(
            author=alice,
            title="Past",
            body="x",
            audience=Audience.PUBLIC,
            status=Status.SCHEDULED,
            publish_at=timezone.now() - timedelta(minutes=1),
        )
    assert not Post.objects.exists()


def test_a_scheduled_post_is_published_exactly_once(client, alice, bob):  # type: ignore[no-untyped-def]
    post = _scheduled(alice, body="Thanks @bob for the figures")
    assert post.knowledge_item is None
    assert publish_due_posts() == 0  # not due yet
    _make_due(post)
    assert publish_due_posts() == 1
    assert publish_due_posts() == 0  # a second run (or worker) does nothing
    post.refresh_from_db()
    assert post.status == Status.PUBLISHED
    assert Item.objects.filter(kind="blog_post", object_id=post.pk).count() == 1
    # The mention is notified when the post goes out, once.
    assert Notification.objects.filter(recipient=bob).count() == 1


def test_publish_due_posts_skips_a_row_another_worker_flipped(alice):  # type: ignore[no-untyped-def]
    post = _scheduled(alice)
    Post.objects.filter(pk=post.pk).update(
        status=Status.PUBLISHED, published_at=timezone.now() - timedelta(minutes=1)
    )  # as if another worker won the race (and will index it itself)
    assert publish_due_posts() == 0
    assert post.knowledge_item is None


def test_the_periodic_task_publishes_due_posts(alice):  # type: ignore[no-untyped-def]
    from knowledgehub import tasks

    post = _scheduled(alice)
    _make_due(post)
    tasks.every_minute_publish_scheduled_blog_posts.call_local()
    post.refresh_from_db()
    assert post.status == Status.PUBLISHED and post.knowledge_item is not None


def test_a_draft_published_later_is_dated_then_and_stays_published(client, alice):  # type: ignore[no-untyped-def]
    draft = _draft(alice)
    Post.objects.filter(pk=draft.pk).update(published_at=timezone.now() - timedelta(days=3))
    draft.refresh_from_db()
    post = post_update(
        post=draft,
        editor=alice,
        title="Now ready",
        body="Done",
        audience=Audience.PUBLIC,
        status=Status.PUBLISHED,
    )
    assert post.published_at > timezone.now() - timedelta(minutes=1)
    assert post.knowledge_item is not None
    # Unpublishing would drop the Item with its comments (and undo a facilitator's hiding).
    with pytest.raises(ValidationError):
        post_update(
            post=post,
            editor=alice,
            title="Now ready",
            body="Done",
            audience=Audience.PUBLIC,
            status=Status.DRAFT,
        )
    assert post.knowledge_item is not None
    client.force_login(alice)
    form = client.get(post.get_edit_url()).content.decode()
    assert 'name="status"' not in form and 'name="title"' in form


def test_a_scheduled_post_can_be_moved_or_published_now(client, alice):  # type: ignore[no-untyped-def]
    post = _scheduled(alice)
    client.force_login(alice)
    form = client.get(post.get_edit_url()).content.decode()
    local = post.published_at.astimezone(ZoneInfo("Europe/London")).strftime("%Y-%m-%dT%H:%M")
    assert f'value="{local}"' in form
    response = client.post(
        post.get_edit_url(),
        {"title": "Coming soon", "body": "Now", "audience": Audience.PUBLIC, "status": "published"},
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.is_live and post.knowledge_item is not None


def test_schedule_in_uk_time_through_the_form(client, alice):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    response = client.post(
        "/blogs/new/",
        {
            "title": "Summer post",
            "body": "Hello",
            "audience": Audience.PUBLIC,
            "status": Status.SCHEDULED,
            "publish_at": "2099-07-01T09:30",
            "save": "1",
        },
    )
    assert response.status_code == 302
    post = Post.objects.get(title="Summer post")
    assert post.status == Status.SCHEDULED
    # 09:30 British Summer Time is 08:30 UTC.
    assert (post.published_at.hour, post.published_at.minute) == (8, 30)
    assert post.knowledge_item is None
    past = client.post(
        "/blogs/new/",
        {
            "title": "Too late",
            "body": "Hello",
            "audience": Audience.PUBLIC,
            "status": Status.SCHEDULED,
            "publish_at": "2001-01-01T09:30",
        },
    )
    assert past.status_code == 200 and "must be in the future" in past.content.decode()
    assert not Post.objects.filter(title="Too late").exists()
