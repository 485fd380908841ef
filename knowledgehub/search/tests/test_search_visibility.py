"""Search never shows, counts or facets an item the viewer may not see, and the index follows
every write at once (same transaction): the one visibility rule, extended to search."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledgehub.communities import services
from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.tests.test_visibility_property import (
    AUDIENCES,
    NO_COMMUNITY,
    PLACES,
    ROLES,
    build,
    intended,
    valid,
)
from knowledgehub.people.models import User
from knowledgehub.search.service import matching_items, search, suggest
from knowledgehub.testing.factories import CommunityFactory, ItemFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def assert_search_agrees(viewer, item: Item, sees: bool) -> None:  # type: ignore[no-untyped-def]
    results = search(viewer, "zanzibar")
    found = [h.item.pk for h in results.hits]
    # One public item with the same word is always visible: counts must include exactly it
    # plus the scene's item when (and only when) the viewer may see that.
    assert (item.pk in found) is sees
    assert results.total == 1 + int(sees) == len(found)
    kind_total = sum(n for _, _, n in results.facets["kind"])
    assert kind_total == results.total
    community_total = sum(n for _, _, n in results.facets["community"])
    # An author who left a secret community is counted there, but its name is not shown.
    assert community_total <= int(sees and item.community_id is not None)
    for hit in results.hits:
        assert "hidden-secret-words" not in hit.snippet_html or hit.item.pk == item.pk
    since = item.published_at
    assert (item.pk in {i.pk for i in matching_items(viewer, "zanzibar", since)}) is sees
    assert any(s.url == item.url for s in suggest(viewer, "zanzib")) is sees


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    role=st.sampled_from(ROLES),
    audience=st.sampled_from(AUDIENCES),
    place=st.sampled_from(PLACES),
    author_is_member=st.booleans(),
    decoy_place=st.sampled_from(PLACES),
    hidden=st.booleans(),
)
def test_search_results_counts_and_facets_follow_the_rule(
    role: str, audience: str, place: str, author_is_member: bool, decoy_place: str, hidden: bool
) -> None:
    if not valid(audience, place):
        return
    Item.objects.all().delete()
    scene = build(role, audience, place, author_is_member=author_is_member, hidden=hidden)
    Item.objects.filter(pk=scene.item.pk).update(
        title="Zanzibar ferry timetable", text="The zanzibar hidden-secret-words ferry."
    )
    ItemFactory(title="Public zanzibar note", text="zanzibar", audience=Audience.PUBLIC)
    if isinstance(scene.viewer, User) and decoy_place != NO_COMMUNITY:
        MembershipFactory(community=CommunityFactory(visibility=decoy_place), user=scene.viewer)
    assert_search_agrees(scene.viewer, scene.item, intended(role, audience, place, hidden))


def test_counts_never_reveal_hidden_items(bob, carol) -> None:  # type: ignore[no-untyped-def]
    secret = CommunityFactory(visibility=Visibility.SECRET)
    MembershipFactory(community=secret, user=bob)
    for _ in range(3):
        ItemFactory(title="Budget cuts plan", community=secret, audience=Audience.COMMUNITY)
    ItemFactory(title="Budget cuts draft", audience=Audience.PRIVATE, author=bob)
    ItemFactory(title="Budget cuts explained", audience=Audience.PUBLIC)
    ItemFactory(title="Budget cuts hidden", audience=Audience.PUBLIC, is_hidden=True)
    for viewer, expected in ((AnonymousUser(), 1), (carol, 1), (bob, 5)):
        results = search(viewer, "budget cuts")
        assert results.total == expected
        assert sum(n for _, _, n in results.facets["kind"]) == expected
        names = [label for _, label, _ in results.facets["community"]]
        assert (secret.name in names) is (viewer == bob)
    assert [c.pk for c in search(carol, secret.name).communities] == []


def test_deleted_items_disappear_in_the_same_transaction(db) -> None:  # type: ignore[no-untyped-def]
    item = ItemFactory(title="Pothole reporting")
    with transaction.atomic():
        assert search(AnonymousUser(), "pothole").total == 1
        item.delete()
        assert search(AnonymousUser(), "pothole").total == 0


def test_updates_reindex_at_once_including_bulk_update(db) -> None:  # type: ignore[no-untyped-def]
    item = ItemFactory(title="Pothole reporting")
    Item.objects.filter(pk=item.pk).update(title="Road defects", text="")
    assert search(AnonymousUser(), "pothole").total == 0
    assert search(AnonymousUser(), "defects").total == 1
    Item.objects.filter(pk=item.pk).update(audience=Audience.MEMBERS)
    assert search(AnonymousUser(), "defects").total == 0


def test_bulk_created_items_are_indexed(db) -> None:  # type: ignore[no-untyped-def]
    template = ItemFactory.build()
    Item.objects.bulk_create(
        [
            Item(
                kind="test",
                title=f"Bulk bin collections {n}",
                url=f"/b/{n}/",
                content_type=template.content_type,
                object_id=10_000 + n,
            )
            for n in range(3)
        ]
    )
    assert search(AnonymousUser(), "bin collections").total == 3


def test_community_cascade_delete_empties_the_index(bob) -> None:  # type: ignore[no-untyped-def]
    community = CommunityFactory()
    ItemFactory(title="Cascade test", community=community, audience=Audience.PUBLIC)
    community.delete()
    assert search(bob, "cascade").total == 0


def test_leaving_a_community_removes_its_items_from_search(bob) -> None:  # type: ignore[no-untyped-def]
    community = CommunityFactory(visibility=Visibility.OPEN)
    services.community_join(user=bob, community=community)
    item = ItemFactory(title="Members only minutes", community=community, audience="community")
    assert [h.item.pk for h in search(bob, "minutes").hits] == [item.pk]
    services.community_leave(user=bob, community=community)
    results = search(bob, "minutes")
    assert (results.total, results.hits, results.facets["community"]) == (0, [], [])
    assert suggest(bob, "minu") == []


def test_hiding_an_item_removes_it_at_once(carol) -> None:  # type: ignore[no-untyped-def]
    item = ItemFactory(title="Consultation response")
    Item.objects.filter(pk=item.pk).update(is_hidden=True)
    assert search(carol, "consultation").total == 0
