"""Demo incoming feeds for `make run`: a site-wide feed and one an open demo community follows.

Their entries come from feed documents written here (made-up but realistic news about UK local
government), ingested through the same code as a real poll. The sources are marked demo and
paused, so the worker never tries to fetch their example.org addresses; their pages say so.
"""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from email.utils import format_datetime

from django.db import transaction
from django.utils import timezone

from knowledgehub.communities.choices import Visibility
from knowledgehub.communities.models import Community

from .choices import Scope, SourceStatus
from .models import FeedSource, Subscription

SITE_FEED_URL = "https://example.org/demo/local-government-digest/feed.atom"
COMMUNITY_FEED_URL = "https://example.org/demo/waste-and-recycling-news/rss.xml"

# (title, summary HTML, author)
SITE_ENTRIES = [
    (
        "Councils publish first joint climate adaptation plan",
        "<p>Five district councils have agreed a shared plan for flooding, heat and drought, "
        "with a single risk register and pooled funding for <strong>sustainable drainage"
        "</strong>.</p>",
        "Priya Shah",
    ),
    (
        "Local Government Association survey: recruitment remains the top concern",
        "<p>Planners, environmental health officers and social workers remain the hardest "
        "roles to fill, according to the annual workforce survey.</p>",
        "Tom Evans",
    ),
    (
        "New guidance on publishing spending data",
        "<p>Updated guidance asks councils to publish spending over £500 monthly in a common "
        "CSV layout, with supplier company numbers where known.</p>",
        "Hannah Okafor",
    ),
    (
        "Housing benefit backlog cut by a third after process redesign",
        "<p>A borough council shares how removing three hand-offs and adding a triage step "
        "reduced waiting times from six weeks to four.</p>",
        "James Whitfield",
    ),
    (
        "Town centre footfall recovers to pre-pandemic levels in market towns",
        "<p>Sensor data from twelve market towns shows Saturday footfall back above 2019 "
        "levels, while weekday footfall lags behind.</p>",
        "Aisha Rahman",
    ),
    (
        "Adult social care: what the new assurance framework means for councils",
        "<p>A plain-English summary of the assurance themes and the evidence inspectors "
        "will ask for, with a checklist for self-assessment.</p>",
        "Gareth Morgan",
    ),
    (
        "Councils trial shared cyber security operations centre",
        "<p>Eight councils will share a security operations centre for a year, aiming to cut "
        "detection times and costs.</p>",
        "Sophie Clarke",
    ),
    (
        "Participatory budgeting pilot funds 40 community projects",
        "<p>Residents voted on how to spend £250,000 of neighbourhood funding; parks, youth "
        "clubs and repair cafés came out on top.</p>",
        "Daniel Hughes",
    ),
]

COMMUNITY_ENTRIES = [
    (
        "Weekly food waste collections: participation reaches 62%",
        "<p>Six months in, participation has levelled off at 62%. Crews report fewer "
        "contaminated caddies after the sticker campaign.</p>",
        "Waste team",
    ),
    (
        "Fly-tipping reports fall after CCTV pilot at hotspots",
        "<p>Reports at the ten worst hotspots fell by 40% during the pilot; the council is "
        "publishing its data for others to compare.</p>",
        "Waste team",
    ),
    (
        "Extended producer responsibility: payments to councils explained",
        "<p>How packaging payments will be calculated, and what councils need to record now "
        "to receive them.</p>",
        "Policy desk",
    ),
    (
        "Bulky waste booking moves online",
        "<p>Residents can now book and pay for bulky waste collections online, with a "
        "text message the day before.</p>",
        "Customer services",
    ),
    (
        "Garden waste subscriptions open for the new season",
        "<p>Subscriptions open on 1 March. Early sign-up helps crews plan rounds.</p>",
        "Customer services",
    ),
    (
        "Recycling centre opening hours change for winter",
        "<p>From November, recycling centres open from 9am to 4pm, seven days a week.</p>",
        "Customer services",
    ),
]


def _dates(rng: random.Random, now: datetime, count: int) -> list[datetime]:
    """``count`` publication times over the past few weeks, newest first."""
    offsets = sorted(rng.sample(range(2, 60 * 24), count))
    return [now - timedelta(hours=o // 2, minutes=o % 60) for o in offsets]


def atom_document(rng: random.Random, now: datetime) -> bytes:
    ns = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", ns)

    def el(parent: ET.Element, tag: str, text: str = "", **attrs: str) -> ET.Element:
        node = ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)
        if text:
            node.text = text
        return node

    feed = ET.Element(f"{{{ns}}}feed")
    el(feed, "title", "Local Government Digest")
    el(feed, "subtitle", "News and guidance for people working in UK local government.")
    el(feed, "id", "tag:example.org,2025:local-government-digest")
    el(feed, "link", href="https://example.org/demo/local-government-digest/", rel="alternate")
    el(feed, "updated", now.isoformat())
    for index, ((title, html, author), when) in enumerate(
        zip(SITE_ENTRIES, _dates(rng, now, len(SITE_ENTRIES)), strict=True)
    ):
        entry = el(feed, "entry")
        el(entry, "title", title)
        el(entry, "id", f"tag:example.org,2025:local-government-digest:{index + 1}")
        el(
            entry,
            "link",
            href=f"https://example.org/demo/local-government-digest/{index + 1}",
            rel="alternate",
        )
        el(entry, "published", when.isoformat())
        el(entry, "updated", when.isoformat())
        el(el(entry, "author"), "name", author)
        el(entry, "summary", html, type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def rss_document(rng: random.Random, now: datetime) -> bytes:
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = "Waste and Recycling News"
    ET.SubElement(channel, "link").text = "https://example.org/demo/waste-and-recycling-news/"
    ET.SubElement(channel, "description").text = "Updates from council waste services."
    for index, ((title, html, author), when) in enumerate(
        zip(COMMUNITY_ENTRIES, _dates(rng, now, len(COMMUNITY_ENTRIES)), strict=True)
    ):
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = title
        link = f"https://example.org/demo/waste-and-recycling-news/{index + 1}"
        ET.SubElement(item, "link").text = link
        ET.SubElement(item, "guid", isPermaLink="true").text = link
        ET.SubElement(item, "pubDate").text = format_datetime(when, usegmt=True)
        ET.SubElement(item, "author").text = f"news@example.org ({author})"
        ET.SubElement(item, "description").text = html
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)


def _demo_source(url: str, title: str) -> FeedSource:
    return FeedSource.objects.create(
        url=url,
        original_url=url,
        title=title,
        status=SourceStatus.PAUSED,  # never polled: example.org has no such feed
        is_demo=True,
    )


def _mark_polled(source: FeedSource, added: int, now: datetime) -> None:
    FeedSource.objects.filter(pk=source.pk).update(
        status=SourceStatus.PAUSED,
        last_polled_at=now,
        last_success_at=now,
        next_poll_at=now + timedelta(days=3650),
        items_fetched=added,
        last_added=added,
        progress_done=0,
        progress_total=0,
    )


def seed_demo_content(*, rng: random.Random) -> int:
    """Create the demo feeds and their entries once; return how many entries were added."""
    from .ingest import ingest_bytes

    if FeedSource.objects.filter(is_demo=True).exists():
        return 0
    now = timezone.now().replace(second=0, microsecond=0)
    added = 0
    with transaction.atomic():
        site = _demo_source(SITE_FEED_URL, "Local Government Digest")
        Subscription.objects.create(source=site, scope=Scope.SITE)
        result = ingest_bytes(site, atom_document(rng, now), content_type="application/atom+xml")
        _mark_polled(site, result.added, now)
        added += result.added

        community = (
            Community.objects.filter(is_demo=True, visibility=Visibility.OPEN)
            .order_by("pk")
            .first()
        )
        if community is not None:
            source = _demo_source(COMMUNITY_FEED_URL, "Waste and Recycling News")
            Subscription.objects.create(source=source, scope=Scope.COMMUNITY, community=community)
            result = ingest_bytes(
                source, rss_document(rng, now), content_type="application/rss+xml"
            )
            _mark_polled(source, result.added, now)
            added += result.added
    return added
