"""The query language and bad input: clear messages, never a 500 or an SQL/FTS syntax error."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledgehub.search.service import (
    ERROR_EMPTY,
    ERROR_TOO_LONG,
    edit_distance,
    near_prefix,
    parse_query,
    search,
    suggest,
)
from knowledgehub.testing.factories import CommunityFactory, ItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_parse_words_phrases_and_prefixes() -> None:
    parsed = parse_query('  Recycling  "Glass  Bottles" bin* co-op ')
    assert parsed.error == ""
    assert parsed.normalised == 'recycling "glass bottles" bin* "co op"'
    assert parsed.fts() == '"recycling" AND "glass bottles" AND "bin" * AND "co op"'


@pytest.mark.parametrize("q", ["", "   ", "***", '""', "- : ( ) ^ +", '"*"'])
def test_only_punctuation_asks_for_words(q: str) -> None:
    results = search(AnonymousUser(), q)
    assert results.error == ERROR_EMPTY
    assert results.hits == [] and results.total == 0


def test_very_long_input_is_refused_plainly(db) -> None:  # type: ignore[no-untyped-def]
    assert search(AnonymousUser(), "word " * 100).error == ERROR_TOO_LONG
    assert "or fewer" in search(AnonymousUser(), " ".join(f"w{n}" for n in range(40))).error


@pytest.mark.parametrize(
    "q",
    [
        'unbalanced "quote',
        "NEAR(a b)",
        "a NEAR b",
        "-recycling",
        "recycling OR glass",
        "title:recycling",
        "NOT glass",
        "a AND",
        "^glass",
        "{title}: glass",
        "'; DROP TABLE knowledge_item; --",
        "glass* *",
        "ünïcödé café",
        "x" * 199,
    ],
)
def test_fts_operators_are_just_words(db, q: str) -> None:  # type: ignore[no-untyped-def]
    ItemFactory(title="Glass recycling NEAR the café", text="title and not a drop table")
    results = search(AnonymousUser(), q)
    assert results.error == ""
    assert results.total == len(results.hits)


def test_operator_words_match_literally(db) -> None:  # type: ignore[no-untyped-def]
    ItemFactory(title="Glass recycling NEAR the cafe")
    assert search(AnonymousUser(), "near glass").total == 1
    # Diacritics are folded in the query (and, on SQLite, in the index too).
    assert search(AnonymousUser(), "café").total == 1
    assert search(AnonymousUser(), "glass -recycling").total == 1  # "-" is not NOT


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.text(max_size=60))
def test_any_text_gives_results_or_a_message(db, q: str) -> None:  # type: ignore[no-untyped-def]
    results = search(AnonymousUser(), q)
    assert results.error in ("", ERROR_EMPTY)
    suggest(AnonymousUser(), q)


def test_edit_distance() -> None:
    assert edit_distance("recyling", "recycling") == 1
    assert edit_distance("kitten", "sitting", limit=5) == 3
    assert near_prefix("recyling", "recycl")
    assert near_prefix("recy", "recycl")
    assert not near_prefix("parking", "recycl")


def test_suggest_prefix_and_typo(db) -> None:  # type: ignore[no-untyped-def]
    item = ItemFactory(title="Recycling centres opening hours")
    ItemFactory(title="Parking permits")
    anon = AnonymousUser()
    assert [s.url for s in suggest(anon, "recyc")] == [item.url]
    assert [s.url for s in suggest(anon, "opening rec")] == [item.url]
    assert item.url in [s.url for s in suggest(anon, "recyling")]


def test_suggest_people_and_communities_through_their_doors(db) -> None:  # type: ignore[no-untyped-def]
    UserFactory(name="Priya Patel", profile_visibility="members")
    CommunityFactory(name="Planning officers")
    CommunityFactory(name="Planning secret club", visibility="secret")
    anon_labels = [s.label for s in suggest(AnonymousUser(), "plan")]
    assert "Planning officers" in anon_labels
    assert "Planning secret club" not in anon_labels
    member = UserFactory()
    assert "Priya Patel" in [s.label for s in suggest(member, "priya")]
    assert "Priya Patel" not in [s.label for s in suggest(AnonymousUser(), "priya")]
