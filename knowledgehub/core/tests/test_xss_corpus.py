"""An XSS corpus pushed through every renderer that shows user-written text.

Each payload is rendered by ``render_markdown`` directly, and then shown on real pages: a blog
post, a wiki page, a forum reply, a comment on a post, an event description, and the site Atom
and JSON feeds. The output is *parsed* (``html.parser.HTMLParser``), never string-matched, and is
inert when, within the user-content region:

* there is no script/iframe/object/embed/style/base/meta/form/svg/math/link element;
* no attribute name starts with ``on`` and there is no ``style`` attribute;
* no href/src/action/formaction/xlink:href/poster/background value, once whitespace and control
  characters are removed and it is lowercased, starts with ``javascript:``, ``vbscript:`` or
  ``data:``;
* every ``<a target="_blank">`` has a ``rel`` containing ``noopener``.

Escaped text (``&lt;script&gt;``) is data to the parser, so it is fine.

How the user-content region is found on a full page: the layout has its own legitimate
``<script src>``, ``<meta>`` and perhaps ``<form>`` tags, some of them *after* the content (for
example scripts at the end of ``<body>``, a search or comment form). So the user text starts with
a unique marker word (``MARKER``), and the checker only looks at tags that come after the first
text node containing it. That alone would still see the layout's footer, so each page is also
rendered a second time by the same renderer with harmless content (marker + plain sentence), and
the test asserts that the payload page has no finding the harmless page does not also have
(a multiset difference). Anything the payload adds is a failure; the layout cancels out. Pages
are fetched anonymously with the page cache off (see conftest), so both renders are identical
apart from the user text.

Feeds: the Atom document must parse as XML and contain no raw ``<script`` anywhere (the payload
may appear only as escaped text), and each entry's HTML content, once unescaped, must pass the
same checker. The JSON feed's ``content_html`` must pass the checker; titles are plain text by
the JSON Feed spec and are checked only to be carried as text (not markup) in the document.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser

import pytest

from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.lib.markdown import render_markdown
from knowledgehub.testing.factories import (
    CommunityFactory,
    EventFactory,
    MembershipFactory,
    PostFactory,
    forum_thread,
    wiki_page,
)

MARKER = "Zq9MarkerXss"
HARMLESS = "Nothing to see here, just a sentence."
ATOM = "{http://www.w3.org/2005/Atom}"

PAYLOADS = [
    # script tags, cases and encodings
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<ScRiPt src=//evil.example/x.js></ScRiPt>",
    "<script\n>alert(1)</script\n>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "<<script>script>alert(1)<</script>/script>",
    # event handlers
    "<img src=x onerror=alert(1)>",
    '<IMG SRC="x" ONERROR="alert(1)">',
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<a href="https://example.org" onmouseover="alert(1)">x</a>',
    "<p onmouseover=alert(1)>hover</p>",
    # javascript: links in Markdown and HTML
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](java&#x09;script:alert(1))",
    "[click](&#x6A;&#x61;&#x76;&#x61;script:alert(1))",
    "[click](<javascript:alert(1)>)",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href=" JAVASCRIPT:alert(1)">x</a>',
    # data: and vbscript:
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "[x](vbscript:msgbox(1))",
    '<a href="VBScript:msgbox(1)">x</a>',
    # embedding
    "<iframe src=javascript:alert(1)></iframe>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    # svg
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    # target blank, forms, meta, style, base
    '<a href="https://example.org" target="_blank">x</a>',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<button formaction="javascript:alert(1)">go</button>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="width:expression(alert(1))">x</p>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    # mutation XSS
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math><style><img src=x onerror=alert(1)></style></math>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    # markdown specials
    "![x](javascript:alert(1))",
    "<javascript:alert(1)>",
    "[x][evil]\n\n[evil]: javascript:alert(1)",
    '[x][evil]\n\n[evil]: https://example.org "t\\" onmouseover=\\"alert(1)"',
    '[x](https://example.org "a\\" onmouseover=\\"alert(1)")',
    "[x](https://example.org 'a\" onmouseover=\"alert(1)')",
    "<!-- --><script>alert(1)</script><!-- -->",
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    '[[x" onmouseover="alert(1)]]',
    "[[javascript:alert(1)|click]]",
    "```\n</code></pre><script>alert(1)</script>\n```",
]

FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "style", "base", "meta", "form", "svg", "math",
    "link", "frame", "frameset", "applet", "animate", "set", "noscript", "template",
}  # fmt: skip
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "data"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
_STRIP = re.compile(r"[\x00-\x20\x7f]+")


class _Checker(HTMLParser):
    """Collects findings for tags after the first text node containing ``marker`` (if any)."""

    def __init__(self, marker: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.active = marker is None
        self.marker = marker
        self.findings: Counter[str] = Counter()
        self.seen_marker = marker is None

    def handle_data(self, data: str) -> None:
        if self.marker and self.marker in data:
            self.active = self.seen_marker = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.active:
            return
        if tag in FORBIDDEN_TAGS:
            self.findings[f"<{tag}>"] += 1
        values = {name: value or "" for name, value in attrs}
        for name, value in attrs:
            if name.startswith("on"):
                self.findings[f"<{tag} {name}>"] += 1
            if name == "style":
                self.findings[f"<{tag} style>"] += 1
            if name in URL_ATTRS:
                clean = _STRIP.sub("", value or "").lower()
                if clean.startswith(BAD_SCHEMES):
                    self.findings[f"<{tag} {name}={clean[:20]}>"] += 1
        blank = tag == "a" and values.get("target", "").strip().lower() == "_blank"
        if blank and "noopener" not in values.get("rel", "").lower().split():
            self.findings["<a target=_blank> without rel=noopener"] += 1

    handle_startendtag = handle_starttag


def findings(html: str, marker: str | None = None) -> Counter[str]:
    checker = _Checker(marker)
    checker.feed(html)
    checker.close()
    if marker:
        assert checker.seen_marker, "the marker never appeared in the page's text"
    return checker.findings


def assert_inert(html: str, baseline: str | None = None) -> None:
    """No finding in ``html`` (after the marker) beyond what the harmless ``baseline`` has."""
    if baseline is None:
        extra = findings(html)
    else:
        extra = findings(html, MARKER) - findings(baseline, MARKER)
    assert not extra, f"dangerous markup survived: {dict(extra)}"


def body_with(text: str) -> str:
    return f"{MARKER}\n\n{text}\n"


# --- renderers: each returns the HTML for a given user text --------------------------------------


@pytest.fixture
def place(alice, bob):
    community = CommunityFactory(slug="xss-lab", name="XSS lab", visibility=Visibility.OPEN)
    MembershipFactory(community=community, user=alice, role=Role.OWNER)
    MembershipFactory(community=community, user=bob)
    return community


def _blog(client, place, alice, bob, text):
    post = PostFactory(author=alice, title="A post", body=body_with(text), audience=Audience.PUBLIC)
    return client.get(post.get_absolute_url())


_counter = iter(range(10**6))


def _wiki(client, place, alice, bob, text):
    page = wiki_page(
        community=place, author=alice, title=f"Page {next(_counter)}", body=body_with(text)
    )
    return client.get(page.get_absolute_url())


def _forum(client, place, alice, bob, text):
    from knowledgehub.forums.services import reply_create

    thread = forum_thread(author=alice, community=place, title=f"Thread {next(_counter)}")
    reply_create(thread=thread, author=bob, body=body_with(text))
    return client.get(thread.get_absolute_url())


def _comment(client, place, alice, bob, text):
    from knowledgehub.discussions.services import comment_add

    post = PostFactory(author=alice, title="Commented", body="Plain.", audience=Audience.PUBLIC)
    comment_add(item=post.knowledge_item, author=bob, body=body_with(text))
    return client.get(post.get_absolute_url())


def _event(client, place, alice, bob, text):
    event = EventFactory(
        community=place, organiser=alice, title="An event", description=body_with(text)
    )
    return client.get(event.get_absolute_url())


PAGES = {
    "blog": _blog,
    "wiki": _wiki,
    "forum_reply": _forum,
    "comment": _comment,
    "event": _event,
}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_render_markdown_output_is_inert(payload):
    assert_inert(render_markdown(payload))
    assert_inert(render_markdown(body_with(payload)))


@pytest.mark.django_db
@pytest.mark.parametrize("renderer", sorted(PAGES))
@pytest.mark.parametrize("payload", PAYLOADS)
def test_page_is_inert(client, place, alice, bob, renderer, payload):
    render = PAGES[renderer]
    baseline = render(client, place, alice, bob, HARMLESS)
    response = render(client, place, alice, bob, payload)
    assert baseline.status_code == 200
    assert response.status_code == 200
    assert_inert(response.content.decode(), baseline.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS)
def test_atom_feed_carries_payload_only_as_escaped_text(client, alice, payload):
    PostFactory(author=alice, title=payload, body=body_with(payload), audience=Audience.PUBLIC)
    response = client.get("/feed.atom")
    assert response.status_code == 200
    document = response.content.decode()
    assert "<script" not in document.lower()
    root = ET.fromstring(response.content)
    entries = list(root.iter(f"{ATOM}entry"))
    assert len(entries) == 1
    assert entries[0].findtext(f"{ATOM}title") == payload  # round-trips as text
    for content in entries[0].iter(f"{ATOM}content"):
        if content.get("type") == "html":
            assert_inert(content.text or "")
        else:
            assert_inert(ET.tostring(content, encoding="unicode"))


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS)
def test_json_feed_content_html_is_inert(client, alice, payload):
    PostFactory(author=alice, title=payload, body=body_with(payload), audience=Audience.PUBLIC)
    response = client.get("/feed.json")
    assert response.status_code == 200
    assert "html" not in response["Content-Type"].split(";")[0].split("/")[-1].replace("+json", "")
    data = json.loads(response.content)
    [item] = data["items"]
    assert item["title"] == payload  # plain text by the JSON Feed spec
    assert_inert(item.get("content_html", ""))
    assert MARKER in item.get("content_html", item.get("content_text", ""))


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href=" jav&#x09;ascript:alert(1)">x</a>',
        '<a href="DATA:text/html,x">x</a>',
        '<a href="https://example.org" target="_blank">x</a>',
        '<p style="color:red">x</p>',
        "<svg><animate onbegin=alert(1)>",
        '<form action="/x"></form>',
    ],
)
def test_the_checker_itself_catches_dangerous_markup(html):
    """A control: the parser-based checker must flag these, or the corpus proves nothing."""
    with pytest.raises(AssertionError):
        assert_inert(html)
    with pytest.raises(AssertionError):
        assert_inert(f"<p>{MARKER}</p>{html}", f"<p>{MARKER}</p>")
