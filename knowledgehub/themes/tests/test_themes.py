"""Themes: planted topics are found and labelled, ids survive rebuilds, faded themes retire, the
worker places new items, and nothing a viewer may not see reaches them through a theme."""

from __future__ import annotations

import random

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.serendipity import services as serendipity
from knowledgehub.testing.factories import ItemFactory, UserFactory, community_with
from knowledgehub.themes import services
from knowledgehub.themes.models import Theme, ThemeItem

pytestmark = pytest.mark.django_db

TOPICS = {
    "recycling": [
        "Food waste recycling collections start with a kerbside caddy for every household.",
        "Recycling rates rose once the food waste caddies were delivered to every street.",
        "Contamination in the recycling bins fell after crews left tags on wrong items.",
        "We moved to weekly food waste collections and fortnightly residual waste.",
        "Residents asked for more recycling bins for glass, cans and plastic bottles.",
        "The recycling centre now accepts garden waste and food waste from flats.",
        "Our recycling campaign explained which plastics go in the kerbside bin.",
        "Food waste tonnage doubled in the first year of separate collections.",
    ],
    "care": [
        "Adult social care assessments now happen at home with an occupational therapist.",
        "Home care packages were redesigned around what older people said mattered.",
        "Carers told us the adult social care assessment took too long to arrange.",
        "Reablement after hospital discharge kept more older people living at home.",
        "The social care workforce plan funds training for home care workers.",
        "Direct payments give people control over their care and support plans.",
        "Hospital discharge delays fell when social care staff joined the ward rounds.",
        "Care homes and home care providers shared one adult social care market plan.",
    ],
    "planning": [
        "Planning applications for householder extensions are decided within eight weeks.",
        "The local plan allocates housing sites and protects the green belt.",
        "Planning enforcement officers investigated unauthorised developments and breaches.",
        "A design code for new housing developments guides planning applications.",
        "Planning committee refused the application because of highway safety concerns.",
        "Pre-application planning advice helped developers submit better applications.",
        "Conservation area consent is needed before demolishing planning protected buildings.",
        "The planning inspector upheld the appeal against the local plan housing allocation.",
    ],
}
SECRET_WORD = "zanzibarite"


def _text(topic: str, rng: random.Random) -> str:
    return " ".join(rng.sample(TOPICS[topic], 4))


def _corpus(per_topic: int = 12, seed: int = 1) -> dict[str, list[Item]]:
    rng = random.Random(seed)
    out: dict[str, list[Item]] = {}
    for topic in TOPICS:
        out[topic] = [
            ItemFactory(title=f"{topic.title()} note {n}", text=_text(topic, rng))
            for n in range(per_topic)
        ]
    return out


def _rebuild() -> dict[str, object]:
    serendipity.rebuild()
    return services.rebuild_themes()


def _topic_of(theme: Theme, corpus: dict[str, list[Item]]) -> str:
    ids = set(theme.memberships.values_list("item_id", flat=True))
    best = max(corpus, key=lambda t: len(ids & {i.pk for i in corpus[t]}))
    return best


def test_finds_planted_topics_and_labels_them():
    corpus = _corpus()
    stages: list[str] = []
    serendipity.rebuild()
    result = services.rebuild_themes(progress=lambda stage, done, total: stages.append(stage))
    assert result["space"] == "tfidf"
    assert "themes: clustering" in stages
    themes = list(Theme.objects.filter(community__isnull=True, is_active=True))
    assert len(themes) == 3
    found = {_topic_of(t, corpus): t for t in themes}
    assert set(found) == set(TOPICS)
    for topic, theme in found.items():
        members = set(theme.memberships.values_list("item_id", flat=True))
        planted = {i.pk for i in corpus[topic]}
        assert len(members & planted) >= 10  # most of the topic, and nothing from the others
        assert not members - planted
        assert 3 <= len(theme.keywords) <= services.KEYWORDS
        assert theme.label == ", ".join(theme.keywords[:3])
        assert theme.size == len(members)
    assert any(w in " ".join(found["recycling"].keywords) for w in ("recycling", "food waste"))
    assert any(w in " ".join(found["care"].keywords) for w in ("social care", "care", "home care"))
    assert "planning" in " ".join(found["planning"].keywords)
    # a phrase replaces the words inside it
    for theme in themes:
        for kw in theme.keywords:
            for other in theme.keywords:
                assert kw == other or kw not in other.split()


def test_ids_are_stable_across_rebuilds_and_faded_themes_retire():
    corpus = _corpus()
    _rebuild()
    before = {_topic_of(t, corpus): t.pk for t in Theme.objects.filter(is_active=True)}
    again = _rebuild()
    assert again["kept"] == 3 and again["new"] == 0 and again["retired"] == 0
    after = {_topic_of(t, corpus): t.pk for t in Theme.objects.filter(is_active=True)}
    assert after == before
    # Planning disappears from open content: its theme fades (kept, inactive), not deleted.
    Item.objects.filter(pk__in=[i.pk for i in corpus["planning"]]).update(is_hidden=True)
    third = _rebuild()
    assert third["retired"] == 1
    faded = Theme.objects.get(pk=before["planning"])
    assert not faded.is_active
    assert Theme.objects.filter(is_active=True, pk__in=before.values()).count() == 2
    assert set(Theme.objects.filter(is_active=True).values_list("pk", flat=True)) == {
        before["recycling"],
        before["care"],
    }


def test_rebuild_twice_gives_the_same_memberships():
    _corpus()
    _rebuild()
    first = sorted(ThemeItem.objects.values_list("theme_id", "item_id", "score"))
    services.rebuild_themes()
    assert sorted(ThemeItem.objects.values_list("theme_id", "item_id", "score")) == first


def test_restricted_items_never_shape_sitewide_themes(alice, bob):
    corpus = _corpus()
    secret = community_with(alice, visibility=Visibility.SECRET, members=(bob,))
    rng = random.Random(5)
    restricted = []
    for n in range(12):
        text = f"{SECRET_WORD} lighthouse {SECRET_WORD} beacon. " + _text("recycling", rng)
        restricted.append(ItemFactory(title=f"{SECRET_WORD} {n}", text=text, community=secret))
    for n in range(12):
        text = f"Quokka {SECRET_WORD} quokka lagoon harbour survey {n}. Quokka lagoon notes."
        restricted.append(ItemFactory(title=f"Quokka {n}", text=text, audience=Audience.PRIVATE))
    _rebuild()
    sitewide = Theme.objects.filter(community__isnull=True)
    assert sitewide.count() == 3  # the private items do not make a theme of their own
    for theme in sitewide:
        words = " ".join([theme.label, *theme.keywords])
        assert SECRET_WORD not in words and "quokka" not in words and "lighthouse" not in words
        assert theme.size == theme.memberships.filter(item__in=_open(corpus)).count()
    # The secret items still join the nearest theme (for its members' eyes only).
    recycling = next(t for t in sitewide if _topic_of(t, corpus) == "recycling")
    assert recycling.memberships.filter(item__community=secret).exists()


def _open(corpus: dict[str, list[Item]]) -> list[int]:
    return [i.pk for items in corpus.values() for i in items]


@pytest.fixture
def mixed(alice, bob, carol):  # type: ignore[no-untyped-def]
    """Planted topics plus recycling items carol may not see, in a secret community of alice's."""
    corpus = _corpus()
    secret = community_with(alice, visibility=Visibility.SECRET, members=(bob,), name="Hush Club")
    hidden_author = UserFactory(username="quiet", name="Quentin Quiet")
    rng = random.Random(9)
    secret_item = ItemFactory(
        title="Secret recycling note",
        text=_text("recycling", rng),
        community=secret,
        author=hidden_author,
    )
    private_item = ItemFactory(
        title="Private recycling note",
        text=_text("recycling", rng),
        audience=Audience.PRIVATE,
        author=hidden_author,
    )
    _rebuild()
    theme = next(
        t
        for t in Theme.objects.filter(community__isnull=True)
        if _topic_of(t, corpus) == "recycling"
    )
    assert theme.memberships.filter(item=secret_item).exists()
    assert theme.memberships.filter(item=private_item).exists()
    return {"theme": theme, "corpus": corpus, "secret": secret}


def test_theme_page_lists_only_what_the_viewer_may_see(client, mixed, bob, carol):
    theme = mixed["theme"]
    for viewer in (None, carol):
        if viewer:
            client.force_login(viewer)
        html = client.get(theme.get_absolute_url() + "?page=2").content.decode()
        html += client.get(theme.get_absolute_url()).content.decode()
        assert theme.label in html
        assert "Secret recycling note" not in html and "Private recycling note" not in html
        assert "Quentin Quiet" not in html and "Hush Club" not in html
        assert "Recycling note" in html
        assert "Catch up on this theme" in html
    client.force_login(bob)
    response = client.get(theme.get_absolute_url())
    html = response.content.decode()
    assert "Secret recycling note" in html and "Hush Club" in html and "Quentin Quiet" in html
    assert "Private recycling note" not in html


def test_theme_list_is_sitewide_and_links_to_trends(client, mixed):
    html = client.get("/themes/").content.decode()
    assert html.count('href="/themes/') >= 3
    assert mixed["theme"].label in html
    assert 'href="/trends/"' in html


def _community_corpus(owner, members=()):  # type: ignore[no-untyped-def]
    community = community_with(owner, visibility=Visibility.PRIVATE, members=members)
    rng = random.Random(3)
    for topic in ("recycling", "planning"):
        for n in range(12):
            ItemFactory(
                title=f"Members {topic} {n}",
                text=_text(topic, rng),
                community=community,
                audience=Audience.COMMUNITY,
            )
    return community


def test_community_themes_only_for_members_and_admins(client, alice, bob, carol, dave):
    community = _community_corpus(alice, members=(bob,))
    result = _rebuild()
    assert result["communities"] == 1
    themes = Theme.objects.filter(community=community, is_active=True)
    assert themes.count() >= 2
    theme = themes.first()
    assert theme is not None
    url = f"/themes/?community={community.slug}"
    assert client.get(url).status_code == 404
    assert client.get(theme.get_absolute_url()).status_code == 404
    client.force_login(carol)
    assert client.get(url).status_code == 404
    assert client.get(theme.get_absolute_url()).status_code == 404
    assert not services.visible_themes(carol, community).exists()
    for viewer in (bob, dave):
        client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == 200
        assert theme.label in response.content.decode()
        assert client.get(theme.get_absolute_url()).status_code == 200
    assert set(services.visible_themes(bob, community)) == set(themes)
    client.force_login(bob)
    assert community.name in client.get("/themes/").content.decode()  # "your communities" link


def test_visible_themes_for_anonymous_are_sitewide_only(alice, bob):
    _corpus()
    community = _community_corpus(alice, members=(bob,))
    _rebuild()
    anonymous = services.visible_themes(AnonymousUser())
    assert anonymous.exists()
    assert not anonymous.filter(community__isnull=False).exists()
    assert services.visible_themes(bob).filter(community=community).exists()


def test_assign_new_items_is_idempotent():
    _corpus()
    _rebuild()
    rng = random.Random(11)
    fresh = [
        ItemFactory(title=f"New recycling {n}", text=_text("recycling", rng)) for n in range(3)
    ]
    stray = ItemFactory(title="Lunar eclipse", text="Telescopes observe the lunar eclipse tonight.")
    for item in [*fresh, stray]:
        serendipity.item_related_update(item.pk)
    made = services.assign_new_items()
    assert made == 3
    assert ThemeItem.objects.filter(item__in=fresh).count() == 3
    assert not ThemeItem.objects.filter(item=stray).exists()
    themes = set(ThemeItem.objects.filter(item__in=fresh).values_list("theme_id", flat=True))
    assert len(themes) == 1
    rows = ThemeItem.objects.count()
    assert services.assign_new_items() == 0
    cache.delete(services.WATERMARK_KEY)  # a lost watermark only costs a second look
    assert services.assign_new_items() == 0
    assert ThemeItem.objects.count() == rows


def test_assign_new_items_without_themes_does_nothing():
    assert services.assign_new_items() == 0


def test_bad_ids_and_params_are_404_not_500(client, mixed):
    assert client.get("/themes/999999/").status_code == 404
    assert client.get("/themes/abc/").status_code == 404
    assert client.get("/themes/99999999999999999999999/").status_code == 404
    assert client.get("/themes/?community=no-such-community").status_code == 404
    assert client.get("/themes/?community=%ff%fe").status_code == 404
    assert client.get("/themes/?community=%00").status_code == 400  # the site-wide NUL guard
    assert client.get(f"/themes/?community={mixed['secret'].slug}").status_code == 404
    url = mixed["theme"].get_absolute_url()
    assert client.get(url + "?page=abc").status_code == 200
    assert client.get(url + "?page=99999").status_code == 200
    assert client.post(url).status_code == 405


def test_faded_theme_page_still_works(client):
    corpus = _corpus()
    _rebuild()
    theme = next(t for t in Theme.objects.all() if _topic_of(t, corpus) == "planning")
    Item.objects.filter(pk__in=[i.pk for i in corpus["planning"]]).update(is_hidden=True)
    _rebuild()
    response = client.get(theme.get_absolute_url())
    assert response.status_code == 200
    assert "This theme has faded" in response.content.decode()


def test_rebuild_with_nothing_to_cluster_makes_no_themes():
    assert services.rebuild_themes()["themes"] == 0
    ItemFactory(title="Lonely", text="One item alone says nothing about themes.")
    serendipity.rebuild()
    result = services.rebuild_themes()
    assert result["themes"] == 0 and result["assigned"] == 0
    assert not Theme.objects.exists()
