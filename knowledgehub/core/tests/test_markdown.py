"""knowledgehub.lib.markdown: user Markdown becomes safe HTML whose headings start at h2."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from knowledgehub.lib.markdown import plain_text, render_markdown, sanitise_html

SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = Collector()
    collector.feed(html)
    return collector.tags


def assert_harmless(html: str) -> None:
    for tag, attrs in parse(html):
        assert tag not in {"script", "style", "iframe", "object", "embed", "form", "svg"}, html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            if name in {"href", "src"}:
                # What a browser would take as the scheme (it drops tabs, newlines and spaces).
                url = re.sub(r"[\t\n\r ]", "", value or "")
                match = SCHEME.match(url)
                assert not match or match.group(1).lower() in {"http", "https", "mailto"}, html
    assert "<script" not in html.lower()


HOSTILE_MARKDOWN = [
    "<script>alert(1)</script>",
    "Hello <script src=https://evil.example/x.js></script> world",
    '<img src="x" onerror="alert(1)">',
    '<a href="https://example.org" onclick="steal()">link</a>',
    "[click me](javascript:alert(1))",
    "[click me](JaVaScRiPt:alert(1))",
    "[click me](  javascript:alert(1)  )",
    "[click me](java&#x09;script:alert(1))",
    "[click me](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click me](vbscript:msgbox(1))",
    "![pic](javascript:alert(1))",
    '![pic](x" onerror="alert(1))',
    "<javascript:alert(1)>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    '<svg onload="alert(1)"></svg>',
    "<form action=https://evil.example><input name=password></form>",
]


@pytest.mark.parametrize("text", HOSTILE_MARKDOWN)
def test_hostile_markdown_is_made_harmless(text):
    assert_harmless(render_markdown(text))


HOSTILE_HTML = [
    '<p onclick="steal()">hi</p><script>bad()</script>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" JAVASCRIPT:alert(1)">x</a>',
    '<img src="x" onerror="alert(1)">',
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
]


@pytest.mark.parametrize("html", HOSTILE_HTML)
def test_sanitise_html_strips_scripts_and_handlers(html):
    assert_harmless(sanitise_html(html))


def test_script_text_is_shown_not_run():
    html = render_markdown("Use `<script>` tags carefully: <script>alert(1)</script>")
    assert "<code>&lt;script&gt;</code>" in html
    assert_harmless(html)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# Title", "<h2>Title</h2>"),
        ("Title\n=====", "<h2>Title</h2>"),
        ("## Section", "<h2>Section</h2>"),
        ("### Part", "<h3>Part</h3>"),
        ("###### Small", "<h6>Small</h6>"),
    ],
)
def test_headings_start_at_h2(text, expected):
    assert render_markdown(text).strip() == expected


def test_no_h1_ever():
    html = render_markdown("# One\n\n<h1>raw</h1>\n\ntext") + sanitise_html("<h1>raw</h1>")
    assert "<h1" not in html


def test_ordinary_markdown_renders():
    html = render_markdown(
        "Some **bold**, *italic* and ~~struck~~ text with [a link](https://example.org/a?b=1&c=2)"
        " and <https://example.org/auto>.\n\n"
        "- one\n- two\n\n"
        "| Council | Score |\n|---|--:|\n| Trafford | 9 |\n\n"
        "```\ncode here\n```\n\n"
        '![A chart](https://example.org/chart.png "Chart")\n\n'
        "[mail us](mailto:team@example.org)"
    )
    assert "<strong>bold</strong>" in html
    assert "<em>italic</em>" in html
    assert "<del>struck</del>" in html or "<s>struck</s>" in html
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">' in html
    assert '<a href="https://example.org/auto"' in html
    assert "<li>one</li>" in html
    assert "<table>" in html and "<td>Trafford</td>" in html
    assert "style=" not in html  # inline styles would break under our CSP
    assert "<pre><code>code here\n</code></pre>" in html
    assert '<img src="https://example.org/chart.png" alt="A chart" title="Chart">' in html
    assert 'href="mailto:team@example.org"' in html


def test_every_link_gets_rel_nofollow():
    for tag, attrs in parse(
        render_markdown("[a](https://a.example) [b](/local/) <https://c.example>")
    ):
        if tag == "a":
            assert attrs["rel"] == "nofollow noopener noreferrer"


@pytest.mark.parametrize("empty", ["", None])
def test_empty_input(empty):
    assert render_markdown(empty) == ""
    assert plain_text(empty) == ""


def test_plain_text_drops_markup():
    text = plain_text(
        "# Title\n\nSome **bold** and <script>alert(1)</script> [link](https://x.example)"
    )
    assert "<" not in text.replace("&lt;", "")
    assert "Title" in text and "bold" in text and "link" in text
    assert "**" not in text
