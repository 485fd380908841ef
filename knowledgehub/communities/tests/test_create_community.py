from __future__ import annotations

import pytest
from django.test import Client
from django.urls import resolve, reverse

from knowledgehub.communities import services
from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.communities.models import Community, Membership
from knowledgehub.people.models import User
from knowledgehub.testing.factories import CommunityFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("communities:create")


def form_data(name: str, visibility: str = Visibility.OPEN) -> dict[str, str]:
    return {"name": name, "description": "Sharing what works.", "visibility": visibility}


def test_creator_becomes_the_owner(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post(CREATE, form_data("Food waste collection", Visibility.RESTRICTED))

    community = Community.objects.get()
    assert response.status_code == 302
    assert response["Location"] == community.get_absolute_url()
    assert community.name == "Food waste collection"
    assert community.visibility == Visibility.RESTRICTED
    assert community.created_by == alice
    membership = Membership.objects.get(community=community)
    assert (membership.user, membership.role) == (alice, Role.OWNER)

    page = client.get(community.get_absolute_url())
    assert page.context["membership"] == membership
    assert page.context["can_manage"] is True


def test_signing_in_is_needed_to_create(client: Client) -> None:
    response = client.post(CREATE, form_data("Food waste collection"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Community.objects.exists()


def test_the_name_is_tidied(client: Client, alice: User) -> None:
    client.force_login(alice)
    client.post(CREATE, form_data("  Food   waste\tcollection "))
    assert Community.objects.get().name == "Food waste collection"


@pytest.mark.parametrize("clash", ["food waste", "FOOD WASTE", " Food  Waste "])
def test_a_duplicate_name_is_a_form_error_not_a_500(
    client: Client, alice: User, bob: User, clash: str
) -> None:
    client.force_login(alice)
    client.post(CREATE, form_data("Food Waste"))
    client.force_login(bob)

    response = client.post(CREATE, form_data(clash))

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["A community with this name already exists"]
    assert "A community with this name already exists" in response.content.decode()
    assert Community.objects.count() == 1
    assert not Membership.objects.filter(user=bob).exists()


def test_the_service_refuses_a_duplicate_name_that_slipped_past_the_form(alice: User) -> None:
    services.community_create(
        creator=alice, name="Food Waste", description="x", visibility=Visibility.OPEN
    )
    with pytest.raises(services.CommunityError, match="already exists"):
        services.community_create(
            creator=alice, name="food  WASTE", description="x", visibility=Visibility.OPEN
        )
    assert Community.objects.count() == 1


def test_names_that_slugify_alike_get_distinct_slugs(client: Client, alice: User) -> None:
    client.force_login(alice)
    for name in ("Food waste", "Food-waste!", "Food: waste?"):
        response = client.post(CREATE, form_data(name))
        assert response.status_code == 302, name

    slugs = list(Community.objects.order_by("pk").values_list("slug", flat=True))
    assert slugs == ["food-waste", "food-waste-2", "food-waste-3"]
    for community in Community.objects.all():
        page = client.get(community.get_absolute_url())
        assert page.status_code == 200
        assert page.context["community"] == community


def test_a_name_with_no_letters_still_gets_a_slug(alice: User) -> None:
    community = services.community_create(
        creator=alice, name="!!!", description="x", visibility=Visibility.OPEN
    )
    assert community.slug == "community"


@pytest.mark.parametrize("name", ["New", "Invitations"])
def test_a_slug_never_shadows_another_communities_url(
    client: Client, alice: User, name: str
) -> None:
    """ "New" must not take /communities/new/ (the create form), nor "Invitations" the
    /communities/invitations/<token>/ prefix (which would swallow its join, leave … URLs)."""
    client.force_login(alice)
    client.post(CREATE, form_data(name))
    community = Community.objects.get(name=name)

    for url_name in ("detail", "join", "leave", "request", "members", "invite", "transfer"):
        url = reverse(f"communities:{url_name}", kwargs={"slug": community.slug})
        match = resolve(url)
        assert match.url_name == url_name, (url, match.url_name)
        assert match.kwargs["slug"] == community.slug
    assert client.get(community.get_absolute_url()).context["community"] == community


def test_an_existing_slug_is_not_reused(alice: User) -> None:
    CommunityFactory(name="Something else", slug="parks")
    community = services.community_create(
        creator=alice, name="Parks", description="x", visibility=Visibility.OPEN
    )
    assert community.slug == "parks-2"


def test_a_short_name_is_refused(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post(CREATE, form_data("ab"))
    assert response.status_code == 200
    assert "at least 3 characters" in response.context["form"].errors["name"][0]
    assert not Community.objects.exists()
