"""Markdown to safe HTML: markdown-it-py (CommonMark + tables + strikethrough) then nh3.

The same function renders previews, pages and feeds, so they always agree.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )


def render_markdown(text: str) -> str:
    """Render user Markdown to sanitised HTML. Headings start at h2 (the page owns h1)."""
    html = _md.render(text or "")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return sanitise_html(html)


def plain_text(text: str) -> str:
    """Markdown reduced to plain text for the index."""
    return html_text(_md.render(text or ""))


def html_text(html: str) -> str:
    """The text of HTML this module rendered (e.g. a stored ``body_html``): the same as
    ``plain_text`` of its Markdown, without parsing the Markdown again."""
    return nh3.clean(html or "", tags=set()).strip()
