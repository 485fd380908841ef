from __future__ import annotations

import pytest
from django.urls import reverse

from knowledgehub.communities.choices import Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.follows.models import Follow
from knowledgehub.follows.services import (
    FollowError,
    follow,
    followers_of,
    following,
    is_following,
    unfollow,
)
from knowledgehub.testing.factories import (
    OrganisationFactory,
    TagFactory,
    UserFactory,
    community_with,
    feed_subscription,
)

pytestmark = pytest.mark.django_db


def test_follow_and_unfollow_every_kind(alice, bob):
    community = community_with(bob)
    tag = TagFactory()
    org = OrganisationFactory()
    source = feed_subscription().source
    for target in (bob, community, tag, org, source):
        follow(alice, target)
        follow(alice, target)  # idempotent
        assert is_following(alice, target)
        assert Follow.objects.filter(follower=alice, object_id=target.pk).count() >= 1
    assert Follow.objects.filter(follower=alice).count() == 5
    assert unfollow(alice, tag) is True
    assert unfollow(alice, tag) is False
    assert not is_following(alice, tag)


def test_following_a_community_does_not_make_a_member(alice, bob):
    community = community_with(bob)
    follow(alice, community)
    assert not Membership.objects.filter(community=community, user=alice).exists()


def test_cannot_follow_yourself_or_a_secret_community_you_cannot_see(alice, bob):
    with pytest.raises(FollowError):
        follow(alice, alice)
    secret = community_with(bob, visibility=Visibility.SECRET)
    with pytest.raises(FollowError):
        follow(alice, secret)
    Membership.objects.create(community=secret, user=alice, role="member")
    follow(alice, secret)
    assert is_following(alice, secret)


def test_cannot_follow_a_feed_one_may_not_see(alice, bob):
    private = feed_subscription(scope="private", user=bob).source
    with pytest.raises(FollowError):
        follow(alice, private)
    follow(bob, private)


def test_follow_view_without_js_redirects_back(client, alice, bob):
    client.force_login(alice)
    url = reverse("follows:follow", kwargs={"kind": "person", "pk": bob.pk})
    response = client.post(url, {"next": "/people/bob/"})
    assert response.status_code == 302
    assert response["Location"] == "/people/bob/"
    assert is_following(alice, bob)
    response = client.post(
        reverse("follows:unfollow", kwargs={"kind": "person", "pk": bob.pk}),
        {"next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == bob.get_absolute_url()  # an unsafe next is ignored
    assert not is_following(alice, bob)


def test_follow_view_htmx_swaps_the_button(client, alice, bob):
    community = community_with(bob)
    client.force_login(alice)
    url = reverse("follows:follow", kwargs={"kind": "community", "pk": community.pk})
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="follow-community-{community.pk}"' in html
    assert "Unfollow" in html and "You follow" in html
    assert reverse("follows:unfollow", kwargs={"kind": "community", "pk": community.pk}) in html


def test_follow_views_refuse_bad_input_and_get(client, alice, bob):
    client.force_login(alice)
    secret = community_with(bob, visibility=Visibility.SECRET)
    assert (
        client.post(reverse("follows:follow", kwargs={"kind": "community", "pk": secret.pk}))
    ).status_code == 404
    assert (
        client.post(reverse("follows:follow", kwargs={"kind": "nonsense", "pk": 1}))
    ).status_code == 404
    assert (
        client.post(reverse("follows:follow", kwargs={"kind": "person", "pk": 999999}))
    ).status_code == 404
    assert (
        client.get(reverse("follows:follow", kwargs={"kind": "person", "pk": bob.pk}))
    ).status_code == 405
    assert not Follow.objects.exists()


def test_follow_view_needs_sign_in(client, bob):
    response = client.post(reverse("follows:follow", kwargs={"kind": "person", "pk": bob.pk}))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_followers_and_following_pages_respect_visibility(client, alice, bob, carol):
    secret = community_with(bob, visibility=Visibility.SECRET)
    open_one = community_with(bob, name="Open Data Friends")
    follow(bob, secret)
    follow(bob, open_one)
    follow(bob, alice)
    follow(carol, alice)
    hidden = UserFactory(profile_visibility="members")
    follow(hidden, alice)

    client.force_login(carol)
    page = client.get(reverse("follows:following", kwargs={"username": "bob"})).content.decode()
    assert open_one.name in page
    assert secret.name not in page  # carol may not know the secret community exists
    assert "Alice Adams" in page
    client.force_login(bob)
    page = client.get(reverse("follows:following", kwargs={"username": "bob"})).content.decode()
    assert secret.name in page

    client.logout()
    page = client.get(reverse("follows:followers", kwargs={"username": "alice"})).content.decode()
    assert "Bob Brown" in page and "Carol Clark" in page
    assert hidden.display_name not in page  # members-only profile, anonymous viewer
    from django.contrib.auth.models import AnonymousUser

    assert set(followers_of(alice, viewer=AnonymousUser())) == {bob, carol}
    groups = {g.kind: g.targets for g in following(bob, viewer=carol)}
    assert groups["community"] == [open_one]


def test_buttons_on_target_pages(client, alice, bob):
    community = community_with(bob)
    tag = TagFactory(name="Housing", slug="housing")
    org = OrganisationFactory()
    source = feed_subscription().source
    client.force_login(alice)
    pages = {
        "person": (bob.get_absolute_url(), bob.pk),
        "community": (community.get_absolute_url(), community.pk),
        "tag": (reverse("tag", kwargs={"tag": "housing"}), tag.pk),
        "organisation": (org.get_absolute_url(), org.pk),
        "feed": (source.get_absolute_url(), source.pk),
    }
    for kind, (url, pk) in pages.items():
        html = client.get(url).content.decode()
        assert reverse("follows:follow", kwargs={"kind": kind, "pk": pk}) in html, kind
    # Not on your own profile.
    html = client.get(alice.get_absolute_url()).content.decode()
    assert reverse("follows:follow", kwargs={"kind": "person", "pk": alice.pk}) not in html
