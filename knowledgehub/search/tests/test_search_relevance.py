"""Relevance on a fixed corpus (runs on SQLite FTS5 and on PostgreSQL full-text search)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from knowledgehub.search.service import search
from knowledgehub.testing.factories import ItemFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def titles(q: str, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    results = search(AnonymousUser(), q, **kwargs)
    assert results.error == "", results.error
    return [h.item.title for h in results.hits]


@pytest.fixture
def corpus(db):  # type: ignore[no-untyped-def]
    def item(title: str, text: str, days_ago: int = 10, **kw):  # type: ignore[no-untyped-def]
        return ItemFactory(
            title=title, text=text, published_at=NOW - timedelta(days=days_ago), **kw
        )

    return {
        "glass": item(
            "Glass collection rounds",
            "Kerbside recycling of glass bottles moved to a fortnightly round in the borough.",
        ),
        "food": item(
            "Food waste caddies",
            "Residents were given caddies; food waste recycling rose by a third.",
        ),
        "title": item("Recycling centres opening hours", "Opening hours for the tips.", 30),
        "phrase": item("Street lighting", "We switched to LED lighting on every street.", 5),
        "reverse": item("Lighting the street", "A street full of lighting, not street lighting."),
        "old": item("Parking permits", "Digital parking permits for residents.", 400),
        "new": item("Parking permits", "Digital parking permits for residents.", 1),
    }


def test_stemming_finds_other_forms_of_a_word(corpus) -> None:  # type: ignore[no-untyped-def]
    found = titles("recycle")
    assert "Glass collection rounds" in found
    assert "Food waste caddies" in found
    assert "Recycling centres opening hours" in found
    assert "Parking permits" not in found


def test_a_title_match_outranks_a_body_match(corpus) -> None:  # type: ignore[no-untyped-def]
    # The title item is older and its body does not mention recycling at all.
    assert titles("recycling")[0] == "Recycling centres opening hours"


def test_exact_phrase_needs_the_words_together_in_order(corpus) -> None:  # type: ignore[no-untyped-def]
    assert set(titles('"street lighting"')) == {"Street lighting", "Lighting the street"}
    assert titles('"led lighting"') == ["Street lighting"]
    assert titles('"lighting led"') == []


def test_plain_words_are_all_required(corpus) -> None:  # type: ignore[no-untyped-def]
    assert titles("glass bottles") == ["Glass collection rounds"]
    assert titles("glass caddies") == []


def test_prefix_search(corpus) -> None:  # type: ignore[no-untyped-def]
    assert "Food waste caddies" in titles("cadd*")
    assert titles("cadd") == []


def test_equal_scores_are_ordered_newest_first(corpus) -> None:  # type: ignore[no-untyped-def]
    results = search(AnonymousUser(), "parking permits")
    assert [h.item.pk for h in results.hits] == [corpus["new"].pk, corpus["old"].pk]
    assert results.hits[0].score == pytest.approx(results.hits[1].score)


def test_sort_by_date(corpus) -> None:  # type: ignore[no-untyped-def]
    results = search(AnonymousUser(), "recycling", sort="date")
    dates = [h.item.published_at for h in results.hits]
    assert dates == sorted(dates, reverse=True)
    assert len(dates) == 3


def test_snippets_mark_matches_and_are_safe(db) -> None:  # type: ignore[no-untyped-def]
    ItemFactory(
        title="Unsafe <b>title</b>",
        text='Before <script>alert("x")</script> the recycling & <mark>fake</mark> after.',
    )
    hit = search(AnonymousUser(), "recycling").hits[0]
    assert "<mark>recycling</mark>" in hit.snippet_html
    assert "<script" not in hit.snippet_html
    # The item's own text cannot make marks (FTS5 escapes it; ts_headline drops tag-like text).
    assert "<mark>fake" not in hit.snippet_html
    assert hit.snippet_html.count("<mark>") == 1
    assert "<b>" not in hit.title_html


def test_pagination_and_total(db) -> None:  # type: ignore[no-untyped-def]
    for n in range(5):
        ItemFactory(title=f"Allotment report {n}", published_at=NOW - timedelta(days=n))
    first = search(AnonymousUser(), "allotment", per_page=2)
    assert (first.total, first.num_pages, len(first.hits)) == (5, 3, 2)
    last = search(AnonymousUser(), "allotment", per_page=2, page=99)
    assert last.page == 3 and len(last.hits) == 1
    assert last.hits[0].item.title == "Allotment report 4"


def test_filters_and_facets(db) -> None:  # type: ignore[no-untyped-def]
    org = OrganisationFactory(name="Leeds City Council", region="Yorkshire")
    ItemFactory(kind="blog_post", title="Flood defences", organisation=org)
    ItemFactory(kind="wiki_page", title="Flood plans")
    ItemFactory(kind="wiki_page", title="Flood maps", published_at=NOW - timedelta(days=90))
    results = search(AnonymousUser(), "flood", kinds=["wiki_page"])
    assert results.total == 2
    # The kind facet ignores its own filter, so other kinds stay discoverable.
    assert {(v, n) for v, _, n in results.facets["kind"]} == {("wiki_page", 2), ("blog_post", 1)}
    assert results.facets["organisation"] == []  # the org's item is not a wiki page
    by_org = search(AnonymousUser(), "flood", region="Yorkshire")
    assert [h.item.title for h in by_org.hits] == ["Flood defences"]
    assert by_org.facets["organisation"] == [(org.pk, "Leeds City Council", 1)]
    recent = search(AnonymousUser(), "flood", date_from=(NOW - timedelta(days=30)).date())
    assert recent.total == 2
