import pytest
from django.urls import reverse

from knowledgehub.testing.factories import community_with, wiki_page
from knowledgehub.wiki.models import Page
from knowledgehub.wiki.services import page_delete

pytestmark = pytest.mark.django_db


def test_index_shows_the_page_tree(client, alice):
    community = community_with(alice)
    root = wiki_page(community=community, author=alice, title="Waste")
    wiki_page(community=community, author=alice, title="Food waste", parent=root)
    response = client.get(reverse("wiki:index", args=[community.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Waste") < html.index("Food waste")
    assert "kh-wiki-tree__children" in html


def test_detail_shows_children_and_breadcrumbs(client, alice):
    community = community_with(alice)
    root = wiki_page(community=community, author=alice, title="Waste")
    child = wiki_page(community=community, author=alice, title="Food waste", parent=root)
    assert "Food waste" in client.get(root.get_absolute_url()).content.decode()
    assert root.get_absolute_url() in client.get(child.get_absolute_url()).content.decode()


def test_create_under_a_parent_and_no_cycles(client, alice):
    community = community_with(alice)
    root = wiki_page(community=community, author=alice, title="Waste")
    client.force_login(alice)
    url = reverse("wiki:create", args=[community.slug]) + f"?parent={root.pk}"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"title": "Glass", "body": "", "audience": "public", "parent": str(root.pk)}
    )
    assert response.status_code == 302
    child = Page.objects.get(title="Glass")
    assert child.parent == root
    # The root cannot be moved under its own child.
    response = client.post(
        reverse("wiki:edit", args=[community.slug, root.slug]),
        {
            "title": "Waste",
            "body": "",
            "audience": "public",
            "parent": str(child.pk),
            "base_revision": "1",
        },
    )
    assert response.status_code == 200
    root.refresh_from_db()
    assert root.parent is None


def test_deleting_a_parent_moves_children_up(alice):
    community = community_with(alice)
    top = wiki_page(community=community, author=alice, title="Top")
    middle = wiki_page(community=community, author=alice, title="Middle", parent=top)
    leaf = wiki_page(community=community, author=alice, title="Leaf", parent=middle)
    page_delete(page=middle)
    leaf.refresh_from_db()
    assert leaf.parent == top


def test_index_query_count_does_not_grow_with_pages(client, alice, django_assert_max_num_queries):
    community = community_with(alice)
    root = wiki_page(community=community, author=alice, title="Root")
    for n in range(12):
        wiki_page(community=community, author=alice, title=f"Page {n}", parent=root)
    client.force_login(alice)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("wiki:index", args=[community.slug])).status_code == 200
