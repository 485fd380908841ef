"""Ingestion refuses unsafe or oversized documents before any parser sees them, and says why."""

from __future__ import annotations

import json
import time
from pathlib import Path

import feedparser
import pytest

from knowledgehub.aggregator import ingest
from knowledgehub.aggregator.choices import Scope
from knowledgehub.aggregator.ingest import FeedBroken, FeedRefused, ingest_bytes
from knowledgehub.aggregator.models import Entry, FeedItem, FeedSource, Subscription
from knowledgehub.knowledge.models import Item

pytestmark = pytest.mark.django_db

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + ']>\n<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title>'
    "<guid>1</guid></item></channel></rss>"
).encode()


def rss(items: str = "<item><title>Fine</title><guid>1</guid></item>") -> bytes:
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
    return f"{head}{items}</channel></rss>".encode()


@pytest.fixture
def source():  # type: ignore[no-untyped-def]
    feed = FeedSource.objects.create(url="https://feeds.example.org/feed.xml", original_url="x")
    Subscription.objects.create(source=feed, scope=Scope.SITE)
    return feed


@pytest.fixture
def no_parser(monkeypatch):  # type: ignore[no-untyped-def]
    """Fail the test if feedparser is asked to parse anything."""
    calls: list[object] = []

    def parse(*args: object, **kwargs: object) -> None:
        calls.append(args)
        raise AssertionError("feedparser saw a document that should have been refused")

    monkeypatch.setattr(feedparser, "parse", parse)
    return calls


def assert_nothing_stored() -> None:
    assert Entry.objects.count() == 0
    assert FeedItem.objects.count() == 0
    assert Item.objects.filter(kind="feed_item").count() == 0


def test_billion_laughs_is_refused_quickly_without_parsing(source, no_parser):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    with pytest.raises(FeedRefused) as caught:
        ingest_bytes(source, BILLION_LAUGHS)
    assert time.monotonic() - started < 2
    assert "<!DOCTYPE>" in caught.value.message
    assert no_parser == []
    assert_nothing_stored()


def test_external_entity_is_refused_and_the_file_never_appears(source, tmp_path):  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-PASSWORD-42")
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>&xxe;</title><description>&xxe;</description>'
        "<item><title>&xxe;</title><description>&xxe;</description><guid>1</guid></item>"
        "</channel></rss>"
    ).encode()
    started = time.monotonic()
    with pytest.raises(FeedRefused):
        ingest_bytes(source, doc)
    assert time.monotonic() - started < 2
    assert_nothing_stored()
    source.refresh_from_db()
    for value in (source.title, source.description):
        assert "TOP-SECRET" not in value


def test_entity_declaration_without_doctype_keyword_case_is_refused(source, no_parser):  # type: ignore[no-untyped-def]
    doc = b'<?xml version="1.0"?>\n<!-- hello -->\n<?pi x?>\n<!doctype rss [<!entity a "b">]><rss/>'
    with pytest.raises(FeedRefused):
        ingest_bytes(source, doc)


@pytest.mark.parametrize(
    "encoding, bom",
    [
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-16-le", b""),
        ("utf-32-be", b""),
    ],
)
def test_doctype_in_utf16_and_utf32_is_refused(source, no_parser, encoding, bom):  # type: ignore[no-untyped-def]
    text = BILLION_LAUGHS.decode().replace('version="1.0"', 'version="1.0" encoding="utf-16"', 1)
    with pytest.raises(FeedRefused):
        ingest_bytes(source, bom + text.encode(encoding))
    assert_nothing_stored()


def test_doctype_hidden_by_a_declared_encoding_is_refused(source):  # type: ignore[no-untyped-def]
    # In UTF-7 "+ADw-" is "<": the raw bytes have no "<!DOCTYPE", but the parser would see one.
    body = BILLION_LAUGHS.decode().split("\n", 1)[1]
    doc = b'<?xml version="1.0" encoding="utf-7"?>\n' + body.replace("<!", "+ADw-!").encode("ascii")
    assert b"<!DOCTYPE" not in doc
    with pytest.raises(FeedRefused):
        ingest_bytes(source, doc)
    assert_nothing_stored()


def test_a_web_page_is_refused_in_plain_words(source, no_parser):  # type: ignore[no-untyped-def]
    with pytest.raises(FeedRefused) as caught:
        ingest_bytes(source, b"\xef\xbb\xbf<!DOCTYPE html>\n<html><body>Hi</body></html>")
    assert caught.value.message == "The address returned a web page (HTML), not a feed."


def test_oversized_data_is_refused(source, settings, no_parser):  # type: ignore[no-untyped-def]
    settings.KH_FETCH_MAX_BYTES = 5_000
    doc = rss("<item><title>x</title><description>" + "a" * 6_000 + "</description></item>")
    with pytest.raises(FeedRefused) as caught:
        ingest_bytes(source, doc)
    assert "larger than" in caught.value.message
    assert_nothing_stored()


def test_default_size_cap_is_ten_megabytes(source, settings, no_parser):  # type: ignore[no-untyped-def]
    if hasattr(settings, "KH_FETCH_MAX_BYTES"):
        del settings.KH_FETCH_MAX_BYTES
    assert ingest.max_bytes() == 10 * 1024 * 1024
    with pytest.raises(FeedRefused):
        ingest_bytes(source, b" " * (10 * 1024 * 1024 + 1))


def test_a_prolog_too_long_to_check_is_refused(source, no_parser):  # type: ignore[no-untyped-def]
    doc = b'<?xml version="1.0"?><!--' + b"x" * 70_000 + b"--><!DOCTYPE r [<!ENTITY a 'b'>]><rss/>"
    with pytest.raises(FeedRefused) as caught:
        ingest_bytes(source, doc)
    assert "64 KB" in caught.value.message


def test_doctype_text_inside_an_item_is_not_a_declaration(source):  # type: ignore[no-untyped-def]
    doc = rss(
        "<item><title>About XML</title><guid>1</guid><description><![CDATA[<p>Never accept "
        "<code>&lt;!DOCTYPE</code> or <!ENTITY in a feed.</p>]]></description></item>"
    )
    result = ingest_bytes(source, doc)
    assert result.added == 1
    assert Entry.objects.get().title == "About XML"


@pytest.mark.parametrize(
    "doc, message",
    [
        (b"", "The feed is empty."),
        (b"   \n ", "The feed is empty."),
        (b"<?xml version='1.0'?><shopping><list/></shopping>", "not an RSS, Atom or JSON feed"),
        (b"Just some text", "The feed is not well-formed XML: syntax error at line 1"),
        (b'{"version": "1", "items": []}', "JSON but not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ],
)
def test_broken_documents_say_why(source, doc, message):  # type: ignore[no-untyped-def]
    with pytest.raises(FeedBroken) as caught:
        ingest_bytes(source, doc, content_type="application/json" if doc[:1] == b"[" else "")
    assert message in caught.value.message
    assert_nothing_stored()


def test_feedparser_is_never_given_a_url_or_a_path(source, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    seen: list[object] = []
    real_parse = feedparser.parse

    def spy(what: object, *args: object, **kwargs: object) -> object:
        seen.append(what)
        return real_parse(what, *args, **kwargs)

    monkeypatch.setattr(feedparser, "parse", spy)
    path = tmp_path / "feed.xml"
    path.write_bytes(rss())
    # A document that is only a path or URL must be treated as (broken) data, not opened.
    for doc in (str(path).encode(), b"https://example.org/feed.xml"):
        with pytest.raises(FeedBroken):
            ingest_bytes(source, doc)
    assert seen and all(hasattr(what, "read") for what in seen)
    assert_nothing_stored()


def test_json_feed_is_refused_when_oversized_too(source, settings):  # type: ignore[no-untyped-def]
    settings.KH_FETCH_MAX_BYTES = 100
    doc = json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "title": "x" * 200}]}
    ).encode()
    with pytest.raises(FeedRefused):
        ingest_bytes(source, doc)


def test_shared_data_exists() -> None:
    from django.conf import settings

    assert (Path(settings.BASE_DIR).parent / "shared" / "data" / "feeds").is_dir()
