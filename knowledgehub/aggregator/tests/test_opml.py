"""OPML export and import: a round trip, refusing unsafe files, the job and its page."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from knowledgehub.aggregator.choices import JobStatus, Scope
from knowledgehub.aggregator.models import OpmlImport, Subscription
from knowledgehub.aggregator.opml import MAX_OUTLINES, OpmlError, build_opml, parse_opml
from knowledgehub.aggregator.opml_tasks import run_opml_import
from knowledgehub.communities.choices import Visibility
from knowledgehub.lib import safehttp
from knowledgehub.testing.factories import community_with, feed_subscription

pytestmark = pytest.mark.django_db

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<opml version="2.0"><body><outline text="&lol3;" xmlUrl="https://a.example.org/f"/></body></opml>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://a.example.org/f"/></body></opml>"""

NESTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Mine</title></head><body>
<outline text="Councils">
  <outline type="rss" text="Leeds news" xmlUrl="https://leeds.example.org/news.rss"/>
  <outline type="rss" title="York &amp; district" text="York" xmlurl="https://york.example.org/feed"/>
</outline>
<outline type="rss" text="Duplicate" xmlUrl="https://leeds.example.org/news.rss"/>
<outline type="rss" text="Not the web" xmlUrl="file:///etc/passwd"/>
<outline text="A folder with no feeds"/>
</body></opml>"""


@pytest.fixture
def no_network(monkeypatch):  # type: ignore[no-untyped-def]
    def no_fetch(url: str, **kwargs: object) -> None:
        raise AssertionError("OPML imports do not fetch while subscribing")

    def check(url: str) -> None:
        if "private" in url:
            raise safehttp.FetchRefused("The address points inside a private network")

    monkeypatch.setattr(safehttp, "check_url", check)
    monkeypatch.setattr(safehttp, "fetch", no_fetch)
    from knowledgehub.aggregator import polling

    monkeypatch.setattr(polling, "enqueue_first_poll", lambda source: None)


def test_parse_reads_nested_outlines_once_each():
    parsed = parse_opml(NESTED)
    assert [(o.url, o.title) for o in parsed.outlines] == [
        ("https://leeds.example.org/news.rss", "Leeds news"),
        ("https://york.example.org/feed", "York & district"),
    ]
    assert parsed.skipped == 0


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (BILLION_LAUGHS, "document type or entity declaration"),
        (EXTERNAL_ENTITY, "document type or entity declaration"),
        (BILLION_LAUGHS.decode().encode("utf-16"), "document type or entity declaration"),
        (b"", "empty"),
        (b"<opml><body><outline", "not well-formed"),
        (b"<html><body><outline xmlUrl='https://a.example.org/'/></body></html>", "not OPML"),
        (b"<opml version='2.0'><body><outline text='x'/></body></opml>", "does not list any"),
        (b"x" * (1024 * 1024 + 1), "smaller than 1 MB"),
    ],
)
def test_unsafe_or_broken_files_are_refused_with_a_clear_message(data, words):
    with pytest.raises(OpmlError, match=words):
        parse_opml(data)


def test_outlines_are_capped():
    body = "".join(
        f'<outline xmlUrl="https://f{n}.example.org/feed"/>' for n in range(MAX_OUTLINES + 7)
    )
    parsed = parse_opml(f"<opml version='2.0'><body>{body}</body></opml>".encode())
    assert len(parsed.outlines) == MAX_OUTLINES
    assert parsed.skipped == 7


def test_export_is_escaped_valid_opml_of_what_the_viewer_may_see(client, alice, carol):
    secretive = community_with(alice, visibility=Visibility.PRIVATE)
    feed_subscription(
        url="https://a.example.org/feed?x=1&y=2",
        scope=Scope.SITE,
        title='Fish & "Chips" <news>\x01',
    )
    feed_subscription(url="https://b.example.org/feed", scope=Scope.COMMUNITY, community=secretive)
    feed_subscription(url="https://c.example.org/feed", scope=Scope.PRIVATE, user=alice)

    client.force_login(carol)
    response = client.get(reverse("aggregator:opml_export"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    root = ET.fromstring(response.content)
    outlines = root.findall("./body/outline")
    assert [o.get("xmlUrl") for o in outlines] == ["https://a.example.org/feed?x=1&y=2"]
    assert outlines[0].get("title") == 'Fish & "Chips" <news>'
    assert root.get("version") == "2.0"

    client.force_login(alice)
    root = ET.fromstring(client.get(reverse("aggregator:opml_export")).content)
    assert sorted(o.get("xmlUrl") for o in root.iter("outline")) == [
        "https://a.example.org/feed?x=1&y=2",
        "https://b.example.org/feed",
        "https://c.example.org/feed",
    ]


def test_round_trip_export_then_import(
    client, no_network, alice, bob, django_capture_on_commit_callbacks
):
    feed_subscription(url="https://a.example.org/feed", scope=Scope.SITE, title="A & B")
    feed_subscription(url="https://c.example.org/feed", scope=Scope.PRIVATE, user=alice)
    client.force_login(alice)
    exported = client.get(reverse("aggregator:opml_export")).content

    client.force_login(bob)
    upload = SimpleUploadedFile("feeds.opml", exported, content_type="text/x-opml")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("aggregator:opml_import"), {"file": upload, "where": "private"}
        )
    job = OpmlImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("aggregator:opml_job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert (job.done, job.total, job.added, job.failed) == (2, 2, 2, [])
    assert sorted(Subscription.objects.filter(user=bob).values_list("source__url", flat=True)) == [
        "https://a.example.org/feed",
        "https://c.example.org/feed",
    ]

    html = client.get(reverse("aggregator:opml_job", args=[job.pk])).content.decode()
    assert "Feeds imported" in html and "2 feeds added" in html and "<progress" in html
    assert "every 2s" not in html  # finished: no more polling


def test_import_job_records_failures_and_already_followed(no_network, alice):
    feed_subscription(url="https://known.example.org/feed", scope=Scope.PRIVATE, user=alice)
    job = OpmlImport.objects.create(
        created_by=alice,
        scope=Scope.PRIVATE,
        outlines=[
            {"url": "https://known.example.org/feed", "title": "Known"},
            {"url": "https://private.example.org/feed", "title": "Inside"},
            {"url": "ftp://x.example.org/feed", "title": "Wrong"},
            {"url": "https://new.example.org/feed", "title": "New"},
        ],
    )
    run_opml_import(job.pk)
    job.refresh_from_db()
    assert (job.done, job.total, job.added, job.status) == (4, 4, 1, JobStatus.DONE)
    assert [f["url"] for f in job.failed] == [
        "https://private.example.org/feed",
        "ftp://x.example.org/feed",
    ]
    assert "private network" in job.failed[0]["error"]
    run_opml_import(job.pk)  # idempotent: a finished job is left alone
    job.refresh_from_db()
    assert job.added == 1 and len(job.failed) == 2


def test_import_job_carries_on_from_where_it_stopped(no_network, alice):
    job = OpmlImport.objects.create(
        created_by=alice,
        scope=Scope.PRIVATE,
        status=JobStatus.RUNNING,
        done=1,
        added=1,
        outlines=[
            {"url": "https://first.example.org/feed", "title": "Done before"},
            {"url": "https://second.example.org/feed", "title": "Next"},
        ],
    )
    run_opml_import(job.pk)
    job.refresh_from_db()
    assert job.added == 2
    assert list(Subscription.objects.values_list("source__url", flat=True)) == [
        "https://second.example.org/feed"
    ]


def test_malicious_upload_is_refused_in_the_form(client, alice):
    client.force_login(alice)
    upload = SimpleUploadedFile("evil.opml", BILLION_LAUGHS, content_type="text/xml")
    response = client.post(reverse("aggregator:opml_import"), {"file": upload, "where": "private"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "document type or entity declaration" in html
    assert not OpmlImport.objects.exists()


def test_import_into_a_community_needs_a_facilitator(client, alice, bob):
    community = community_with(alice, members=(bob,))
    client.force_login(bob)
    upload = SimpleUploadedFile("f.opml", NESTED, content_type="text/xml")
    response = client.post(
        reverse("aggregator:opml_import"), {"file": upload, "where": f"community:{community.pk}"}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not OpmlImport.objects.exists()


def test_job_page_is_its_owners_only_and_polls_while_running(client, alice, bob):
    job = OpmlImport.objects.create(
        created_by=alice,
        scope=Scope.PRIVATE,
        status=JobStatus.RUNNING,
        outlines=[{"url": "https://a.example.org/f", "title": ""}] * 4,
        total=4,
        done=1,
        failed=[{"url": "https://bad.example.org/", "error": "The site said the feed is gone"}],
    )
    url = reverse("aggregator:opml_job", args=[job.pk])
    progress = reverse("aggregator:opml_progress", args=[job.pk])
    client.force_login(bob)
    assert client.get(url).status_code == 404
    assert client.get(progress, headers={"HX-Request": "true"}).status_code == 404
    client.force_login(alice)
    html = client.get(url).content.decode()
    assert f'hx-get="{progress}"' in html and 'hx-trigger="every 2s"' in html
    assert "1 of 4 feeds checked" in html
    assert "The site said the feed is gone" in html
    fragment = client.get(progress, headers={"HX-Request": "true"})
    assert "HX-Refresh" not in fragment
    OpmlImport.objects.filter(pk=job.pk).update(status=JobStatus.DONE, done=4)
    assert client.get(progress, headers={"HX-Request": "true"})["HX-Refresh"] == "true"


def test_build_opml_drops_characters_xml_cannot_hold():
    from knowledgehub.aggregator.models import FeedSource

    source = FeedSource(url="https://a.example.org/f", title="Bell\x07 and tab\t")
    root = ET.fromstring(build_opml([source], title="T\x00"))
    assert root.find("./body/outline").get("title") == "Bell and tab\t"
