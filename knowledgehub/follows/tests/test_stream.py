from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from knowledgehub.communities.choices import Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.discussions.services import comment_add, reaction_toggle
from knowledgehub.follows.choices import Verb
from knowledgehub.follows.models import Activity
from knowledgehub.follows.services import follow
from knowledgehub.follows.stream import BadCursor, score, stream
from knowledgehub.forums.services import reply_create
from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import (
    OrganisationFactory,
    UserFactory,
    blog_post,
    community_with,
    feed_item,
    feed_subscription,
    forum_thread,
)

pytestmark = pytest.mark.django_db


def titles(page):  # type: ignore[no-untyped-def]
    return [c.item.title for c in page.cards]


def test_hooks_record_activities(alice, bob):
    community = community_with(bob)
    post = blog_post(author=bob, title="Bins")
    item = post.knowledge_item
    assert Activity.objects.get(item=item).verb == Verb.POSTED
    assert Activity.objects.get(item=item).actor == bob
    comment_add(item=item, author=alice, body="Nice")
    thread = forum_thread(author=bob, community=community, title="Potholes")
    reply_create(thread=thread, author=alice, body="Agreed")
    verbs = sorted(Activity.objects.values_list("verb", flat=True))
    assert verbs == ["commented", "posted", "posted", "replied"]
    reply = Activity.objects.get(verb=Verb.REPLIED)
    assert reply.group_key == f"thread:{thread.pk}"
    assert reply.community == community
    # Editing re-syncs the Item; it does not post again.
    post.title = "Bins, again"
    post.save()
    assert Activity.objects.filter(item=item, verb=Verb.POSTED).count() == 1


def test_stream_shows_followed_people_tags_orgs_feeds_and_own_communities(alice, bob, carol):
    org = OrganisationFactory()
    dan = UserFactory(organisation=org)
    community = community_with(carol, members=(alice,))
    blog_post(author=bob, title="From Bob")
    blog_post(author=carol, title="Tagged", tags=["housing"])
    blog_post(author=dan, title="From the org")
    blog_post(author=carol, title="In my community", community=community)
    blog_post(author=carol, title="Not followed")
    sub = feed_subscription()
    feed_item(sub, title="From the feed")
    assert titles(stream(alice)) == ["In my community"]  # members see their communities

    from knowledgehub.knowledge.models import Tag

    follow(alice, bob)
    follow(alice, Tag.objects.get(slug="housing"))
    follow(alice, org)
    follow(alice, sub.source)
    got = titles(stream(alice))
    assert got == ["From the feed", "In my community", "From the org", "Tagged", "From Bob"]
    assert "Not followed" not in got


def test_own_activities_are_left_out(alice, bob):
    community = community_with(alice, members=(bob,))
    blog_post(author=alice, title="Mine", community=community)
    assert titles(stream(alice)) == []
    assert titles(stream(bob)) == ["Mine"]


def test_newest_first_and_pagination_with_cursor(alice, bob):
    follow(alice, bob)
    for n in range(7):
        blog_post(author=bob, title=f"Post {n}")
    first = stream(alice, page_size=3)
    assert titles(first) == ["Post 6", "Post 5", "Post 4"]
    assert first.next_cursor
    second = stream(alice, page_size=3, before=first.next_cursor)
    assert titles(second) == ["Post 3", "Post 2", "Post 1"]
    third = stream(alice, page_size=3, before=second.next_cursor)
    assert titles(third) == ["Post 0"]
    assert third.next_cursor == ""
    with pytest.raises(BadCursor):
        stream(alice, before="nonsense")


def test_replies_are_grouped_by_thread(alice, bob, carol):
    community = community_with(bob, members=(alice, carol))
    thread = forum_thread(author=bob, community=community, title="Thread X")
    for n in range(5):
        reply_create(thread=thread, author=carol if n % 2 else bob, body=f"reply {n}")
    page = stream(alice)
    replies = [c for c in page.cards if c.verb == Verb.REPLIED]
    assert len(replies) == 1
    assert replies[0].count == 5
    assert {a.username for a in replies[0].actors} == {"bob", "carol"}
    assert [c.verb for c in page.cards] == ["replied", "posted"]


def test_grouped_card_text_on_the_page(client, alice, bob):
    community = community_with(bob, members=(alice,))
    thread = forum_thread(author=bob, community=community, title="Thread X")
    for n in range(5):
        person = UserFactory(name=f"Replier {n}")
        Membership.objects.create(community=community, user=person, role="member")
        reply_create(thread=thread, author=person, body=f"reply {n}")
    client.force_login(alice)
    html = client.get(reverse("follows:stream")).content.decode()
    assert "5 new replies in" in html
    assert "Thread X" in html
    assert "Replier 4, Replier 3, Replier 2 and 2 others" in " ".join(html.split())


def test_leaving_a_community_removes_its_activities_at_once(client, alice, bob):
    community = community_with(bob, members=(alice,), visibility=Visibility.RESTRICTED)
    blog_post(author=bob, title="Members only", community=community, audience=Audience.COMMUNITY)
    follow(alice, bob)
    follow(alice, community)
    assert titles(stream(alice)) == ["Members only"]
    client.force_login(alice)
    assert "Members only" in client.get("/").content.decode()
    Membership.objects.filter(community=community, user=alice).delete()
    assert titles(stream(alice)) == []
    assert "Members only" not in client.get("/").content.decode()
    assert "Members only" not in client.get(reverse("follows:stream_json")).content.decode()


def test_stream_never_shows_what_the_viewer_may_not_see(alice, bob):
    secret = community_with(bob, visibility=Visibility.SECRET)
    follow(alice, bob)
    blog_post(author=bob, title="Secret", community=secret, audience=Audience.COMMUNITY)
    blog_post(author=bob, title="Private", audience=Audience.PRIVATE)
    blog_post(author=bob, title="Public")
    assert titles(stream(alice)) == ["Public"]


def test_private_feed_follow_is_its_followers_alone(alice, bob):
    mine = feed_subscription(scope="private", user=bob, url="https://x.example/feed")
    feed_item(mine, title="Bob's private feed entry")
    activity = Activity.objects.get()
    assert activity.actor is None and activity.source == mine.source
    follow(bob, mine.source)
    assert titles(stream(bob)) == ["Bob's private feed entry"]
    assert titles(stream(alice)) == []


def test_most_relevant_weights_interactions_follows_and_freshness(alice, bob, carol):
    follow(alice, bob)
    community = community_with(carol, members=(alice,))
    quiet = blog_post(author=bob, title="Quiet")
    busy = blog_post(author=carol, title="Busy", community=community)
    Activity.objects.filter(item=quiet.knowledge_item).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    Activity.objects.filter(item=busy.knowledge_item).update(
        created_at=timezone.now() - timedelta(hours=2)
    )
    assert titles(stream(alice)) == ["Quiet", "Busy"]
    # Interactions lift "Busy" above the newer post by a followed person.
    item = busy.knowledge_item
    for person in UserFactory.create_batch(6):
        reaction_toggle(item=item, user=person, kind="like")
    for person in UserFactory.create_batch(3):
        comment_add(item=item, author=person, body="+1")
    Activity.objects.filter(verb=Verb.COMMENTED).update(
        created_at=timezone.now() - timedelta(hours=3)
    )
    page = stream(alice, order="relevant")
    assert titles(page)[0] == "Busy"
    assert page.cards[0].score > page.cards[1].score
    # Freshness: a week-old item loses to a fresh one of equal weight.
    assert score(weight=3, interactions=0, group_size=1, age_hours=0) > score(
        weight=3, interactions=0, group_size=1, age_hours=24 * 7
    )
    assert score(weight=3, interactions=5, group_size=1, age_hours=1) > score(
        weight=3, interactions=0, group_size=1, age_hours=1
    )


def test_query_count_is_constant_per_page(alice, bob):
    follow(alice, bob)
    community = community_with(bob, members=(alice,))
    for n in range(3):
        blog_post(author=bob, title=f"a{n}", community=community)

    def count(order: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            page = stream(alice, order=order)
            for card in page.cards:
                _ = (card.item.community, card.actors, card.source, card.item.kind_label)
        return len(ctx.captured_queries)

    few = (count("newest"), count("relevant"))
    thread = forum_thread(author=bob, community=community)
    for n in range(25):
        blog_post(author=UserFactory(), title=f"b{n}", community=community)
        reply_create(thread=thread, author=bob, body=f"r{n}")
    assert (count("newest"), count("relevant")) == few


def test_page_query_count_is_constant(client, alice, bob):
    follow(alice, bob)
    client.force_login(alice)
    blog_post(author=bob, title="one")
    client.get(reverse("follows:stream"))  # the first request also touches the session
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("follows:stream"))
    for n in range(25):
        blog_post(author=bob, title=f"more {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("follows:stream"))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_more_link_works_without_js_and_htmx_appends(client, alice, bob):
    follow(alice, bob)
    for n in range(25):
        blog_post(author=bob, title=f"Post {n:02d}")
    client.force_login(alice)
    html = client.get(reverse("follows:stream")).content.decode()
    assert "Post 24" in html and "Post 04" not in html
    assert 'hx-trigger="revealed"' in html
    page = stream(alice)
    more = f"{reverse('follows:stream')}?order=newest&before={page.next_cursor}"
    assert more.replace("&", "&amp;") in html
    plain = client.get(more).content.decode()
    assert "<html" in plain and "Post 04" in plain and "Post 24" not in plain
    fragment = client.get(more, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "Post 04" in fragment
    bad = client.get(reverse("follows:stream") + "?before=xyz")
    assert bad.status_code == 400


def test_stream_page_needs_sign_in(client):
    response = client.get(reverse("follows:stream"))
    assert response.status_code == 302


def test_home_page_shows_the_stream(client, alice, bob):
    follow(alice, bob)
    blog_post(author=bob, title="Fresh from Bob")
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert "Your stream" in html
    assert "Bob Brown posted" in html and "Fresh from Bob" in html


def test_bulk_feed_ingest_records_grouped_activities(alice, bob):
    from knowledgehub.aggregator.ingest import ingest_bytes

    community = community_with(bob, members=(alice,))
    site = feed_subscription(url="https://news.example.org/rss")
    feed_subscription(url="https://news.example.org/rss", scope="community", community=community)
    entries = "".join(
        f"<item><title>Story {n}</title><link>https://news.example.org/{n}</link>"
        f"<guid>g{n}</guid></item>"
        for n in range(3)
    )
    data = f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{entries}'
    data += "</channel></rss>"
    ingest_bytes(site.source, data.encode())
    assert Activity.objects.filter(source=site.source, verb=Verb.POSTED).count() == 6
    ingest_bytes(site.source, data.encode())  # idempotent
    assert Activity.objects.count() == 6
    follow(alice, site.source)
    page = stream(alice)
    # Each entry is shown to two audiences (site-wide, the community): one card per entry.
    assert sorted(titles(page)) == ["Story 0", "Story 1", "Story 2"]
    assert all(card.count == 2 for card in page.cards)


def test_cursor_neither_skips_nor_repeats_on_equal_times(alice, bob):
    follow(alice, bob)
    for n in range(9):
        blog_post(author=bob, title=f"Same {n}")
    Activity.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    seen: list[str] = []
    cursor = ""
    while True:
        page = stream(alice, page_size=4, before=cursor)
        seen += titles(page)
        cursor = page.next_cursor
        if not cursor:
            break
    assert sorted(seen) == sorted(f"Same {n}" for n in range(9))


def test_backfill_migration_posts_existing_items(alice, bob):
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("knowledgehub.follows.migrations.0002_backfill_posted")
    post = blog_post(author=bob, title="Older")
    feed_item(feed_subscription(), title="Older feed entry")
    Activity.objects.all().delete()
    backfill.backfill(apps, None)
    backfill.backfill(apps, None)  # a rerun adds nothing
    assert Activity.objects.count() == 2
    assert Activity.objects.get(item=post.knowledge_item).actor == bob
    feed = Activity.objects.get(item__kind="feed_item")
    assert feed.actor is None and feed.source is not None and feed.group_key.startswith("entry:")
