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
    assert "related-heading" not in client.get(lonely.get_absolute_url()).content.decode()
    # an htmx reaction re-renders only the discussion: the Related section is not repeated
    item = page.knowledge_item
    swapped = client.post(
        f"/items/{item.pk}/react/", {"kind": "useful"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'id="discussion"' in swapped
    assert "related-heading" not in swapped
