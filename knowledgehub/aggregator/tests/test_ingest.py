"""Feed ingestion: parsing real and specification feeds, cleaning, deduplication, storage in
bulk and indexing with each subscription's audience."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from knowledgehub.aggregator import ingest
from knowledgehub.aggregator.choices import Scope
from knowledgehub.aggregator.ingest import (
    FeedBroken,
    IngestResult,
    ingest_bytes,
    link_key,
    place_existing_entries,
)
from knowledgehub.aggregator.models import Entry, FeedItem, FeedSource, Subscription
from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.registry import index_sync
from knowledgehub.testing.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db

FEEDS = Path(settings.BASE_DIR).parent / "shared" / "data" / "feeds"
W3C = FEEDS / "w3c-feedvalidator"
ITEM_FIELDS = (
    "kind", "title", "url", "text", "summary", "author_id", "source_name", "organisation_id",
    "community_id", "audience", "published_at", "updated_at", "is_demo",
)  # fmt: skip


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def make_source(url: str = "https://feeds.example.org/feed.xml", **kwargs) -> FeedSource:  # type: ignore[no-untyped-def]
    return FeedSource.objects.create(url=url, original_url=url, **kwargs)


def site_source(url: str = "https://feeds.example.org/feed.xml") -> FeedSource:
    source = make_source(url)
    Subscription.objects.create(source=source, scope=Scope.SITE)
    return source


def rss(items: str, *, title: str = "Council news") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://council.example.gov.uk/</link>"
        f"<description>News from the council</description>{items}</channel></rss>"
    ).encode()


def rss_item(n: int, *, title: str | None = None, body: str = "", date: str = "") -> str:
    return (
        f"<item><title>{title or f'Story {n}'}</title>"
        f"<link>https://council.example.gov.uk/news/{n}</link><guid>story-{n}</guid>"
        f"<description>{body or f'Body of story {n}.'}</description>"
        f"<pubDate>{date or 'Tue, 03 Nov 2026 10:00:00 +0000'}</pubDate></item>"
    )


def generated_feed(count: int, *, atom: bool = False) -> bytes:
    if atom:
        entries = "".join(
            f"<entry><title>Entry {i}</title><id>urn:entry:{i}</id>"
            f'<link href="https://example.org/e/{i}"/><updated>2026-10-01T10:00:00Z</updated>'
            f'<summary type="html">&lt;p&gt;Entry {i} &lt;b&gt;text&lt;/b&gt;&lt;/p&gt;</summary>'
            "</entry>"
            for i in range(count)
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Generated</title><id>urn:feed</id><updated>2026-10-01T10:00:00Z</updated>"
            f"{entries}</feed>"
        ).encode()
    return rss("".join(rss_item(i) for i in range(count)))


def w3c(name: str) -> bytes:
    return (W3C / name).read_bytes()


def item_snapshot(item: Item) -> dict[str, object]:
    return {name: getattr(item, name) for name in ITEM_FIELDS}


# --- the w3c feedvalidator cases ------------------------------------------------------------

ROBOTS = {
    "title": "Atom-Powered Robots Run Amok",
    "link": "http://example.org/2003/12/13/atom03",
    "guid": "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
    "published_at": utc(2003, 12, 13, 18, 30, 2),
    "summary_html": "Some text.",
}


@pytest.mark.parametrize(
    "name",
    [
        "atom__1.1__brief-noerror.xml",
        "atom__1.2__missing-namespace.xml",
        "atom__3.3__updated-example2.xml",
    ],
)
def test_w3c_minimal_atom_feeds(name: str) -> None:
    source = site_source()
    result = ingest_bytes(source, w3c(name))
    assert (result.added, result.updated, result.skipped, result.errors) == (1, 0, 0, 0)
    assert result.feed_title == "Example Feed"
    assert result.site_url == "http://example.org/"
    entry = Entry.objects.get()
    for field, value in ROBOTS.items():
        assert getattr(entry, field) == value, field
    assert entry.link_key == "http://example.org/2003/12/13/atom03"
    source.refresh_from_db()
    assert (source.title, source.site_url) == ("Example Feed", "http://example.org/")


def test_w3c_extensive_atom_feed() -> None:
    source = site_source()
    result = ingest_bytes(source, w3c("atom__1.1__extensive-noerror.xml"))
    assert result.added == 1
    entry = Entry.objects.get()
    assert entry.title == "Atom draft-07 snapshot"
    assert entry.link == "http://example.org/2005/04/02/atom"  # the alternate, not the enclosure
    assert entry.guid == "tag:example.org,2003:3.2397"
    assert entry.author_name == "Mark Pilgrim"
    assert entry.published_at == utc(2003, 12, 13, 12, 29, 29)  # 08:29:29-04:00
    assert entry.updated_at == utc(2005, 7, 11, 12, 29, 29)
    assert entry.summary_html == "<p><i>[Update: The Atom draft is finished.]</i></p>"
    source.refresh_from_db()
    assert source.title == "dive into mark"
    assert source.description == "A lot of effort went into making this effortless"


def test_w3c_xhtml_summary_and_invalid_html_summary() -> None:
    source = site_source()
    ingest_bytes(source, w3c("atom__3.1.1.3__example_xhtml_summary1.xml"))
    entry = Entry.objects.get()
    assert entry.title == ROBOTS["title"]
    assert entry.summary_html == "This is <b>XHTML</b> content."

    other = site_source("https://feeds.example.org/other.xml")
    ingest_bytes(other, w3c("atom__3.1.1.2__invalid_html.xml"))
    broken = Entry.objects.get(source=other)
    assert broken.title == ROBOTS["title"]
    assert "<a" not in broken.summary_html  # "&lt;a" declared as HTML: a lone, unclosed tag


def test_w3c_relative_link_resolves_against_the_feeds_link() -> None:
    source = site_source("https://feeds.example.net/atom/feed.xml")
    ingest_bytes(source, w3c("atom__4.2.7.1__link-href-relative.xml"))
    entry = Entry.objects.get()
    assert entry.link == "http://example.org/2003/12/13/atom03"
    assert entry.link_key == "http://example.org/2003/12/13/atom03"


def test_relative_links_without_a_feed_link_resolve_against_the_document_address() -> None:
    source = site_source("https://feeds.example.net/atom/feed.xml")
    doc = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title><entry><title>E</title>'
        b'<id>e1</id><link href="e/1"/><content type="html">&lt;a href="../x"&gt;x&lt;/a&gt;'
        b"</content></entry></feed>"
    )
    ingest_bytes(source, doc)
    entry = Entry.objects.get()
    assert entry.guid == "e1"  # a guid is never resolved as if it were a link
    assert entry.link == "https://feeds.example.net/atom/e/1"
    assert 'href="https://feeds.example.net/atom/x"' in entry.summary_html


def test_w3c_entry_with_nothing_but_itself() -> None:
    source = site_source()
    before = timezone.now()
    result = ingest_bytes(source, w3c("atom__must__entry_author_missing.xml"))
    assert result.added == 1
    entry = Entry.objects.get()
    assert entry.title == "Untitled"
    assert (entry.link, entry.guid, entry.summary_html) == ("", "", "")
    assert before <= entry.published_at <= timezone.now()  # no date: the fetch time


@pytest.mark.parametrize(
    "name, words",
    [
        ("atom__must__invalid_xml.xml", "no element found at line 13"),
        ("rss__must__invalid_xml.xml", "mismatched tag at line 14"),
    ],
)
def test_w3c_invalid_xml_is_broken_with_a_clear_message(name: str, words: str) -> None:
    source = site_source()
    with pytest.raises(FeedBroken) as caught:
        ingest_bytes(source, w3c(name))
    assert caught.value.message.startswith("The feed is not well-formed XML: ")
    assert words in caught.value.message
    assert Entry.objects.count() == 0


def test_w3c_rss_dates() -> None:
    source = site_source()
    before = timezone.now()
    result = ingest_bytes(source, w3c("rss20__data-types-datetime__everything.xml"))
    assert result.added == 30
    dates = {e.title[:2]: e.published_at for e in Entry.objects.all()}
    expected = utc(2006, 2, 9, 23, 59, 45)
    for n in ("01", "02", "03", "05", "07", "08", "12", "13", "14", "15", "16", "17", "22", "26"):
        assert dates[n] == expected, n
    assert dates["04"] == utc(2006, 2, 9, 23, 59, 0)
    assert dates["06"] == utc(1996, 2, 9, 23, 59, 45)
    assert dates["29"] == utc(2016, 2, 9, 23, 59, 45)
    # Unreadable dates, and implausible ones (before 1990, or in the future), are the fetch time.
    for n in ("23", "24", "25", "27", "28", "30"):
        assert before <= dates[n] <= timezone.now(), n
    entry = Entry.objects.get(guid="tag:snarfware.com,2006-01-20:/rsstests/dates/1")
    assert entry.title == "01. Simple date"
    assert entry.link == ""  # a non-permalink guid is not a link
    source.refresh_from_db()
    assert source.site_url == "http://216.93.169.119/rsstests/dates/"


def test_w3c_rss_20_profile_sample() -> None:
    source = site_source()
    before = timezone.now()
    result = ingest_bytes(source, w3c("rss20__introduction__rss-2.0-sample-noerror.xml"))
    assert result.added == 4
    nolan = Entry.objects.get(guid="http://dallas.example.com/1991/05/02/nolan.htm")
    assert nolan.title == "Seventh Heaven! Ryan Hurls Another No Hitter"
    assert nolan.link == "http://dallas.example.com/1991/05/02/nolan.htm"
    joebob = Entry.objects.get(title="Joe Bob Goes to the Drive-In")
    assert joebob.author_name == "Joe Bob Briggs"
    assert joebob.link == "http://dallas.example.com/1983/05/06/joebob.htm"
    assert joebob.published_at >= before  # 1983: before feeds existed, so the fetch time
    # Untitled items take the first words of their summary.
    escaped = Entry.objects.get(guid="1983-05-06+lifestyle+joebob+1")
    assert escaped.title == (
        "I'm headed for France. I wasn't gonna go this year, but then last week Valley…"
    )
    assert (
        escaped.summary_html.count(
            '<a href="http://www.imdb.com/title/tt0086525/" rel="nofollow noopener noreferrer">'
            "Valley Girl</a>"
        )
        == 1
    )
    cdata = Entry.objects.get(guid="1983-05-06+lifestyle+joebob+2")
    assert cdata.summary_html == escaped.summary_html
    source.refresh_from_db()
    assert source.title == "Dallas Times-Herald"
    assert source.description == "Current headlines from the Dallas Times-Herald newspaper"


def test_w3c_rss_10_sample() -> None:
    source = site_source()
    result = ingest_bytes(source, w3c("rss__must__rss10_spec_sample_noerror.xml"))
    assert result.added == 2
    entry = Entry.objects.get(title="Processing Inclusions with XSLT")
    assert entry.link == "http://xml.com/pub/2000/08/09/xslt/xslt.html"
    assert entry.summary_html.startswith("Processing document inclusions with general XML tools")
    assert Entry.objects.filter(title="Putting RDF to Work").exists()


def test_w3c_rss_20_spec_sample() -> None:
    source = site_source()
    result = ingest_bytes(source, w3c("rss__must__rss20_spec_sample_noerror.xml"))
    assert result.added == 9
    law = Entry.objects.get(title="Law and Order")
    assert law.link == "http://scriptingnews.userland.com/backissues/2002/09/29#lawAndOrder"
    assert law.link_key == "http://scriptingnews.userland.com/backissues/2002/09/29"
    assert law.published_at == utc(2002, 9, 29, 23, 48, 33)
    assert "<img" not in law.summary_html  # remote images are not shown (CSP, privacy)
    first = Entry.objects.get(
        guid="http://scriptingnews.userland.com/backissues/2002/09/29#When:6:56:02PM"
    )
    assert first.published_at == utc(2002, 9, 30, 1, 56, 2)
    assert first.title.startswith('"rssflowersalignright"With any luck')
    # Nine entries share one link key (they differ only by fragment): the guids keep them apart.
    assert Entry.objects.values("link_key").distinct().count() == 1


# --- a real feed ----------------------------------------------------------------------------


def test_real_world_feed() -> None:
    source = site_source("https://news.gov.scot/feed/rss")
    result = ingest_bytes(
        source, (FEEDS / "real-world" / "news-gov-scot-rss-2017-06-27.xml").read_bytes()
    )
    assert result == IngestResult(
        added=2, updated=0, skipped=0, errors=0,
        feed_title="news.gov.scot RSS Feed", site_url="https://news.gov.scot",
    )  # fmt: skip
    first = Entry.objects.get(guid="f5efd7f6-e9e4-4e70-a47c-e8dec8cb0400")
    assert first.title == "Scotland's future must be decided by the people who live here"
    assert first.link == (
        "https://news.gov.scot/news/scotlands-future-must-be-decided-by-the-people-who-live-here"
    )
    assert first.published_at == utc(2017, 6, 27, 14, 5)  # 15:05 +0100
    assert first.author_name == "admin-2"
    # content:encoded is preferred over the description
    assert (
        first.summary_html
        == "<p>We don't need a referendum to leave the EU, we can just leave.</p>"
    )
    second = Entry.objects.get(guid="bc982f66-5e1c-454a-ab7a-eff889bcafd0")
    assert second.title == "Piloting delivery of welfare rights advice in health settings"
    assert second.published_at == utc(2017, 6, 27, 11, 27)
    assert second.summary_html.startswith("GP practices in some of Scotland's most deprived areas")
    item = Item.objects.get(object_id=FeedItem.objects.get(entry=first).pk, kind="feed_item")
    assert item.source_name == "news.gov.scot RSS Feed"
    assert item.title == first.title


# --- JSON Feed ------------------------------------------------------------------------------


def test_json_feed() -> None:
    source = site_source("https://blog.example.org/feed.json")
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Digital team blog",
        "home_page_url": "https://blog.example.org/",
        "authors": [{"name": "Digital team"}],
        "items": [
            {
                "id": 2,
                "url": "/posts/two",
                "title": "Two",
                "content_html": '<p>Second <script>alert(1)</script><a href="/x">post</a></p>',
                "date_published": "2026-10-02T09:00:00+01:00",
                "date_modified": "2026-10-03T09:00:00Z",
                "authors": [{"name": "Priya Shah"}],
            },
            {"id": "one", "content_text": "A <plain> note & more", "date_published": "bad"},
        ],
    }
    result = ingest_bytes(source, json.dumps(doc).encode(), content_type="application/feed+json")
    assert (result.added, result.feed_title, result.site_url) == (
        2, "Digital team blog", "https://blog.example.org/",
    )  # fmt: skip
    two = Entry.objects.get(guid="2")
    assert two.link == "https://blog.example.org/posts/two"
    assert two.title == "Two"
    assert two.author_name == "Priya Shah"
    assert two.published_at == utc(2026, 10, 2, 8)
    assert two.updated_at == utc(2026, 10, 3, 9)
    assert two.summary_html == (
        '<p>Second <a href="https://blog.example.org/x" rel="nofollow noopener noreferrer">'
        "post</a></p>"
    )
    one = Entry.objects.get(guid="one")
    assert one.summary_html == "A &lt;plain&gt; note &amp; more"
    assert one.title == "A <plain> note & more"
    assert one.author_name == "Digital team"


# --- cleaning -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, key",
    [
        ("HTTPS://Example.ORG:443/News/?utm_source=x&id=3&UTM_medium=y#top", "https://example.org/News?id=3"),
        ("http://example.org:80/", "http://example.org"),
        ("http://user:pw@example.org:8080/a/", "http://example.org:8080/a"),
        ("https://example.org/a?utm_campaign=z", "https://example.org/a"),
        ("", ""),
    ],
)  # fmt: skip
def test_link_key(url: str, key: str) -> None:
    assert link_key(url) == key


def test_xss_in_summaries_and_titles_is_removed() -> None:
    source = site_source()
    body = (
        "<![CDATA[<p onclick='steal()'>Hello <script>alert(1)</script>"
        "<a href='javascript:alert(2)'>bad</a> <a href='/good'>good</a>"
        "<img src=x onerror=alert(3)><iframe src='https://evil.example'></iframe>"
        "<style>body{display:none}</style></p>]]>"
    )
    items = (
        "<item><title>&lt;b&gt;Bold&lt;/b&gt; &amp;amp; "
        "&lt;script&gt;x()&lt;/script&gt;news</title>"
        f"<link>javascript:alert(4)</link><guid>x</guid><description>{body}</description></item>"
    )
    ingest_bytes(source, rss(items))
    entry = Entry.objects.get()
    assert entry.summary_html == (
        '<p>Hello <a rel="nofollow noopener noreferrer">bad</a> '
        '<a href="https://council.example.gov.uk/good" rel="nofollow noopener noreferrer">good</a>'
        "</p>"
    )
    assert entry.link == ""  # only http(s) links are kept
    assert "<" not in entry.title and "script" not in entry.title
    item = Item.objects.get(kind="feed_item")
    for text in (item.text, item.summary, item.title):
        assert "alert" not in text and "<script" not in text


def test_a_five_megabyte_item_is_stored_bounded() -> None:
    source = site_source()
    huge = "<p>" + ("All work and no play makes a dull council. " * 120_000) + "</p>"
    assert len(huge) > 5_000_000
    items = (
        "<item><title>Huge</title><guid>h</guid>"
        f"<description><![CDATA[{huge}]]></description></item>"
    )
    started = time.monotonic()
    result = ingest_bytes(source, rss(items))
    assert time.monotonic() - started < 10
    assert result.added == 1
    entry = Entry.objects.get()
    assert 0 < len(entry.summary_html) <= ingest.MAX_SUMMARY_HTML
    assert entry.summary_html.startswith("<p>All work") and entry.summary_html.endswith("</p>")
    assert len(Item.objects.get(kind="feed_item").text) <= ingest.MAX_SUMMARY_HTML


def test_dates_in_the_future_and_at_the_epoch_are_the_fetch_time() -> None:
    source = site_source()
    future = (timezone.now() + timedelta(days=3)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    soon = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)
    items = (
        rss_item(1, date=future)
        + rss_item(2, date="Thu, 01 Jan 1970 00:00:00 +0000")
        + rss_item(3, date=soon.strftime("%a, %d %b %Y %H:%M:%S +0000"))
        + rss_item(4, date="Sat, 31 Dec 1994 23:00:00 +0000")
    )
    before = timezone.now()
    ingest_bytes(source, rss(items))
    after = timezone.now()
    dates = dict(Entry.objects.values_list("guid", "published_at"))
    assert before <= dates["story-1"] <= after
    assert before <= dates["story-2"] <= after
    assert dates["story-3"] == soon  # within a day of now: a clock slightly ahead
    assert dates["story-4"] == utc(1994, 12, 31, 23)


# --- deduplication and updates --------------------------------------------------------------


def test_duplicate_guids_in_one_document_first_wins() -> None:
    source = site_source()
    items = rss_item(1, title="First") + rss_item(1, title="Second") + rss_item(2)
    result = ingest_bytes(source, rss(items))
    assert (result.added, result.skipped) == (2, 1)
    assert Entry.objects.get(guid="story-1").title == "First"


def test_entries_without_guid_dedupe_by_link_then_by_content() -> None:
    source = site_source()
    items = (
        "<item><title>A</title><link>https://example.org/a/?utm_source=rss</link></item>"
        "<item><title>A again</title><link>https://EXAMPLE.org/a#comments</link></item>"
        "<item><title>No link</title><description>Same words</description></item>"
        "<item><title>No link</title><description>Same words</description></item>"
        "<item><title>No link</title><description>Other words</description></item>"
    )
    result = ingest_bytes(source, rss(items))
    assert (result.added, result.skipped) == (3, 2)
    assert Entry.objects.get(link_key="https://example.org/a").title == "A"
    # Next time the linked one changed its title: matched by link, updated.
    again = (
        "<item><title>A, corrected</title><link>https://example.org/a</link></item>"
        "<item><title>No link</title><description>Same words</description></item>"
    )
    result = ingest_bytes(source, rss(again))
    assert (result.added, result.updated, result.skipped) == (0, 1, 1)
    assert Entry.objects.get(link_key="https://example.org/a").title == "A, corrected"
    assert Entry.objects.count() == 3


def test_reingesting_the_same_bytes_ten_times_adds_nothing() -> None:
    source = site_source()
    doc = rss("".join(rss_item(i) for i in range(25)))
    first = ingest_bytes(source, doc)
    assert first.added == 25
    counts = (Entry.objects.count(), FeedItem.objects.count(), Item.objects.count())
    assert counts == (25, 25, 25)
    for _ in range(10):
        result = ingest_bytes(source, doc)
        assert (result.added, result.updated, result.skipped, result.errors) == (0, 0, 25, 0)
    assert (Entry.objects.count(), FeedItem.objects.count(), Item.objects.count()) == counts


def test_an_edited_item_is_updated_with_its_index_entry() -> None:
    source = site_source()
    ingest_bytes(source, rss(rss_item(1) + rss_item(2)))
    entry = Entry.objects.get(guid="story-1")
    item = Item.objects.get(object_id=FeedItem.objects.get(entry=entry).pk, kind="feed_item")
    item_id = item.pk
    result = ingest_bytes(
        source,
        rss(rss_item(1, title="Story 1 (corrected)", body="New body.") + rss_item(2)),
    )
    assert (result.added, result.updated, result.skipped) == (0, 1, 1)
    entry.refresh_from_db()
    assert (entry.title, entry.summary_html) == ("Story 1 (corrected)", "New body.")
    item = Item.objects.get(pk=item_id)
    assert (item.title, item.text, item.summary) == (
        "Story 1 (corrected)",
        "New body.",
        "New body.",
    )
    assert Entry.objects.count() == 2


def test_items_are_exactly_what_index_sync_would_write() -> None:
    community = CommunityFactory(visibility=Visibility.PRIVATE)
    source = make_source(is_demo=True)
    Subscription.objects.create(source=source, scope=Scope.COMMUNITY, community=community)
    ingest_bytes(
        source, rss(rss_item(1, body="<p>Hello &amp; <em>welcome</em></p>".replace("<", "&lt;")))
    )
    placement = FeedItem.objects.get()
    bulk = Item.objects.get(kind="feed_item")
    written = item_snapshot(bulk)
    assert written["text"] == "Hello &amp; welcome"
    again = index_sync(placement)
    assert again.pk == bulk.pk
    again.refresh_from_db()
    assert item_snapshot(again) == written
    assert written["url"] == placement.get_absolute_url()
    assert written["is_demo"] is True


# --- audiences ------------------------------------------------------------------------------


def test_items_take_their_subscriptions_audience(alice, bob, carol) -> None:  # type: ignore[no-untyped-def]
    open_group = CommunityFactory(visibility=Visibility.OPEN)
    closed = CommunityFactory(visibility=Visibility.PRIVATE)
    MembershipFactory(community=closed, user=bob)
    source = make_source()
    site = Subscription.objects.create(source=source, scope=Scope.SITE)
    in_open = Subscription.objects.create(
        source=source, scope=Scope.COMMUNITY, community=open_group
    )
    in_closed = Subscription.objects.create(source=source, scope=Scope.COMMUNITY, community=closed)
    follow = Subscription.objects.create(source=source, scope=Scope.PRIVATE, user=alice)
    result = ingest_bytes(source, rss(rss_item(1)))
    assert result.added == 1
    assert FeedItem.objects.count() == 4

    def item_of(subscription: Subscription) -> Item:
        placement = FeedItem.objects.get(subscription=subscription)
        return Item.objects.get(kind="feed_item", object_id=placement.pk)

    assert item_of(site).audience == Audience.PUBLIC
    assert item_of(in_open).audience == Audience.PUBLIC
    assert (item_of(in_open).community_id) == open_group.pk
    assert (item_of(in_closed).audience, item_of(in_closed).community_id) == (
        Audience.COMMUNITY, closed.pk,
    )  # fmt: skip
    assert (item_of(follow).audience, item_of(follow).author_id) == (Audience.PRIVATE, alice.pk)

    def visible(user) -> set[int]:  # type: ignore[no-untyped-def]
        return set(
            Item.objects.visible_to(user).filter(kind="feed_item").values_list("pk", flat=True)
        )

    public = {item_of(site).pk, item_of(in_open).pk}
    assert visible(AnonymousUser()) == public
    assert visible(carol) == public  # not a member of the closed community, not the follower
    assert visible(bob) == public | {item_of(in_closed).pk}
    assert visible(alice) == public | {item_of(follow).pk}
    assert set(FeedItem.visible_to(carol).values_list("pk", flat=True)) == {
        FeedItem.objects.get(subscription=site).pk,
        FeedItem.objects.get(subscription=in_open).pk,
    }


def test_place_existing_entries_backfills_a_new_subscription(alice) -> None:  # type: ignore[no-untyped-def]
    source = site_source()
    dates = [f"Tue, {d:02d} Nov 2026 10:00:00 +0000" for d in range(1, 11)]
    ingest_bytes(source, rss("".join(rss_item(i, date=dates[i]) for i in range(10))))
    follow = Subscription.objects.create(source=source, scope=Scope.PRIVATE, user=alice)
    assert place_existing_entries(follow, limit=4) == 4
    placed = FeedItem.objects.filter(subscription=follow).select_related("entry")
    assert sorted(p.entry.guid for p in placed) == ["story-6", "story-7", "story-8", "story-9"]
    assert place_existing_entries(follow, limit=4) == 0  # idempotent
    for placement in placed:
        item = Item.objects.get(kind="feed_item", object_id=placement.pk)
        assert (item.audience, item.author_id) == (Audience.PRIVATE, alice.pk)
        snapshot = item_snapshot(item)
        index_sync(placement)
        item.refresh_from_db()
        assert item_snapshot(item) == snapshot
    # The next poll places the rest of the document's entries for the follower too.
    ingest_bytes(source, rss("".join(rss_item(i, date=dates[i]) for i in range(10))))
    assert FeedItem.objects.filter(subscription=follow).count() == 10


# --- scale, bounds, batches -----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("atom", [False, True])
def test_ten_thousand_items_are_all_stored_in_bounded_time(atom: bool) -> None:
    source = site_source()
    doc = generated_feed(10_000, atom=atom)
    calls: list[tuple[int, int]] = []
    started = time.monotonic()
    result = ingest_bytes(source, doc, progress=lambda done, total: calls.append((done, total)))
    elapsed = time.monotonic() - started
    assert result.added == 10_000
    assert (Entry.objects.count(), FeedItem.objects.count()) == (10_000, 10_000)
    assert Item.objects.filter(kind="feed_item").count() == 10_000
    assert calls == [(n, 10_000) for n in range(500, 10_001, 500)]
    assert elapsed < 60, elapsed
    if atom:
        entry = Entry.objects.get(guid="urn:entry:9999")
        assert entry.summary_html == "<p>Entry 9999 <b>text</b></p>"


def test_entries_beyond_the_cap_are_skipped(settings) -> None:  # type: ignore[no-untyped-def]
    settings.KH_FEED_MAX_ENTRIES = 50
    source = site_source()
    result = ingest_bytes(source, rss("".join(rss_item(i) for i in range(60))))
    assert (result.added, result.skipped) == (50, 10)
    assert not Entry.objects.filter(guid="story-50").exists()


def test_a_crash_mid_way_leaves_a_prefix_and_a_rerun_completes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(ingest, "BATCH_SIZE", 10)
    source = site_source()
    doc = rss("".join(rss_item(i) for i in range(35)))
    real_place = ingest._place
    calls = {"n": 0}

    def failing_place(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real_place(*args, **kwargs)

    monkeypatch.setattr(ingest, "_place", failing_place)
    with pytest.raises(RuntimeError):
        ingest_bytes(source, doc)
    # Two whole batches, nothing of the third (its entries were rolled back with it).
    assert (Entry.objects.count(), FeedItem.objects.count(), Item.objects.count()) == (20, 20, 20)
    monkeypatch.setattr(ingest, "_place", real_place)
    result = ingest_bytes(source, doc)
    assert (result.added, result.skipped) == (15, 20)
    assert (Entry.objects.count(), FeedItem.objects.count(), Item.objects.count()) == (35, 35, 35)


def test_a_new_source_title_is_copied_to_its_items() -> None:
    source = site_source()
    ingest_bytes(source, rss(rss_item(1), title="Old name"))
    assert Item.objects.get(kind="feed_item").source_name == "Old name"
    ingest_bytes(source, rss(rss_item(1), title="New name"))
    source.refresh_from_db()
    assert source.title == "New name"
    assert Item.objects.get(kind="feed_item").source_name == "New name"


def test_bozo_feed_with_entries_is_ingested() -> None:
    source = site_source()
    doc = rss(
        "<item><title>Caf&eacute; &amp; r&eacute;sum&eacute; &bogus;</title><guid>1</guid></item>"
    )
    result = ingest_bytes(source, doc)
    assert result.added == 1
    assert Entry.objects.get().title == "Café & résumé &bogus;"


def test_latin1_and_utf16_feeds_are_decoded() -> None:
    source = site_source()
    text = (
        '<?xml version="1.0" encoding="{enc}"?><rss version="2.0"><channel><title>Café</title>'
        "<item><title>Crème brûlée £5</title><guid>{enc}</guid></item></channel></rss>"
    )
    ingest_bytes(source, text.format(enc="iso-8859-1").encode("iso-8859-1"))
    ingest_bytes(source, text.format(enc="utf-16").encode("utf-16"), content_type="text/xml")
    assert set(Entry.objects.values_list("title", flat=True)) == {"Crème brûlée £5"}
    assert Entry.objects.count() == 2
    source.refresh_from_db()
    assert source.title == "Café"


def test_an_empty_but_valid_feed_is_fine() -> None:
    source = site_source()
    calls: list[tuple[int, int]] = []
    result = ingest_bytes(source, rss(""), progress=lambda d, t: calls.append((d, t)))
    assert (result.added, result.feed_title) == (0, "Council news")
    assert calls == [(0, 0)]
