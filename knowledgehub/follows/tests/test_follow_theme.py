"""Following a theme: allowed only for themes one may see; the stream then carries activities on
the theme's items, each still through the item's own visibility."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from knowledgehub.communities.choices import Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.follows.activity import record_item_created
from knowledgehub.follows.choices import TargetKind
from knowledgehub.follows.services import (
    FollowError,
    follow,
    followed_ids,
    following,
    get_target,
    is_following,
    unfollow,
)
from knowledgehub.follows.stream import stream
from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import ItemFactory, UserFactory, community_with
from knowledgehub.themes.models import Theme, ThemeItem

pytestmark = pytest.mark.django_db


def _theme(label: str, community=None) -> Theme:  # type: ignore[no-untyped-def]
    return Theme.objects.create(label=label, keywords=label.split(", "), community=community)


def _in(theme: Theme, item) -> None:  # type: ignore[no-untyped-def]
    ThemeItem.objects.create(theme=theme, item=item, score=0.8)


def test_follow_and_unfollow_a_theme(alice):
    theme = _theme("recycling, food waste")
    follow(alice, theme)
    follow(alice, theme)  # idempotent
    assert is_following(alice, theme)
    assert followed_ids(alice)[TargetKind.THEME] == {theme.pk}
    groups = {g.kind: g.targets for g in following(alice, viewer=alice)}
    assert groups[TargetKind.THEME] == [theme]
    assert unfollow(alice, theme) is True
    assert not is_following(alice, theme)
    assert unfollow(alice, theme) is False


def test_a_faded_theme_can_still_be_followed_and_unfollowed(alice):
    theme = _theme("parking permits")
    theme.is_active = False
    theme.save()
    follow(alice, theme)
    assert is_following(alice, theme)
    assert unfollow(alice, theme)


def test_cannot_follow_a_community_theme_one_may_not_see(alice, bob, carol):
    community = community_with(alice, visibility=Visibility.PRIVATE, members=(bob,))
    theme = _theme("members only, budgets", community=community)
    with pytest.raises(FollowError):
        follow(carol, theme)
    assert get_target(carol, TargetKind.THEME, theme.pk) is None
    assert get_target(AnonymousUser(), TargetKind.THEME, theme.pk) is None
    assert get_target(bob, TargetKind.THEME, theme.pk) == theme
    follow(bob, theme)
    # The list of what bob follows shows the theme only to viewers who may see it.
    assert {g.kind: g.targets for g in following(bob, viewer=carol)}[TargetKind.THEME] == []
    assert {g.kind: g.targets for g in following(bob, viewer=bob)}[TargetKind.THEME] == [theme]


def test_stream_carries_visible_items_of_followed_themes(alice, bob, carol):
    writer = UserFactory(username="writer")
    secret = community_with(writer, visibility=Visibility.SECRET)
    theme = _theme("recycling, food waste")
    other = _theme("planning, local plan")
    public = ItemFactory(title="Open recycling", author=writer)
    members = ItemFactory(title="Members recycling", author=writer, audience=Audience.MEMBERS)
    hidden = ItemFactory(title="Secret recycling", author=writer, community=secret)
    private = ItemFactory(title="Private recycling", author=writer, audience=Audience.PRIVATE)
    elsewhere = ItemFactory(title="Planning item", author=writer)
    for item in (public, members, hidden, private):
        _in(theme, item)
    _in(other, elsewhere)
    for item in (public, members, hidden, private, elsewhere):
        record_item_created(item)
    assert stream(carol).cards == []  # follows nothing yet
    follow(carol, theme)
    titles = {c.item.title for c in stream(carol).cards}
    assert titles == {"Open recycling", "Members recycling"}
    relevant = {c.item.title for c in stream(carol, order="relevant").cards}
    assert relevant == titles
    # A member of the secret community following the theme sees its secret item too.
    Membership.objects.create(community=secret, user=bob, role="member")
    follow(bob, theme)
    assert "Secret recycling" in {c.item.title for c in stream(bob).cards}
    assert "Private recycling" not in {c.item.title for c in stream(bob).cards}


def test_leaving_a_community_stops_its_theme_in_the_stream(alice, bob):
    community = community_with(alice, visibility=Visibility.PRIVATE, members=(bob,))
    theme = _theme("members only, budgets", community=community)
    item = ItemFactory(title="Open budget note", author=alice)  # open item, assigned to the theme
    _in(theme, item)
    record_item_created(item)
    follow(bob, theme)
    assert [c.item.title for c in stream(bob).cards] == ["Open budget note"]
    Membership.objects.filter(community=community, user=bob).delete()
    assert stream(bob).cards == []
