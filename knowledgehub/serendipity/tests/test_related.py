"""Related items: only ever what the viewer may see, with reasons, rebuilt idempotently and kept up
to date as items arrive."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.serendipity import services
from knowledgehub.serendipity.models import ItemVector, ModelState, RelatedItem
from knowledgehub.serendipity.tasks import update_related
from knowledgehub.testing.factories import ItemFactory, PostFactory, community_with

pytestmark = pytest.mark.django_db

WASTE = "Recycling food waste collections: caddies, kerbside recycling and food waste bins."


def _filler() -> None:
    for title, text in [
        ("Parking permits", "Residents parking permits and controlled parking zones."),
        ("Library opening hours", "Library opening hours, books and reading groups."),
        ("Adult social care", "Home care packages and social care assessments."),
    ]:
        ItemFactory(title=title, text=text)


@pytest.fixture
def world(alice, bob, carol):  # type: ignore[no-untyped-def]
    """alice owns a community bob belongs to; carol belongs to nothing."""
    community = community_with(alice, members=(bob,))
    secret = community_with(alice, visibility=Visibility.SECRET, members=(bob,))
    _filler()
    items = {
        "page": ItemFactory(title="Food waste trial", text=WASTE, author=alice),
        "public": ItemFactory(title="Food waste caddies", text=WASTE, author=alice),
        "members": ItemFactory(
            title="Food waste for members", text=WASTE, audience=Audience.MEMBERS, author=alice
        ),
        "community": ItemFactory(
            title="Food waste in the community",
            text=WASTE,
            community=community,
            audience=Audience.COMMUNITY,
            author=alice,
        ),
        "secret": ItemFactory(
            title="Food waste secret", text=WASTE, community=secret, author=alice
        ),
        "private": ItemFactory(
            title="Food waste private", text=WASTE, audience=Audience.PRIVATE, author=alice
        ),
        "hidden": ItemFactory(title="Food waste hidden", text=WASTE, is_hidden=True, author=alice),
    }
    services.rebuild()
    return items


def _titles(viewer, item):  # type: ignore[no-untyped-def]
    return {other.title for other, _ in services.related_for(viewer, item, limit=30)}


def test_anonymous_sees_only_public_related_items(world):  # type: ignore[no-untyped-def]
    assert _titles(AnonymousUser(), world["page"]) == {"Food waste caddies"}


def test_non_member_sees_member_items_but_not_community_secret_hidden_or_private(world, carol):  # type: ignore[no-untyped-def]
    assert _titles(carol, world["page"]) == {"Food waste caddies", "Food waste for members"}


def test_member_also_sees_community_and_secret_items(world, bob):  # type: ignore[no-untyped-def]
    assert _titles(bob, world["page"]) == {
        "Food waste caddies",
        "Food waste for members",
        "Food waste in the community",
        "Food waste secret",
    }


def test_hidden_and_private_items_reach_only_who_may_see_them(world, alice, bob):  # type: ignore[no-untyped-def]
    # alice wrote them all, so she may see her hidden and private items; bob may not.
    assert {"Food waste hidden", "Food waste private"} <= _titles(alice, world["page"])
    assert not {"Food waste hidden", "Food waste private"} & _titles(bob, world["page"])
    # the rows exist: only the rule keeps them out
    assert RelatedItem.objects.filter(item=world["page"], related=world["hidden"]).exists()


def test_item_is_never_related_to_itself_and_limit_applies(world, alice):  # type: ignore[no-untyped-def]
    rows = services.related_for(alice, world["page"], limit=2)
    assert len(rows) == 2
    assert world["page"] not in [other for other, _ in rows]


def test_reasons_list_shared_terms(world):  # type: ignore[no-untyped-def]
    [(other, why)] = services.related_for(AnonymousUser(), world["page"])
    assert why.startswith("shares the themes ")
    assert "food waste" in why
    row = RelatedItem.objects.get(item=world["page"], related=other)
    assert "food waste" in row.terms
    assert "parking" not in row.terms


def test_unrelated_items_are_not_related(world):  # type: ignore[no-untyped-def]
    parking = ItemVector.objects.get(item__title="Parking permits").item
    assert services.related_for(AnonymousUser(), parking) == []


def test_rebuild_is_idempotent(world):  # type: ignore[no-untyped-def]
    def snapshot():  # type: ignore[no-untyped-def]
        return (
            sorted(RelatedItem.objects.values_list("item_id", "related_id", "score", "terms")),
            sorted((v.item_id, bytes(v.tfidf)) for v in ItemVector.objects.all()),
        )

    before = snapshot()
    assert before[0]
    services.rebuild()
    assert snapshot() == before
    assert ModelState.objects.count() == 1


def test_update_related_adds_a_new_item_both_ways(world, carol):  # type: ignore[no-untyped-def]
    new = ItemFactory(title="Food waste newcomer", text=WASTE)
    assert not ItemVector.objects.filter(item=new).exists()
    update_related(new.pk)  # tasks run inline in tests
    update_related(new.pk)  # idempotent
    assert ItemVector.objects.filter(item=new).count() == 1
    assert "Food waste caddies" in _titles(carol, new)
    assert "Food waste newcomer" in _titles(carol, world["page"])
    assert RelatedItem.objects.filter(item=world["page"], related=new).count() == 1
    assert not RelatedItem.objects.filter(item=new, related=new).exists()


def test_update_related_before_any_rebuild_does_nothing(db):  # type: ignore[no-untyped-def]
    item = ItemFactory(title="Food waste", text=WASTE)
    assert services.item_related_update(item.pk).startswith("no model yet")
    assert not ItemVector.objects.exists()


def test_the_sweep_relates_new_content_once(world, alice):  # type: ignore[no-untyped-def]
    from knowledgehub.serendipity.tasks import relate_new_items

    post = PostFactory(author=alice, title="Food waste blog", body=WASTE)
    item = post.knowledge_item
    assert not ItemVector.objects.filter(item=item).exists()
    assert relate_new_items() == 1
    assert relate_new_items() == 0  # nothing left to do
    assert ItemVector.objects.filter(item=item).exists()
    assert "Food waste blog" in _titles(AnonymousUser(), world["page"])


def test_item_page_shows_related_section_only_with_visible_items(client, alice, bob):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    _filler()
    page = PostFactory(author=alice, title="Food waste trial", body=WASTE)
    PostFactory(author=alice, title="Food waste caddies", body=WASTE)
    PostFactory(
        author=alice,
        title="Food waste members only",
        body=WASTE,
        community=community,
        audience=Audience.COMMUNITY,
    )
    lonely = PostFactory(author=alice, title="Allotment plots", body="Allotment waiting lists.")
    services.rebuild()
    html = client.get(page.get_absolute_url()).content.decode()
    assert 'id="related-heading"' in html
    assert ">Related</h2>" in html
    assert "Food waste caddies" in html
    assert "shares the theme" in html
    assert "Food waste members only" not in html
    client.force_login(bob)
    assert "Food waste members only" in client.get(page.get_absolute_url()).content.decode()
    # every item page has the section, saying so when nothing is related (yet)
    lonely_html = client.get(lonely.get_absolute_url()).content.decode()
    assert 'id="related-heading"' in lonely_html
    assert "Nothing related yet" in lonely_html
    # an htmx reaction re-renders only the discussion: the Related section is not repeated
    item = page.knowledge_item
    swapped = client.post(
        f"/items/{item.pk}/react/", {"kind": "useful"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'id="discussion"' in swapped
    assert "related-heading" not in swapped


# --- Embeddings, the worker's cache, surprise mode, reasons, the fragment view -------------------


def test_rebuild_stores_embeddings_and_relates_by_meaning(embeddings, db):  # type: ignore[no-untyped-def]
    from knowledgehub.serendipity import engine

    _filler()
    bins = ItemFactory(title="Kerbside food waste", text="Weekly caddy collections of food scraps.")
    compost = ItemFactory(title="Composting leftovers", text="Turning kitchen peelings into soil.")
    report = services.rebuild()
    assert report["embedded"] == ItemVector.objects.count() == 5
    vec = engine.unpack_dense(ItemVector.objects.get(item=bins).embedding)
    assert vec.shape == (engine.EMBED_DIM,)
    # no shared term, yet related through the embedding; the reason says so plainly
    rows = dict(services.related_for(AnonymousUser(), compost))
    assert bins in rows
    assert rows[bins].startswith("on a similar subject")
    # unrelated items stay below the floor
    parking = ItemVector.objects.get(item__title="Parking permits").item
    assert compost not in dict(services.related_for(AnonymousUser(), parking))


def test_the_sweep_uses_the_warm_cache(embeddings, world, carol):  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.relate_pending()  # warm (rebuild already primed it in this process)
    loads = services.CACHE_LOADS
    first = ItemFactory(title="Food waste newcomer", text=WASTE)
    second = ItemFactory(title="Food waste late arrival", text=WASTE)
    with CaptureQueriesContext(connection) as queries:
        assert services.relate_pending() == 2
    assert loads == services.CACHE_LOADS  # not reloaded
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and '"serendipity_itemvector"."tfidf"' in q["sql"]
    ]
    assert all("IN (" in sql for sql in reads), reads  # only the new items' rows, never all
    assert ItemVector.objects.get(item=first).embedding is not None
    assert "Food waste late arrival" in _titles(carol, first)
    assert "Food waste newcomer" in _titles(carol, world["page"])
    # a vector written by another process is picked up by id, a deleted item is skipped
    second.delete()
    third = ItemFactory(title="Food waste third", text=WASTE)
    services.item_related_update(third.pk)
    assert loads == services.CACHE_LOADS
    assert "Food waste late arrival" not in _titles(carol, third)
    assert "Food waste newcomer" in _titles(carol, third)


def test_a_new_model_version_drops_the_cache(world):  # type: ignore[no-untyped-def]
    services.relate_pending()
    services.drop_cache()
    loads = services.CACHE_LOADS
    ItemFactory(title="Food waste newcomer", text=WASTE)
    services.relate_pending()
    assert loads + 1 == services.CACHE_LOADS  # one full load, then appends


def test_surprise_favours_other_communities_within_the_rule(world, alice, bob, carol):  # type: ignore[no-untyped-def]
    outside = community_with(alice)  # carol and bob are not members
    far = ItemFactory(title="Food waste elsewhere", text=WASTE, community=outside, author=alice)
    services.item_related_update(far.pk)
    plain = [o.title for o, _ in services.related_for(carol, world["page"], limit=30)]
    surprising = [
        o.title for o, _ in services.related_for(carol, world["page"], limit=30, surprise=True)
    ]
    assert surprising[0] == "Food waste elsewhere"
    assert set(surprising) == set(plain)  # re-ranked, never widened
    assert "Food waste secret" not in surprising
    bob_sees = [o.title for o, _ in services.related_for(bob, world["page"], surprise=True)]
    assert "Food waste in the community" not in bob_sees[:1]  # bob is a member of that one
    anonymous = {o.title for o, _ in services.related_for(AnonymousUser(), world["page"], 30, True)}
    assert anonymous == {"Food waste caddies", "Food waste elsewhere"}


def test_reasons_name_a_similar_council(world, alice):  # type: ignore[no-untyped-def]
    from knowledgehub.testing.factories import OrganisationFactory

    mine = OrganisationFactory(name="Northshire", region="North West")
    similar = OrganisationFactory(name="Westshire", region="North West")
    far = OrganisationFactory(name="Southshire", region="South East")
    world["page"].organisation = mine
    world["page"].save()
    world["public"].organisation = similar
    world["public"].save()
    [(_, why)] = services.related_for(AnonymousUser(), world["page"])
    assert why.startswith("shares the themes ")
    assert "from a similar council (Westshire)" in why
    world["public"].organisation = far
    world["public"].save()
    [(_, why)] = services.related_for(AnonymousUser(), world["page"])
    assert why.endswith("from Southshire")


def test_reasons_use_the_authors_organisation_only_when_their_profile_is_visible(world, alice):  # type: ignore[no-untyped-def]
    from knowledgehub.people.choices import ProfileVisibility
    from knowledgehub.testing.factories import OrganisationFactory

    alice.organisation = OrganisationFactory(name="Alicetown")
    alice.profile_visibility = ProfileVisibility.MEMBERS
    alice.save()
    [(_, why)] = services.related_for(AnonymousUser(), world["page"])
    assert "Alicetown" not in why
    why = dict(services.related_for(world["page"].author, world["page"]))[world["public"]]
    assert "also from Alicetown" in why


def test_page_surprise_link_works_without_javascript(client, world):  # type: ignore[no-untyped-def]
    from knowledgehub.serendipity import embedding

    embedding.reset()
    item = world["page"]
    html = client.get(f"/items/{item.pk}/related/").content.decode()
    assert "Surprise me" in html
    assert 'href="?related=surprise#related-heading"' in html
    assert f'hx-get="/items/{item.pk}/related/?surprise=1"' in html
    surprised = client.get(f"/items/{item.pk}/related/?surprise=1").content.decode()
    assert "Surprise picks" in surprised
    assert "Food waste caddies" in surprised
    assert "Food waste for members" not in surprised  # anonymous
    assert not embedding.is_loaded()


def test_item_page_never_loads_the_model(client, embeddings, alice):  # type: ignore[no-untyped-def]
    _filler()
    page = PostFactory(author=alice, title="Food waste trial", body=WASTE)
    PostFactory(author=alice, title="Food waste caddies", body=WASTE)
    services.rebuild()
    embeddings.reset()  # as in a fresh web process
    loads = embeddings.LOADS
    for url in (page.get_absolute_url(), page.get_absolute_url() + "?related=surprise"):
        html = client.get(url).content.decode()
        assert "Food waste caddies" in html
    assert "Surprise picks" in html
    assert not embeddings.is_loaded()
    assert loads == embeddings.LOADS


def test_fragment_follows_the_visibility_rule(client, world, bob, carol):  # type: ignore[no-untyped-def]
    secret = world["secret"]
    assert client.get(f"/items/{secret.pk}/related/").status_code == 404
    client.force_login(carol)
    assert client.get(f"/items/{secret.pk}/related/?surprise=1").status_code == 404
    html = client.get(f"/items/{world['page'].pk}/related/?surprise=1").content.decode()
    assert "Food waste for members" in html
    assert "Food waste secret" not in html and "Food waste in the community" not in html
    client.force_login(bob)
    html = client.get(f"/items/{secret.pk}/related/").content.decode()
    assert "Food waste in the community" in html


@pytest.mark.parametrize("query", ["?surprise=banana", "?surprise=2", "?surprise=yes%20please"])
def test_fragment_rejects_bad_params_clearly(client, world, query):  # type: ignore[no-untyped-def]
    response = client.get(f"/items/{world['page'].pk}/related/{query}")
    assert response.status_code == 400
    assert b"surprise must be 1 or 0" in response.content


def test_fragment_unknown_item_and_methods(client, world):  # type: ignore[no-untyped-def]
    assert client.get("/items/999999/related/").status_code == 404
    assert client.post(f"/items/{world['page'].pk}/related/").status_code == 405
    # a bad value for the page's own switch is simply the normal section
    item = world["page"]
    html = client.get(f"/items/{item.pk}/related/?related=nonsense").content.decode()
    assert "Surprise me" in html
