"""OPML 2.0: reading a list of feeds safely and writing ours.

Reading uses expat (what xml.etree parses with) with handlers that refuse a document type
declaration or any entity declaration before anything is expanded, so "billion laughs" and
external entities never get a chance; a byte-level check refuses them even earlier. Writing
uses xml.etree, which escapes text and attributes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import format_datetime
from typing import Any
from xml.parsers import expat

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import FeedSource

MAX_BYTES = 1024 * 1024
MAX_OUTLINES = 500

# Characters XML 1.0 does not allow at all (they would make the export unreadable).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DECLARATION = re.compile(rb"<!\s*(doctype|entity)", re.IGNORECASE)


class OpmlError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Outline:
    url: str
    title: str


@dataclass(frozen=True)
class ParsedOpml:
    outlines: list[Outline]
    skipped: int  # outlines over MAX_OUTLINES, left out


class _Refused(Exception):
    pass


def _refuse(*_args: Any) -> None:
    raise _Refused


def _declares_something(data: bytes) -> bool:
    """A DOCTYPE or ENTITY declaration anywhere, in UTF-8/ASCII or in UTF-16."""
    if _DECLARATION.search(data):
        return True
    for encoding in ("utf-16-le", "utf-16-be"):
        if _DECLARATION.search(data.decode(encoding, errors="ignore").encode("ascii", "ignore")):
            return True
    return False


def parse_opml(data: bytes) -> ParsedOpml:
    """The feeds an OPML file lists (nested outlines included), each address once, at most
    MAX_OUTLINES. Raises OpmlError in plain words for anything we will not read."""
    if not data or not data.strip():
        raise OpmlError(_("The selected file is empty"))
    if len(data) > MAX_BYTES:
        raise OpmlError(_("The selected file must be smaller than 1 MB"))
    refused = OpmlError(
        _(
            "This file contains a document type or entity declaration, which we do not accept "
            "for safety. Export the list again from your feed reader"
        )
    )
    if _declares_something(data):
        raise refused

    outlines: list[Outline] = []
    seen: set[str] = set()
    skipped = 0
    root: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal skipped
        if not root:
            root.append(name)
        if name.lower() != "outline":
            return
        values = {key.lower(): value for key, value in attrs.items()}
        url = (values.get("xmlurl") or "").strip()
        if not url or not url.lower().startswith(("http://", "https://")):
            return
        if url in seen:
            return
        if len(outlines) >= MAX_OUTLINES:
            skipped += 1
            return
        seen.add(url)
        title = (values.get("title") or values.get("text") or "").strip()
        outlines.append(Outline(url=url[:2000], title=title[:300]))

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse  # type: ignore[assignment]
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = start
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        raise refused from exc
    except expat.ExpatError as exc:
        raise OpmlError(
            _("This file is not valid OPML (it is not well-formed XML: %(reason)s)")
            % {"reason": expat.ErrorString(exc.code)}
        ) from exc
    if not root or root[0].lower() != "opml":
        raise OpmlError(_("This file is not OPML (it should start with an <opml> element)"))
    if not outlines:
        raise OpmlError(_("This file does not list any feeds"))
    return ParsedOpml(outlines=outlines, skipped=skipped)


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text or "")


def build_opml(sources: Iterable[FeedSource], *, title: str) -> bytes:
    """An OPML 2.0 document listing ``sources``."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = _clean(title)
    ET.SubElement(head, "dateCreated").text = format_datetime(timezone.now(), usegmt=True)
    body = ET.SubElement(root, "body")
    for source in sources:
        attrs = {
            "type": "rss",
            "text": _clean(source.display_title),
            "title": _clean(source.display_title),
            "xmlUrl": _clean(source.url),
        }
        if source.site_url:
            attrs["htmlUrl"] = _clean(source.site_url)
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
