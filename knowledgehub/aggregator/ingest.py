"""Turn the bytes of a fetched feed into Entry rows, and place every entry where each of the
source's subscriptions shows it (FeedItem) with its knowledge Item, in bulk.

The pipeline, in order:

1. **Refuse unsafe or oversized input before any parser sees it** (:class:`FeedRefused`): more
   than ``KH_FETCH_MAX_BYTES`` (default 10 MB), or a ``<!DOCTYPE``/``<!ENTITY`` in the prolog
   (the part before the first element; billion laughs, external entities). The prolog is checked
   in the raw bytes (BOM, UTF-16 and UTF-32 sniffed), and again after the document has been
   converted to UTF-8 exactly as feedparser would convert it, so an exotic declared encoding
   (UTF-7, EBCDIC) cannot hide a declaration: feedparser is then given those UTF-8 bytes, the
   bytes we checked. A prolog that does not end within the first 64 KiB is refused too.
2. **Parse**: JSON Feed 1.0/1.1 ourselves (feedparser 6 does not read JSON), RSS/Atom/RDF with
   feedparser from a byte stream (never a URL or path, so it cannot fetch anything), with its own
   sanitiser and URI rewriting off: we sanitise with nh3 below. A document with no entries that
   is not well-formed, or is not a feed, is :class:`FeedBroken`, with a message in plain words.
   A not-quite-well-formed feed that still yields entries (an undefined entity, say) is ingested.
3. **Clean each entry**: plain-text title (HTML stripped, at most 300 characters, else the first
   words of the summary, else "Untitled"); an absolute http(s) link (relative links resolved
   against the document's base, else the feed's link; other schemes dropped) and its normalised
   ``link_key``; the summary (``content`` preferred over ``summary``), at most 200 KB of raw HTML
   sanitised with nh3 (the project's allowed tags minus ``img``: the CSP blocks remote images and
   they would leak readers' addresses; relative URLs resolved; links get
   ``rel="nofollow noopener noreferrer"``; no ``javascript:``) and capped at 100 KB. Dates:
   ``published`` else ``updated``; **a date more than a day in the future, or before 1990, is
   implausible (a clock at zero, a typo) and replaced by the fetch time**, as is a missing date.
4. **Deduplicate** within the source: by guid when the entry has one, else by ``link_key``, else
   by content hash (sha256 of title, link key and summary text). In one document the first of
   a duplicate wins and the rest are skipped. A known entry whose title, summary or link changed
   is updated; otherwise skipped.
5. **Store** in batches of 500 entries, one transaction each, so a crash leaves a consistent
   prefix and a re-run completes it: Entry rows with ``bulk_create`` (the guid constraint is the
   backstop: ``ignore_conflicts`` then re-read), then, for every subscription, the missing
   FeedItems and their knowledge Items, written directly with exactly the fields
   ``registry.index_sync`` would write from ``FeedItem.as_item()``. A changed entry's Items are
   updated. ``progress(done, total)`` is called after each batch.

At most ``KH_FEED_MAX_ENTRIES`` (default 10,000) entries of one document are read; the rest are
skipped. The caller (polling) records counts and progress on the source; this module only
updates the source's title, site link and description from the feed.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import io
import json
import re
import xml.sax
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import feedparser
import nh3
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from feedparser.datetimes import _parse_date
from feedparser.encodings import convert_to_utf8, parse_content_type

from knowledgehub.follows.activity import record_feed_items_created
from knowledgehub.knowledge.models import Item
from knowledgehub.lib.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, html_text

from .choices import Scope
from .models import Entry, FeedItem, FeedSource, Subscription

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_ENTRIES = 10_000
PROLOG_WINDOW = 64 * 1024
MAX_RAW_HTML = 200_000
MAX_SUMMARY_HTML = 100_000
BATCH_SIZE = 500
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
TITLE_MAX = 300
FALLBACK_TITLE_CHARS = 80

FEED_TAGS = ALLOWED_TAGS - {"img"}
FEED_ATTRIBUTES = {tag: attrs for tag, attrs in ALLOWED_ATTRIBUTES.items() if tag in FEED_TAGS}
WEB_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_WHITESPACE = re.compile(r"\s+")
_URL_SENTINEL = 987654321


class IngestError(Exception):
    """A feed we will not or cannot read; ``message`` is in plain words for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FeedRefused(IngestError):
    """Unsafe or too large: refused before any parser saw it."""


class FeedBroken(IngestError):
    """Not a feed, or broken beyond reading."""


@dataclass
class IngestResult:
    added: int = 0
    updated: int = 0
    skipped: int = 0
    errors: int = 0
    feed_title: str = ""
    site_url: str = ""


@dataclass(slots=True)
class RawEntry:
    """One entry as the document gave it (from feedparser or JSON Feed), before cleaning."""

    guid: str = ""
    link: str = ""
    title: str = ""
    title_is_html: bool = False
    body: str = ""
    body_is_html: bool = True
    author: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    base: str = ""  # for relative URLs inside the body


@dataclass(slots=True)
class CleanEntry:
    guid: str
    link: str
    link_key: str
    title: str
    summary_html: str
    text: str  # html_text(summary_html): what the index stores
    author_name: str
    published_at: datetime
    updated_at: datetime
    content_hash: str


@dataclass
class ParsedFeed:
    title: str
    site_url: str
    description: str
    entries: list[RawEntry]


# --- limits ---------------------------------------------------------------------------------


def max_bytes() -> int:
    return int(getattr(settings, "KH_FETCH_MAX_BYTES", DEFAULT_MAX_BYTES) or DEFAULT_MAX_BYTES)


def max_entries() -> int:
    return int(getattr(settings, "KH_FEED_MAX_ENTRIES", DEFAULT_MAX_ENTRIES) or DEFAULT_MAX_ENTRIES)


# --- safety: the prolog ---------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_MARKERS = (  # '<' or '<?xm' without a BOM (XML 1.0, appendix F)
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"\x4c\x6f\xa7\x94", "cp037"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)


def _sniff_head(data: bytes) -> str:
    """The start of the document as text, its encoding guessed from the BOM or the first bytes
    (ASCII-compatible encodings read as Latin-1: the markup we look for is ASCII)."""
    head = data[: PROLOG_WINDOW * 4]  # up to 4 bytes a character (UTF-32)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, "ignore")[:PROLOG_WINDOW]
    for marker, encoding in _MARKERS:
        if head.startswith(marker):
            return head.decode(encoding, "ignore")[:PROLOG_WINDOW]
    return head[:PROLOG_WINDOW].decode("latin-1")


def check_prolog(head: str, *, truncated: bool) -> None:
    """Refuse a document type or entity declaration before the first element.

    Walks the prolog as XML defines it: the XML declaration and other processing instructions,
    comments and white space, until the first element (or anything else, which the parser will
    judge). ``truncated`` says ``head`` is only the start of a longer document."""
    i = 1 if head.startswith("\ufeff") else 0
    n = len(head)
    while True:
        while i < n and head[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        if head.startswith("<?", i):
            end = head.find("?>", i + 2)
            if end < 0:
                break
            i = end + 2
        elif head.startswith("<!--", i):
            end = head.find("-->", i + 4)
            if end < 0:
                break
            i = end + 3
        elif head.startswith("<!", i):
            word = head[i + 2 : i + 9].upper()
            if word.startswith("DOCTYPE"):
                if head[i + 9 : i + 40].strip().lower().startswith("html"):
                    raise FeedRefused("The address returned a web page (HTML), not a feed.")
                raise FeedRefused(
                    "The feed declares a document type (<!DOCTYPE>), which we do not accept: "
                    "it can be used to attack the reader."
                )
            if word.startswith("ENTITY"):
                raise FeedRefused(
                    "The feed declares entities (<!ENTITY>), which we do not accept: "
                    "they can be used to attack the reader."
                )
            return
        else:
            return  # the first element (or junk the parser will reject)
    if truncated:
        raise FeedRefused(
            f"The start of the feed, before its first element, is longer than "
            f"{PROLOG_WINDOW // 1024} KB, so we cannot check it is safe."
        )


def _is_json(data: bytes, content_type: str) -> bool:
    start = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    first = start.lstrip()[:1]
    if first == b"{":
        return True
    mime = content_type.split(";", 1)[0].strip().lower()
    return first not in (b"<", b"") and mime in ("application/feed+json", "application/json")


# --- parsing --------------------------------------------------------------------------------


def parse_feed(data: bytes, *, content_type: str = "", base_url: str = "") -> ParsedFeed:
    """Check and parse a feed document; raises FeedRefused or FeedBroken."""
    limit = max_bytes()
    if len(data) > limit:
        raise FeedRefused(
            f"The feed is larger than {limit / 1_000_000:g} MB, the most we read from one feed."
        )
    if not data.strip():
        raise FeedBroken("The feed is empty.")
    if _is_json(data, content_type):
        return _parse_json(data, base_url)
    return _parse_xml(data, content_type, base_url)


def _parse_xml(data: bytes, content_type: str, base_url: str) -> ParsedFeed:
    head = _sniff_head(data)
    check_prolog(head, truncated=len(data) > PROLOG_WINDOW)
    # feedparser puts an XML declaration on a line of its own before a document without one.
    added_lines = 0 if head.lstrip("\ufeff").startswith("<?xml") else 1
    # Convert to UTF-8 as feedparser would (declared charset, XML declaration, BOM, then
    # fallbacks), treating any media type as XML so text/* does not force US-ASCII; then check
    # the converted prolog and hand feedparser exactly those bytes.
    _mime, charset = parse_content_type(content_type or "")
    xml_type = "application/xml" + (f"; charset={charset}" if charset else "")
    scratch: dict[str, Any] = {}
    utf8 = convert_to_utf8({"content-type": xml_type}, data, scratch)
    if not scratch.get("encoding"):
        raise FeedBroken("The feed's character encoding could not be recognised.")
    check_prolog(
        utf8[: PROLOG_WINDOW * 4].decode("utf-8", "ignore")[:PROLOG_WINDOW],
        truncated=len(utf8) > PROLOG_WINDOW,
    )
    # No base address is given to feedparser: it would resolve relative-looking guids against
    # it, and a guid must not change when the feed moves. Links are resolved below.
    parsed = feedparser.parse(
        io.BytesIO(utf8),
        response_headers={"content-type": "application/xml; charset=utf-8"},
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    entries = parsed.get("entries") or []
    if not entries:
        if parsed.get("bozo"):
            raise FeedBroken(_broken_message(parsed.get("bozo_exception"), added_lines))
        if not parsed.get("version"):
            raise FeedBroken("The document is not an RSS, Atom or JSON feed.")
    info = parsed.get("feed") or {}
    site_url = _absolute(str(info.get("link") or ""), base_url)
    feed_base = site_url or base_url
    return ParsedFeed(
        title=_plain(str(info.get("title") or ""), _is_html(info.get("title_detail")))[:300],
        site_url=site_url,
        description=_plain(str(info.get("subtitle") or ""), _is_html(info.get("subtitle_detail")))[
            :5000
        ],
        entries=[_raw_from_feedparser(e, feed_base) for e in entries],
    )


def _broken_message(exc: Any, added_lines: int = 0) -> str:
    if isinstance(exc, xml.sax.SAXParseException):
        line = max(1, (exc.getLineNumber() or 1) - added_lines)
        return (
            f"The feed is not well-formed XML: {exc.getMessage()} "
            f"at line {line}, column {exc.getColumnNumber()}."
        )
    if exc is not None:
        return f"The feed could not be read: {exc}."
    return "The feed could not be read."


def _is_html(detail: Any) -> bool:
    kind = str((detail or {}).get("type") or "")
    return "html" in kind


def _struct_datetime(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        year, month, day, hour, minute, second = (int(v) for v in tuple(value)[:6])
        return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _raw_from_feedparser(e: dict[str, Any], feed_base: str) -> RawEntry:
    contents = e.get("content") or []
    body, body_is_html, base = "", True, ""
    if contents:
        first = contents[0]
        body = str(first.get("value") or "")
        body_is_html = "plain" not in str(first.get("type") or "text/html")
        base = str(first.get("base") or "")
    if not body.strip():
        detail = e.get("summary_detail") or {}
        body = str(e.get("summary") or "")
        body_is_html = "plain" not in str(detail.get("type") or "text/html")
        base = str(detail.get("base") or "")
    author_detail = e.get("author_detail") or {}
    link = _absolute(str(e.get("link") or ""), feed_base)
    return RawEntry(
        guid=str(e.get("id") or ""),
        link=link,
        title=str(e.get("title") or ""),
        title_is_html=_is_html(e.get("title_detail")),
        body=body,
        body_is_html=body_is_html,
        author=str(author_detail.get("name") or e.get("author") or ""),
        published=_struct_datetime(e.get("published_parsed")),
        # dict.get: FeedParserDict would answer a missing updated_parsed with published_parsed.
        updated=_struct_datetime(dict.get(e, "updated_parsed")),
        base=_absolute(base, feed_base) or link or feed_base,
    )


def _parse_json(data: bytes, base_url: str) -> ParsedFeed:
    """JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), mapped to the same fields."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        detail = (
            f": {exc.msg} at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        )
        raise FeedBroken(f"The feed is not valid JSON{detail}.") from None
    if not isinstance(doc, dict) or "jsonfeed.org" not in str(doc.get("version") or ""):
        raise FeedBroken("The document is JSON but not a JSON Feed.")
    items = doc.get("items")
    if not isinstance(items, list):
        raise FeedBroken("The JSON Feed has no list of items.")
    feed_url = _absolute(str(doc.get("feed_url") or ""), base_url)
    site_url = _absolute(str(doc.get("home_page_url") or ""), base_url or feed_url)
    feed_base = site_url or base_url or feed_url
    feed_author = _json_author(doc)
    entries = []
    for item in items[: max_entries() + 1000]:  # the cap is applied later; bound the work here
        if not isinstance(item, dict):
            entries.append(RawEntry(guid="\x00invalid"))  # counted as an error when cleaned
            continue
        link = _absolute(str(item.get("url") or item.get("external_url") or ""), feed_base)
        if item.get("content_html"):
            body, is_html = str(item["content_html"]), True
        elif item.get("content_text"):
            body, is_html = str(item["content_text"]), False
        else:
            body, is_html = str(item.get("summary") or ""), False
        guid = item.get("id")
        entries.append(
            RawEntry(
                guid="" if guid is None else str(guid),
                link=link,
                title=str(item.get("title") or ""),
                title_is_html=False,
                body=body,
                body_is_html=is_html,
                author=_json_author(item) or feed_author,
                published=_text_datetime(item.get("date_published")),
                updated=_text_datetime(item.get("date_modified")),
                base=link or feed_base,
            )
        )
    return ParsedFeed(
        title=_plain(str(doc.get("title") or ""), False)[:300],
        site_url=site_url,
        description=_plain(str(doc.get("description") or ""), False)[:5000],
        entries=entries,
    )


def _json_author(obj: Mapping[str, Any]) -> str:
    authors = obj.get("authors")
    if isinstance(authors, list) and authors and isinstance(authors[0], dict):
        return str(authors[0].get("name") or "")
    author = obj.get("author")  # JSON Feed 1.0
    if isinstance(author, dict):
        return str(author.get("name") or "")
    return ""


def _text_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return _struct_datetime(_parse_date(value[:100]))


# --- cleaning -------------------------------------------------------------------------------


def _plain(value: str, is_html: bool) -> str:
    """Text for a title or name: tags (and scripts) removed when it is HTML, entities decoded,
    white space collapsed."""
    if is_html or "<" in value:
        value = html.unescape(nh3.clean(value[:MAX_RAW_HTML], tags=set()))
    return _WHITESPACE.sub(" ", value).strip()


def _absolute(url: str, base: str) -> str:
    """An absolute http(s) URL (``url`` resolved against ``base``), or "" for anything else."""
    url = url.strip()
    if not url:
        return ""
    try:
        if base:
            url = urljoin(base, url)
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname or len(url) > 2000:
        return ""
    return url


def link_key(url: str) -> str:
    """A link normalised for deduplication: lower-case scheme and host, no user info, no default
    port, no fragment, no ``utm_*`` parameters, no trailing slash."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url[:2000]
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    query = "&".join(
        p for p in parts.query.split("&") if p and not p.split("=", 1)[0].lower().startswith("utm_")
    )
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), query, ""))[:2000]


def sanitise_summary(raw: str, *, is_html: bool = True, base: str = "") -> str:
    """Feed HTML made safe to show: bounded, sanitised, relative URLs resolved against ``base``
    (or removed when there is none)."""
    raw = raw[:MAX_RAW_HTML]
    if not is_html:
        raw = html.escape(raw.strip()).replace("\n\n", "<br><br>")
    relative: Any = "deny"
    if base and urlsplit(base).scheme in WEB_SCHEMES:
        relative = ("rewrite_with_base", base)

    def clean(value: str) -> str:
        try:
            return nh3.clean(
                value,
                tags=FEED_TAGS,
                attributes=FEED_ATTRIBUTES,
                url_schemes={"http", "https", "mailto"},
                link_rel="nofollow noopener noreferrer",
                url_relative=relative,
            )
        except ValueError:  # a base nh3 cannot use
            return nh3.clean(
                value,
                tags=FEED_TAGS,
                attributes=FEED_ATTRIBUTES,
                url_schemes={"http", "https", "mailto"},
                link_rel="nofollow noopener noreferrer",
                url_relative="deny",
            )

    cleaned = clean(raw).strip()
    if len(cleaned) <= MAX_SUMMARY_HTML:
        return cleaned
    # Cut, and clean again to close what the cut left open (which adds a little).
    cut = MAX_SUMMARY_HTML
    shorter = clean(cleaned[:cut]).strip()
    while len(shorter) > MAX_SUMMARY_HTML and cut > 0:
        cut -= len(shorter) - MAX_SUMMARY_HTML + 200
        shorter = clean(cleaned[: max(cut, 0)]).strip()
    return shorter


def _plausible(value: datetime | None, now: datetime) -> datetime | None:
    if value is None or value < EARLIEST or value > now + FUTURE_SLACK:
        return None
    return value


def _fallback_title(text: str) -> str:
    words = text.split()
    title = ""
    for word in words:
        if len(title) + len(word) + 1 > FALLBACK_TITLE_CHARS:
            return title + "…"
        title = f"{title} {word}" if title else word
    return title or "Untitled"


def clean_entry(raw: RawEntry, fetched_at: datetime) -> CleanEntry:
    summary_html = sanitise_summary(raw.body, is_html=raw.body_is_html, base=raw.base)
    text = html_text(summary_html)
    title = _plain(raw.title, raw.title_is_html)
    if not title:
        title = _fallback_title(html.unescape(text))
    title = title[:TITLE_MAX]
    key = link_key(raw.link)
    published = _plausible(raw.published, fetched_at) or _plausible(raw.updated, fetched_at)
    published = published or fetched_at
    updated = _plausible(raw.updated, fetched_at) or published
    guid = raw.guid.strip()
    if len(guid) > 1000:
        guid = "sha256:" + hashlib.sha256(guid.encode("utf-8", "replace")).hexdigest()
    digest = hashlib.sha256("\x1f".join((title, key, text)).encode("utf-8", "replace")).hexdigest()
    return CleanEntry(
        guid=guid,
        link=raw.link,
        link_key=key,
        title=title,
        summary_html=summary_html,
        text=text,
        author_name=_plain(raw.author, False)[:200],
        published_at=published,
        updated_at=max(updated, published),
        content_hash=digest,
    )


# --- storing --------------------------------------------------------------------------------


def ingest_bytes(
    source: FeedSource,
    data: bytes,
    *,
    content_type: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> IngestResult:
    """Parse ``data`` (a fetched feed) and store its entries for ``source`` and all its
    subscriptions. Idempotent. Raises FeedRefused or FeedBroken (nothing is stored then)."""
    fetched_at = timezone.now()
    feed = parse_feed(data, content_type=content_type, base_url=source.url)
    result = IngestResult(feed_title=feed.title, site_url=feed.site_url)
    _update_source(source, feed)

    limit = max_entries()
    result.skipped += max(0, len(feed.entries) - limit)
    cleaned: list[CleanEntry] = []
    seen: set[tuple[str, str]] = set()
    for raw in feed.entries[:limit]:
        if raw.guid == "\x00invalid":
            result.errors += 1
            continue
        try:
            entry = clean_entry(raw, fetched_at)
        except (ValueError, TypeError, OverflowError):
            result.errors += 1
            continue
        key = _dedupe_key(entry)
        if key in seen:
            result.skipped += 1
            continue
        seen.add(key)
        cleaned.append(entry)

    subscriptions = list(source.subscriptions.select_related("community"))
    context = _PlacementContext(source, subscriptions)
    total = len(cleaned)
    for start in range(0, total, BATCH_SIZE):
        with transaction.atomic():
            _store_batch(source, cleaned[start : start + BATCH_SIZE], fetched_at, context, result)
        if progress is not None:
            progress(min(start + BATCH_SIZE, total), total)
    if total == 0 and progress is not None:
        progress(0, 0)
    return result


def _dedupe_key(entry: CleanEntry | Entry) -> tuple[str, str]:
    if entry.guid:
        return ("guid", entry.guid)
    if entry.link_key:
        return ("link", entry.link_key)
    return ("hash", entry.content_hash)


def _update_source(source: FeedSource, feed: ParsedFeed) -> None:
    changed = []
    old_name = source.display_title
    for name, value in (
        ("title", feed.title),
        ("site_url", feed.site_url),
        ("description", feed.description),
    ):
        if value and getattr(source, name) != value:
            setattr(source, name, value)
            changed.append(name)
    if not changed:
        return
    with transaction.atomic():
        source.save(update_fields=changed)
        if source.display_title != old_name:
            # Every placement's Item names the source (as_item's source_name).
            placements = FeedItem.objects.filter(subscription__source=source).values("pk")
            count = Item.objects.filter(
                content_type=_feed_item_type(), object_id__in=placements
            ).update(source_name=source.display_title[:200])
            if count:
                _bump()


def _feed_item_type() -> ContentType:
    return ContentType.objects.get_for_model(FeedItem)


def _bump() -> None:
    from knowledgehub.core.pagecache import bump_content_version

    bump_content_version()


class _PlacementContext:
    """What every Item of a run shares, worked out once."""

    def __init__(self, source: FeedSource, subscriptions: Sequence[Subscription]) -> None:
        self.source = source
        self.subscriptions = list(subscriptions)
        self.audiences = {s.pk: s.audience() for s in self.subscriptions}
        self.content_type = _feed_item_type()
        self.source_name = source.display_title[:200]
        self._url_parts: list[str] = []

    def url(self, pk: int) -> str:
        """``FeedItem.get_absolute_url()``, without resolving the URL once per item."""
        if not self._url_parts:
            url = reverse("aggregator:item", kwargs={"pk": _URL_SENTINEL})
            self._url_parts = url.split(str(_URL_SENTINEL), 1)
        before, after = self._url_parts
        return f"{before}{pk}{after}"

    def item(self, placement_pk: int, entry: Entry, text: str, subscription: Subscription) -> Item:
        """The Item ``index_sync(FeedItem)`` would create, field for field."""
        return Item(
            content_type=self.content_type,
            object_id=placement_pk,
            kind=FeedItem.knowledge_kind,
            title=entry.title[:300],
            url=self.url(placement_pk),
            text=text,
            summary=text[:280][:500],
            author_id=subscription.user_id if subscription.scope == Scope.PRIVATE else None,
            source_name=self.source_name,
            organisation_id=None,
            community_id=subscription.community_id,
            audience=self.audiences[subscription.pk],
            published_at=entry.published_at,
            updated_at=entry.updated_at,
            is_demo=self.source.is_demo,
        )


_ENTRY_FIELDS = (
    "id",
    "guid",
    "link",
    "link_key",
    "content_hash",
    "title",
    "summary_html",
    "published_at",
    "updated_at",
)
_UPDATED_FIELDS = [
    "title",
    "summary_html",
    "link",
    "link_key",
    "content_hash",
    "author_name",
    "updated_at",
    "fetched_at",
]


def _existing(source: FeedSource, field: str, values: Iterable[str]) -> dict[str, Entry]:
    wanted = list(dict.fromkeys(values))
    if not wanted:
        return {}
    found: dict[str, Entry] = {}
    rows = (
        Entry.objects.filter(source=source, **{f"{field}__in": wanted})
        .only(*_ENTRY_FIELDS)
        .order_by("id")
    )
    for row in rows:
        found.setdefault(getattr(row, field), row)
    return found


def _store_batch(
    source: FeedSource,
    batch: Sequence[CleanEntry],
    fetched_at: datetime,
    context: _PlacementContext,
    result: IngestResult,
) -> None:
    by_guid = _existing(source, "guid", (c.guid for c in batch if c.guid))
    by_link = _existing(
        source, "link_key", (c.link_key for c in batch if not c.guid and c.link_key)
    )
    by_hash = _existing(
        source, "content_hash", (c.content_hash for c in batch if not c.guid and not c.link_key)
    )
    new: list[Entry] = []
    changed: list[Entry] = []
    texts: dict[int, str] = {}  # entry id -> index text
    placed: list[Entry] = []
    pending_text: list[tuple[Entry, str]] = []
    handled: set[int] = set()
    for c in batch:
        if c.guid:
            found = by_guid.get(c.guid)
        elif c.link_key:
            found = by_link.get(c.link_key)
        else:
            found = by_hash.get(c.content_hash)
        if found is None:
            entry = Entry(
                source=source,
                guid=c.guid,
                link=c.link,
                link_key=c.link_key,
                content_hash=c.content_hash,
                title=c.title,
                summary_html=c.summary_html,
                author_name=c.author_name,
                published_at=c.published_at,
                updated_at=c.updated_at,
                fetched_at=fetched_at,
            )
            new.append(entry)
            pending_text.append((entry, c.text))
            continue
        if found.pk in handled:  # two keys of this document led to the same stored entry
            result.skipped += 1
            continue
        handled.add(found.pk)
        if (found.title, found.summary_html, found.link) != (c.title, c.summary_html, c.link):
            found.title = c.title
            found.summary_html = c.summary_html
            found.link = c.link
            found.link_key = c.link_key
            found.content_hash = c.content_hash
            found.author_name = c.author_name
            found.updated_at = max(c.updated_at, found.published_at)
            found.fetched_at = fetched_at
            changed.append(found)
        else:
            result.skipped += 1
        texts[found.pk] = c.text
        placed.append(found)

    if new:
        with_guid = [e for e in new if e.guid]
        without_guid = [e for e in new if not e.guid]
        if without_guid:  # no unique key: plain inserts, which return their ids
            Entry.objects.bulk_create(without_guid)
        if with_guid:  # the guid constraint is the backstop against a concurrent run
            Entry.objects.bulk_create(with_guid, ignore_conflicts=True)
            ids = dict(
                Entry.objects.filter(
                    source=source, guid__in=[e.guid for e in with_guid]
                ).values_list("guid", "id")
            )
            for e in with_guid:
                e.pk = ids[e.guid]
        for entry, text in pending_text:
            texts[entry.pk] = text
        placed.extend(new)
        result.added += len(new)
    if changed:
        Entry.objects.bulk_update(changed, _UPDATED_FIELDS)
        result.updated += len(changed)
        _reindex_changed(changed, texts, context)
    if _place(placed, texts, context.subscriptions, context) or changed:
        _bump()


def _reindex_changed(
    changed: Sequence[Entry], texts: Mapping[int, str], context: _PlacementContext
) -> None:
    """Update the Items of changed entries as index_sync would (the entry's fields; the
    subscription's audience is unchanged by an edit)."""
    placements: dict[int, list[int]] = {}
    for pk, entry_id in FeedItem.objects.filter(entry__in=changed).values_list("pk", "entry_id"):
        placements.setdefault(entry_id, []).append(pk)
    for entry in changed:
        pks = placements.get(entry.pk)
        if not pks:
            continue
        text = texts[entry.pk]
        Item.objects.filter(content_type=context.content_type, object_id__in=pks).update(
            title=entry.title[:300],
            text=text,
            summary=text[:280][:500],
            source_name=context.source_name,
            published_at=entry.published_at,
            updated_at=entry.updated_at,
        )


def _place(
    entries: Sequence[Entry],
    texts: Mapping[int, str],
    subscriptions: Sequence[Subscription],
    context: _PlacementContext,
) -> int:
    """Create the missing FeedItems of ``entries`` for each of ``subscriptions`` and their Items.
    Returns how many were created."""
    if not entries or not subscriptions:
        return 0
    entry_ids = [e.pk for e in entries]
    sub_ids = [s.pk for s in subscriptions]
    have = set(
        FeedItem.objects.filter(entry_id__in=entry_ids, subscription_id__in=sub_ids).values_list(
            "entry_id", "subscription_id"
        )
    )
    missing = [(e, s) for e in entries for s in subscriptions if (e.pk, s.pk) not in have]
    if not missing:
        return 0
    FeedItem.objects.bulk_create(
        [FeedItem(entry_id=e.pk, subscription_id=s.pk) for e, s in missing],
        ignore_conflicts=True,  # the (entry, subscription) constraint is the backstop
    )
    ids = {
        (entry_id, sub_id): pk
        for pk, entry_id, sub_id in FeedItem.objects.filter(
            entry_id__in=entry_ids, subscription_id__in=sub_ids
        ).values_list("pk", "entry_id", "subscription_id")
    }
    Item.objects.bulk_create(
        [context.item(ids[(e.pk, s.pk)], e, texts[e.pk], s) for e, s in missing],
        ignore_conflicts=True,  # one Item per object: the constraint is the backstop
    )
    record_feed_items_created(  # activities for followers' streams, in bulk too
        source_id=context.source.pk, placements={ids[(e.pk, s.pk)]: e.pk for e, s in missing}
    )
    return len(missing)


def place_existing_entries(subscription: Subscription, limit: int = 200) -> int:
    """Show a source's latest ``limit`` entries to a new subscription (the source was already
    polled for someone else). Returns how many placements were made."""
    source = subscription.source
    entries = list(
        Entry.objects.filter(source=source)
        .only(*_ENTRY_FIELDS)
        .order_by("-published_at", "-id")[:limit]
    )
    if not entries:
        return 0
    texts = {e.pk: html_text(e.summary_html) for e in entries}
    context = _PlacementContext(source, [subscription])
    with transaction.atomic():
        made = _place(entries, texts, [subscription], context)
        if made:
            _bump()
    return made
