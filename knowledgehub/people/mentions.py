"""@mentions in Markdown, for every kind of content.

``render_with_mentions(body)`` renders Markdown (sanitised, as everywhere) and links each
``@username`` of an existing, active person to their profile; ``mentioned_people(body)`` returns
those people, for notifications. Mentions inside code, preformatted text and existing links are
left alone, and e-mail addresses and URLs are not mentions.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.urls import reverse
from django.utils.html import escape

from knowledgehub.lib.markdown import render_markdown

from .models import User

# "@name" not preceded by a word character, "@" or "/" (so e-mail addresses and URLs are not
# mentions); a trailing full stop or hyphen is punctuation, not part of the name.
MENTION_RE = re.compile(r"(?<![\w@/])@([A-Za-z0-9_](?:[\w.+-]*\w)?)")

_TAG_RE = re.compile(r"(<[^>]+>)")
_TAG_NAME_RE = re.compile(r"<(/?)([a-zA-Z0-9]+)")
#: Inside these elements "@name" is left alone (code samples, existing links).
_SKIP_TAGS = {"a", "code", "pre"}
#: More mentions than this in one text are not all notified (a pasted member list is not a call).
MAX_MENTIONS = 50


def map_text(html: str, fn: Callable[[str], str]) -> str:
    """Apply ``fn`` to the text of ``html`` outside links and code."""
    out: list[str] = []
    depth = 0
    for part in _TAG_RE.split(html):
        if part.startswith("<"):
            match = _TAG_NAME_RE.match(part)
            if match and match.group(2).lower() in _SKIP_TAGS and not part.endswith("/>"):
                depth = max(0, depth - 1) if match.group(1) else depth + 1
            out.append(part)
        else:
            out.append(fn(part) if depth == 0 else part)
    return "".join(out)


def mentioned_usernames(body: str) -> list[str]:
    """The distinct @usernames in ``body`` (outside code and links), in order of appearance."""
    if "@" not in body:
        return []
    seen: dict[str, None] = {}

    def collect(text: str) -> str:
        for match in MENTION_RE.finditer(text):
            seen.setdefault(match.group(1), None)
        return text

    map_text(render_markdown(body), collect)
    return list(seen)[:MAX_MENTIONS]


def resolve_mentions(body: str) -> dict[str, User]:
    """The active people mentioned in ``body``, by username."""
    names = mentioned_usernames(body)
    if not names:
        return {}
    return {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}


def mentioned_people(body: str) -> list[User]:
    return list(resolve_mentions(body).values())


def link_mentions(html: str, users: dict[str, User]) -> str:
    """Link each @username in already-sanitised ``html`` whose person is in ``users``."""

    def link(match: re.Match[str]) -> str:
        user = users.get(match.group(1))
        if user is None:
            return match.group(0)
        url = escape(reverse("people:detail", kwargs={"username": user.username}))
        return f'<a class="govuk-link" href="{url}">@{escape(user.username)}</a>'

    return map_text(html, lambda text: MENTION_RE.sub(link, text))


def render_with_mentions(body: str, users: dict[str, User] | None = None) -> str:
    """Markdown to sanitised HTML, with @mentions of existing people linked to their profiles."""
    html = render_markdown(body)
    if "@" not in body:
        return html
    return link_mentions(html, resolve_mentions(body) if users is None else users)
