import pytest
from django.contrib.contenttypes.models import ContentType

from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.testing.factories import community_with, wiki_page
from knowledgehub.wiki.models import Page
from knowledgehub.wiki.services import page_delete, page_update

pytestmark = pytest.mark.django_db


def _items(page: Page):
    return Item.objects.filter(
        content_type=ContentType.objects.get_for_model(Page), object_id=page.pk
    )


def test_creating_a_page_registers_one_item(alice):
    community = community_with(alice)
    page = wiki_page(community=community, author=alice, title="Bin rounds", body="Weekly *bins*")
    items = _items(page)
    assert items.count() == 1
    item = items.get()
    assert item.kind == "wiki_page"
    assert item.title == "Bin rounds"
    assert item.url == f"/communities/{community.slug}/wiki/bin-rounds/"
    assert item.text == "Weekly bins"
    assert item.community_id == community.pk
    assert item.audience == Audience.PUBLIC
    assert item.author_id == alice.pk


def test_editing_updates_the_item(alice, bob):
    community = community_with(alice, members=(bob,))
    page = wiki_page(community=community, author=alice, title="Bin rounds")
    before = _items(page).get().updated_at
    page_update(
        page=page,
        editor=bob,
        base_revision=1,
        title="Bin collection rounds",
        body="Fortnightly",
        audience=Audience.COMMUNITY,
    )
    item = _items(page).get()
    assert item.title == "Bin collection rounds"
    assert item.text == "Fortnightly"
    assert item.audience == Audience.COMMUNITY
    assert item.updated_at >= before
    assert _items(page).count() == 1


def test_deleting_removes_the_item(alice):
    community = community_with(alice)
    page = wiki_page(community=community, author=alice)
    pk = page.pk
    page_delete(page=page)
    assert not Item.objects.filter(kind="wiki_page", object_id=pk).exists()
