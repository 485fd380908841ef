"""Page bodies to HTML: Markdown through the shared sanitiser, then ``[[Page name]]`` links and
``@username`` mentions (``people.mentions.link_mentions``).

The link substitution runs on the already-sanitised HTML and touches only text between tags
(never attribute values, and never text already inside a link or code), and every anchor it
adds is built with ``format_html``, so a name like ``[[<script>]]`` stays inert text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.models import Item
from knowledgehub.lib.markdown import render_markdown
from knowledgehub.people.mentions import link_mentions, resolve_mentions
from knowledgehub.people.models import User

from .constants import TITLE_MAX_LENGTH
from .models import Page

# nh3 serialises attribute values in double quotes with '"' escaped, so a quoted run cannot
# hide a '>' from this pattern.
_TAG = re.compile(r'(<(?:[^>"]|"[^"]*")*>)')
_LINK = re.compile(rf"\[\[([^\[\]\n]{{1,{TITLE_MAX_LENGTH * 6}}})\]\]")
_SKIP_INSIDE = {"a", "code", "pre"}
_TAG_NAME = re.compile(r"^</?([a-zA-Z0-9]+)")


def link_names(body: str) -> set[str]:
    """The page names a Markdown body links to with ``[[…]]``."""
    return {m.group(1).strip() for m in _LINK.finditer(body or "") if m.group(1).strip()}


def _key(name: str) -> str:
    return name.strip().casefold()


def resolve_links(
    community: Community, names: Iterable[str], viewer: User | AnonymousUser
) -> dict[str, Page | None]:
    """Map each name (casefolded) to the page it names, by title or slug; ``None`` when the
    page does not exist. Pages the viewer may not read are left out of the map entirely."""
    names = [n for n in {n.strip() for n in names} if n]
    if not names:
        return {}
    slugs = {slugify(n) for n in names} - {""}
    title_q = Q()
    for n in names:
        title_q |= Q(title__iexact=n)
    pages = list(Page.objects.filter(community=community).filter(title_q | Q(slug__in=slugs)))
    visible_ids = set(
        Item.objects.visible_to(viewer)
        .filter(kind=Page.knowledge_kind, object_id__in=[p.pk for p in pages])
        .values_list("object_id", flat=True)
    )
    by_title = {_key(p.title): p for p in pages}
    by_slug = {p.slug: p for p in pages}
    found: dict[str, Page | None] = {}
    for n in names:
        page = by_title.get(_key(n)) or by_slug.get(slugify(n))
        if page is None:
            found[_key(n)] = None
        elif page.pk in visible_ids:
            found[_key(n)] = page
    return found


def _anchor(name: str, community: Community, found: dict[str, Page | None]) -> str:
    key = _key(name)
    if key not in found:  # a page the viewer may not read: plain text, no hint it exists
        return str(format_html("{}", name))
    page = found[key]
    if page is not None:
        return str(
            format_html(
                '<a class="govuk-link kh-wiki-link" href="{}">{}</a>',
                reverse("wiki:detail", kwargs={"slug": community.slug, "page_slug": page.slug}),
                name,
            )
        )
    href = (
        reverse("wiki:create", kwargs={"slug": community.slug})
        + "?"
        + urlencode({"title": name.strip()})
    )
    return str(
        format_html(
            '<a class="govuk-link kh-wiki-link kh-wiki-link--missing" href="{}">{}'
            '<span class="govuk-visually-hidden"> {}</span></a>',
            href,
            name,
            _("(page does not exist yet)"),
        )
    )


def render_page_body(body: str, community: Community, viewer: User | AnonymousUser) -> SafeString:
    """The page's Markdown as safe HTML, with ``[[Page name]]`` turned into wiki links and
    ``@username`` linked to that person's profile."""
    sanitised = render_markdown(body)
    names = {html.unescape(m.group(1)).strip() for m in _LINK.finditer(sanitised)}
    found = resolve_links(community, names, viewer)
    people = resolve_mentions(body) if "@" in (body or "") else {}
    out: list[str] = []
    skip_depth = 0
    for part in _TAG.split(sanitised):
        if part.startswith("<"):
            m = _TAG_NAME.match(part)
            if m and m.group(1).lower() in _SKIP_INSIDE and not part.endswith("/>"):
                skip_depth += -1 if part.startswith("</") else 1
                skip_depth = max(skip_depth, 0)
            out.append(part)
            continue
        if skip_depth:
            out.append(part)
            continue
        if "[[" in part:

            def replace(m: re.Match[str]) -> str:
                name = html.unescape(m.group(1))
                if not name.strip():
                    return m.group(0)
                return _anchor(name, community, found)

            part = _LINK.sub(replace, part)
        if people and "@" in part:
            # The text may now hold wiki-link anchors (built by format_html); link_mentions
            # leaves text inside links alone.
            part = link_mentions(part, people)
        out.append(part)
    return mark_safe("".join(out))  # noqa: S308 (sanitised by nh3; anchors built by format_html)
