from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import community_with, wiki_page
from knowledgehub.wiki.rendering import render_page_body

pytestmark = pytest.mark.django_db


def test_link_to_an_existing_page(alice):
    community = community_with(alice)
    target = wiki_page(community=community, author=alice, title="Food waste")
    html = render_page_body("See [[Food waste]] and [[food WASTE]].", community, alice)
    assert html.count(f'href="{target.get_absolute_url()}"') == 2
    assert "kh-wiki-link--missing" not in html


def test_link_to_a_missing_page_is_a_red_link_to_create_it(alice):
    community = community_with(alice)
    html = render_page_body("Read [[Garden waste & compost]].", community, alice)
    create = reverse("wiki:create", args=[community.slug])
    assert 'class="govuk-link kh-wiki-link kh-wiki-link--missing"' in html
    assert f'href="{create}?title=Garden+waste+%26+compost"' in html
    assert "(page does not exist yet)" in html
    assert "govuk-visually-hidden" in html


def test_links_resolve_only_within_the_same_community(alice):
    community = community_with(alice)
    other = community_with(alice)
    wiki_page(community=other, author=alice, title="Elsewhere")
    html = render_page_body("[[Elsewhere]]", community, alice)
    assert "kh-wiki-link--missing" in html


@pytest.mark.parametrize(
    "body",
    [
        "[[<script>alert(1)</script>]]",
        "[[<script>]]",
        '[[x" onmouseover="alert(1)]]',
        "[[x' onmouseover='alert(1)]]",
        '[[x" onmouseover=alert(1) "]]',
        '[link](https://example.org "[[a\\" onclick=\\"x]]")',
        "<img src=x onerror=alert(1)>[[y]]",
    ],
)
def test_hostile_names_stay_inert(alice, body):
    community = community_with(alice)
    parsed = _Tags()
    parsed.feed(str(render_page_body(body, community, alice)))
    assert "script" not in parsed.tags
    assert not [name for _tag, name in parsed.attributes if name.startswith("on")]
    assert {name for tag, name in parsed.attributes if tag == "a"} <= {
        "class",
        "href",
        "title",
        "rel",
    }


class _Tags(HTMLParser):
    """The tags and attribute names a browser would see."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((tag, name) for name, _value in attrs)


def test_link_text_is_escaped_and_not_nested_in_code_or_links(alice):
    community = community_with(alice)
    html = render_page_body("`[[Code]]` and [a [[b]]](https://example.org)", community, alice)
    assert "<code>[[Code]]</code>" in html
    assert "kh-wiki-link" not in html


def test_a_page_the_viewer_cannot_read_is_plain_text(alice, carol):
    community = community_with(alice)
    wiki_page(community=community, author=alice, title="Secret plans", audience=Audience.COMMUNITY)
    html = render_page_body("[[Secret plans]]", community, AnonymousUser())
    assert "Secret plans" in html
    assert "<a" not in html
    assert "<a" in render_page_body("[[Secret plans]]", community, alice)


def test_detail_page_renders_links(client, alice):
    community = community_with(alice)
    target = wiki_page(community=community, author=alice, title="Target")
    page = wiki_page(community=community, author=alice, title="Source", body="Go to [[Target]]")
    response = client.get(page.get_absolute_url())
    assert f'href="{target.get_absolute_url()}"' in response.content.decode()


def test_red_link_prefills_the_create_form(client, alice):
    community = community_with(alice)
    client.force_login(alice)
    response = client.get(reverse("wiki:create", args=[community.slug]) + "?title=Garden+waste")
    assert 'value="Garden waste"' in response.content.decode()
