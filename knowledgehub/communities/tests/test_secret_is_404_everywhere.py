"""A secret community is a 404 to outsiders, everywhere: its pages, its actions, the directory,
the home page, people's profiles, and its items."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from knowledgehub.communities.choices import RequestStatus, Visibility
from knowledgehub.communities.models import Community, Membership
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.people.models import User
from knowledgehub.testing.factories import (
    InvitationFactory,
    ItemFactory,
    JoinRequestFactory,
    community_with,
)

pytestmark = pytest.mark.django_db

SECRET_NAME = "Whistleblowing casework"
ITEM_TITLE = "Notes from the secret meeting"


@pytest.fixture
def secret(alice: User, bob: User) -> Community:
    """Secret: alice owns it, bob is a member; bob has posted a *public* item in it."""
    community = community_with(
        alice, visibility=Visibility.SECRET, members=(bob,), name=SECRET_NAME, slug="whistle"
    )
    ItemFactory(author=bob, community=community, audience=Audience.PUBLIC, title=ITEM_TITLE)
    return community


def action_urls(community: Community, bob: User) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, url, data) for every page and action of one community."""
    slug = community.slug
    invitation = InvitationFactory(community=community)
    join_request = JoinRequestFactory(community=community, status=RequestStatus.PENDING)
    return [
        ("get", reverse("communities:detail", kwargs={"slug": slug}), {}),
        ("get", reverse("communities:members", kwargs={"slug": slug}), {}),
        ("post", reverse("communities:join", kwargs={"slug": slug}), {}),
        ("get", reverse("communities:request", kwargs={"slug": slug}), {}),
        ("post", reverse("communities:request", kwargs={"slug": slug}), {"message": "hi"}),
        ("post", reverse("communities:leave", kwargs={"slug": slug}), {}),
        ("post", reverse("communities:invite", kwargs={"slug": slug}), {"email": "x@example.org"}),
        ("post", reverse("communities:revoke", kwargs={"slug": slug, "pk": invitation.pk}), {}),
        (
            "post",
            reverse(
                "communities:decide",
                kwargs={"slug": slug, "pk": join_request.pk, "decision": "approve"},
            ),
            {},
        ),
        ("post", reverse("communities:remove", kwargs={"slug": slug, "user_id": bob.pk}), {}),
        (
            "post",
            reverse("communities:role", kwargs={"slug": slug, "user_id": bob.pk}),
            {"role": "facilitator"},
        ),
        ("post", reverse("communities:transfer", kwargs={"slug": slug}), {"user_id": bob.pk}),
    ]


def fetch(client: Client, method: str, url: str, data: dict[str, Any], **headers: str) -> Any:
    return getattr(client, method)(url, data, headers=headers)


@pytest.mark.parametrize("htmx", [False, True])
def test_every_url_is_404_to_a_signed_in_outsider(
    client: Client, secret: Community, bob: User, carol: User, htmx: bool
) -> None:
    client.force_login(carol)
    headers = {"HX-Request": "true"} if htmx else {}
    urls = action_urls(secret, bob)
    before = (Membership.objects.count(), secret.invitations.count(), secret.join_requests.count())
    for method, url, data in urls:
        response = fetch(client, method, url, data, **headers)
        assert response.status_code == 404, (method, url, response.status_code)
        assert SECRET_NAME not in response.content.decode(), url
    after = (Membership.objects.count(), secret.invitations.count(), secret.join_requests.count())
    assert after == before


def test_every_url_gives_anonymous_visitors_nothing_more_than_a_missing_community(
    client: Client, secret: Community, bob: User
) -> None:
    """Pages that anyone may read are a 404. Actions that need signing in send every visitor to
    sign in first, for any address, so the answer is the same as for a community that does not
    exist (and after signing in, an outsider gets the 404 above)."""
    ghost_slug = "no-such-community"
    for method, url, data in action_urls(secret, bob):
        response = fetch(client, method, url, data)
        ghost = fetch(client, method, url.replace(f"/{secret.slug}/", f"/{ghost_slug}/"), data)
        assert response.status_code == ghost.status_code, url
        assert response.status_code in (302, 404), url
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("account_login"))
            assert response["Location"].replace(secret.slug, ghost_slug) == ghost["Location"]
        assert SECRET_NAME not in response.content.decode()
    for name in ("detail", "members"):
        url = reverse(f"communities:{name}", kwargs={"slug": secret.slug})
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("viewer_name", ["anonymous", "carol"])
def test_the_community_and_its_items_are_absent_from_listings(
    client: Client, secret: Community, viewer_name: str, request: pytest.FixtureRequest
) -> None:
    if viewer_name != "anonymous":
        client.force_login(request.getfixturevalue(viewer_name))
    pages = [
        reverse("communities:list"),
        reverse("communities:list") + "?visibility=secret",
        reverse("communities:list") + "?q=Whistle",
        reverse("core:home"),
        reverse("people:detail", kwargs={"username": "bob"}),
        reverse("people:detail", kwargs={"username": "alice"}),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert SECRET_NAME not in body, url
        assert secret.get_absolute_url() not in body, url
        assert ITEM_TITLE not in body, url


def test_the_home_page_counts_do_not_include_it(client: Client, secret: Community) -> None:
    response = client.get(reverse("core:home"))
    assert response.context["stats"]["communities"] == 0
    assert list(response.context["communities"]) == []
    assert list(response.context["items"]) == []


def test_a_profile_lists_only_communities_the_viewer_may_know(
    client: Client, secret: Community, alice: User, bob: User, carol: User
) -> None:
    open_ = community_with(alice, visibility=Visibility.OPEN, members=(bob,), name="Parks")
    client.force_login(carol)
    response = client.get(reverse("people:detail", kwargs={"username": "bob"}))
    assert list(response.context["communities"]) == [open_]


@pytest.mark.parametrize("viewer_name", ["alice", "bob", "dave"])
def test_members_and_site_admins_see_it_everywhere(
    client: Client, secret: Community, viewer_name: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(viewer_name))
    detail = client.get(secret.get_absolute_url())
    assert detail.status_code == 200
    assert ITEM_TITLE in detail.content.decode()
    members = client.get(reverse("communities:members", kwargs={"slug": secret.slug}))
    assert members.status_code == 200
    for url in (
        reverse("communities:list"),
        reverse("people:detail", kwargs={"username": "bob"}),
    ):
        assert SECRET_NAME in client.get(url).content.decode(), url
    assert ITEM_TITLE in client.get(reverse("core:home")).content.decode()


def test_a_removed_member_loses_it_at_once(
    client: Client, secret: Community, alice: User, bob: User
) -> None:
    client.force_login(alice)
    client.post(reverse("communities:remove", kwargs={"slug": secret.slug, "user_id": bob.pk}))
    client.force_login(bob)
    assert client.get(secret.get_absolute_url()).status_code == 404
    assert SECRET_NAME not in client.get(reverse("communities:list")).content.decode()
    # bob wrote the item, so he still sees it; nobody else outside does.
    assert Item.objects.visible_to(bob).filter(title=ITEM_TITLE).exists()
