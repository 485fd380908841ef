"""``manage.py ingest_feed``: output, subscriptions, errors and exit status."""

# The shared fixtures are imported by name, which pytest needs and pyflakes calls a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from knowledgehub.aggregator.choices import Scope, SourceStatus
from knowledgehub.aggregator.models import Entry, FeedSource, Subscription
from knowledgehub.testing.factories import CommunityFactory

from .test_polling_helpers import (  # noqa: F401
    ROOT,
    Route,
    feed_server,
    migrated_var_dir,
    project_dir,
    rss,
)

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("ingest_feed", *args, stdout=out)
    return out.getvalue()


def test_a_file_is_ingested_into_a_paused_file_source(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_bytes(rss(3))

    assert run(str(path)) == "added=3 updated=0 skipped=0 errors=0\n"

    source = FeedSource.objects.get()
    assert source.url == path.resolve().as_uri()
    assert source.url.startswith("file:///")
    assert source.status == SourceStatus.PAUSED  # never fetched or polled
    assert (source.items_fetched, source.last_added, source.polling_until) == (3, 3, None)
    assert Subscription.objects.get(source=source).scope == Scope.SITE
    assert Entry.objects.filter(source=source).count() == 3

    # Again: nothing new. A changed title counts as an update.
    out = run(str(path))
    assert out.startswith("added=0 updated=0 ")
    path.write_bytes(rss(3).replace(b"item number 1<", b"item number one<"))
    assert run(str(path)).startswith("added=0 updated=1 ")
    assert Entry.objects.filter(source=source).count() == 3


def test_community_option_subscribes_that_community(tmp_path):
    community = CommunityFactory(slug="housing")
    path = tmp_path / "feed.xml"
    path.write_bytes(rss(2))
    assert run(str(path), "--community", "housing") == "added=2 updated=0 skipped=0 errors=0\n"
    subscription = Subscription.objects.get()
    assert (subscription.scope, subscription.community) == (Scope.COMMUNITY, community)


def test_unknown_community_is_refused(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_bytes(rss(2))
    with pytest.raises(CommandError, match="There is no community with the address “nope”"):
        run(str(path), "--community", "nope")
    assert not FeedSource.objects.exists()


def test_missing_file_and_bad_address_are_refused(tmp_path):
    with pytest.raises(CommandError, match="There is no file at"):
        run(str(tmp_path / "missing.xml"))
    with pytest.raises(CommandError, match="is not a web address we can read"):
        run("https://exa mple.org/feed")
    assert not FeedSource.objects.exists()


def test_broken_and_refused_feeds_say_why(tmp_path):
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"not xml at all")
    with pytest.raises(CommandError, match="not well-formed XML"):
        run(str(broken))
    entity = tmp_path / "entity.xml"
    entity.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa">]><rss version="2.0">'
        b"<channel><title>&a;</title></channel></rss>"
    )
    with pytest.raises(CommandError) as caught:
        run(str(entity))
    assert "DOCTYPE" in str(caught.value) or "entit" in str(caught.value).lower()
    assert not Entry.objects.exists()
    assert FeedSource.objects.get(url=broken.resolve().as_uri()).consecutive_failures == 1


def test_a_url_is_subscribed_and_polled_like_the_worker_does(feed_server):
    feed_server.routes["/feed"] = Route(body=rss(4), etag='"v1"')
    url = feed_server.url("/feed")

    assert run(url) == "added=4 updated=0 skipped=0 errors=0\n"
    source = FeedSource.objects.get(url=url)
    assert source.status == SourceStatus.ACTIVE
    assert source.etag == '"v1"'
    assert Subscription.objects.get(source=source).scope == Scope.SITE

    # The second run sends the ETag and gets 304: nothing new, and no second subscription.
    assert run(url) == "added=0 updated=0 skipped=0 errors=0\n"
    assert feed_server.hits("/feed")[1]["If-None-Match"] == '"v1"'
    assert Subscription.objects.count() == 1


def test_a_failing_url_is_an_error_and_is_recorded(feed_server):
    feed_server.routes["/feed"] = Route(status=503)
    url = feed_server.url("/feed")
    with pytest.raises(CommandError, match="The server answered 503 Service Unavailable"):
        run(url)
    assert FeedSource.objects.get(url=url).consecutive_failures == 1


def test_exit_status_and_messages_from_the_command_line(project_dir, tmp_path):
    env = project_dir()
    good = tmp_path / "good.xml"
    good.write_bytes(rss(2))
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"not xml at all")

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", "ingest_feed", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    ok = manage(str(good))
    assert (ok.returncode, ok.stderr) == (0, "")
    assert ok.stdout == "added=2 updated=0 skipped=0 errors=0\n"
    bad = manage(str(broken))
    assert bad.returncode == 1
    assert bad.stdout == ""
    assert "The feed is not well-formed XML" in bad.stderr
    assert "Traceback" not in bad.stderr
    nobody = manage(str(good), "--community", "nope")
    assert nobody.returncode == 1
    assert "There is no community" in nobody.stderr
