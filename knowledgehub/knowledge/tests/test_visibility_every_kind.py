"""Every content kind, every read path, one rule.

``test_visibility_property.py`` proves the two doors (``Item.objects.visible_to`` and
``can_view``) agree on bare Items. This module builds *real* objects of every kind registered
with the knowledge index (through the factories and services), tagged where the kind has tags,
and checks that every page and feed that can show one agrees with ``can_view(viewer, item)``:

- the object's own page and its kind's other per-object pages (downloads, ICS, wiki history, an
  old address that moves) and the generic history page: shown iff ``can_view``, else a 404, for
  anonymous visitors too (no kind sends them to sign in, which would confirm something is
  there); the discussion endpoints: a 404 unless ``can_view`` (anonymous visitors are sent to
  sign in first, whatever the item), and no comment is stored;
- the community home page, the kind's list pages (found through the kind's URL namespace, or
  named in its ``Spec``), the tag page, the author's profile, the site home page and the
  viewer's private feeds: the object's title is there iff ``can_view`` (a page may be a 404 only
  when its community is one the viewer may not know exists);
- the public feeds (site, community, author, tag): built as an anonymous visitor would see them,
  whoever fetches them, so the title is there iff ``can_view(anonymous, item)``;
- the viewer's notifications (every object @mentions every viewer; the former member leaves
  and hidden objects are hidden after the mentions went out): never a title ``can_view`` forbids;
- never a 500.

``test_every_read_path_agrees_with_can_view`` is exhaustive per kind: an object for every place
and audience, all at once, read by every role (none hidden). The hypothesis test samples kind,
place, audience, hidden and role, and also reads the rarer paths (every discussion action,
private feeds, RSS and JSON).
Kinds are taken from the registry, so a new kind is covered as soon as it registers, and the
tests fail until it has a builder in ``SPECS`` below.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, get_resolver, resolve, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from knowledgehub.communities import services as community_services
from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.communities.models import Community
from knowledgehub.core.views import RECENT_ITEMS
from knowledgehub.discussions.models import Comment
from knowledgehub.feeds.models import FeedToken
from knowledgehub.feeds.outgoing import FEED_SIZE
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item, Tag
from knowledgehub.knowledge.registry import index_sync, kinds, unauthored_kinds
from knowledgehub.knowledge.visibility import can_view
from knowledgehub.people.models import User
from knowledgehub.testing.factories import (
    EventFactory,
    MembershipFactory,
    UserFactory,
    blog_post,
    community_with,
    feed_item,
    feed_subscription,
    forum_category,
    forum_thread,
    library_document,
    offer_ask,
    wiki_page,
)

pytestmark = pytest.mark.django_db

Viewer = User | AnonymousUser

ANONYMOUS = "anonymous"
NON_MEMBER = "non-member"
MEMBER = "member"
FACILITATOR = "facilitator"
OWNER = "owner"
FORMER_MEMBER = "former member"
ADMIN = "site admin"
AUTHOR = "author"
ROLES = [ANONYMOUS, NON_MEMBER, MEMBER, FACILITATOR, OWNER, FORMER_MEMBER, ADMIN, AUTHOR]

NO_COMMUNITY = "none"
PLACES = [NO_COMMUNITY, *Visibility.values]  # no community, open, restricted, private, secret
ALL_AUDIENCES = tuple(Audience.values)

REGISTERED = [info.kind for info in kinds()]


def intended(role: str, audience: str, place: str, hidden: bool) -> bool:
    """The rule in words (knowledge/visibility.py), for a world whose author is a member."""
    if role == AUTHOR:
        return True
    if audience == Audience.PRIVATE:
        return False
    if role == ADMIN:
        return True
    if hidden and not (role in (FACILITATOR, OWNER) and place != NO_COMMUNITY):
        return False
    is_member = role in (MEMBER, FACILITATOR, OWNER) and place != NO_COMMUNITY
    if place == Visibility.SECRET and not is_member:
        return False
    if audience == Audience.PUBLIC:
        return True
    if audience == Audience.MEMBERS:
        return role != ANONYMOUS
    return is_member


# --- the stage: communities (or none), a viewer for every role, an author ------------------


@dataclass
class Stage:
    """One author and one viewer per role; for each place, a community (None: no community) in
    which every viewer has their role (so "member" is a member of each of them; the former member
    leaves once the content is made), the author is a member and the owner owns it."""

    author: User
    viewers: dict[str, Viewer]
    communities: dict[str, Community | None]
    tag_name: str  # every object built on this stage is tagged with it (where the kind can be)

    @property
    def body(self) -> str:
        """Every object's text @mentions every signed-in viewer, so their notifications are a
        read path too."""
        names = " ".join(f"@{v.username}" for v in self.viewers.values() if isinstance(v, User))
        return f"What we learned. Thanks to {names} for their help."


def new_user(**kwargs: Any) -> User:
    user: User = UserFactory.create(**kwargs)
    return user


def make_stage(places: Iterable[str], roles: Iterable[str] = ROLES) -> Stage:
    wanted = set(roles)
    author = new_user()
    owner = new_user()
    viewers: dict[str, Viewer] = {AUTHOR: author, OWNER: owner}
    if ANONYMOUS in wanted:
        viewers[ANONYMOUS] = AnonymousUser()
    if ADMIN in wanted:
        viewers[ADMIN] = new_user(is_superuser=True, is_staff=True)
    for role in (NON_MEMBER, MEMBER, FACILITATOR, FORMER_MEMBER):
        if role in wanted:
            viewers[role] = new_user()
    communities: dict[str, Community | None] = {}
    for place in places:
        if place == NO_COMMUNITY:
            communities[place] = None
            continue
        community = community_with(owner, visibility=place)
        # Only members post in a community (offers insist on it).
        MembershipFactory(community=community, user=author)
        if FACILITATOR in viewers:
            MembershipFactory(community=community, user=viewers[FACILITATOR], role=Role.FACILITATOR)
        for role in (MEMBER, FORMER_MEMBER):
            if role in viewers:
                MembershipFactory(community=community, user=viewers[role])
        communities[place] = community
    return Stage(
        author=author,
        viewers=viewers,
        communities=communities,
        tag_name=f"vistag{secrets.token_hex(6)}",
    )


def former_members_leave(stage: Stage) -> None:
    """The former member leaves every community, after the content was made (so anything they
    were told while a member, such as a mention, must now be withheld)."""
    former = stage.viewers.get(FORMER_MEMBER)
    if isinstance(former, User):
        for community in stage.communities.values():
            if community is not None:
                community_services.community_leave(user=former, community=community)


# --- how to build each kind, and where it is listed --------------------------------------------


@dataclass(frozen=True)
class Where:
    author: User
    community: Community | None

    @property
    def slug(self) -> dict[str, str]:
        assert self.community is not None, "this kind lives in a community"
        return {"slug": self.community.slug}

    @property
    def in_community(self) -> Community:
        assert self.community is not None, "this kind lives in a community"
        return self.community


@dataclass(frozen=True)
class Spec:
    # (where, audience, title, body) -> the content object, made as in real use
    build: Callable[[Where, str, str, str], Any]
    personal: bool = False  # may live outside any community
    audiences: tuple[str, ...] = ALL_AUDIENCES
    # The kind's list pages for this object; None: discovered from the kind's URL namespace.
    list_urls: Callable[[Any, Where], list[str]] | None = None
    # Other read paths for this one object (downloads, ICS, its own history…): 404 unless visible.
    object_urls: Callable[[Any, Where], list[str]] = lambda obj, where: []
    # More of them, behind the same check as one in object_urls: only the sampled test reads
    # these, to keep the exhaustive grid quick.
    sampled_object_urls: Callable[[Any, Where], list[str]] = lambda obj, where: []
    # Which (place, audience) pairs the kind can make, when its audience is not free (a feed
    # item takes its subscription's audience).
    supports: Callable[[str, str], bool] = lambda place, audience: True


def _build_blog_post(where: Where, audience: str, title: str, body: str) -> Any:
    return blog_post(
        author=where.author, community=where.community, audience=audience, title=title, body=body
    )


def _build_event(where: Where, audience: str, title: str, body: str) -> Any:
    return EventFactory(
        community=where.in_community,
        organiser=where.author,
        audience=audience,
        title=title,
        description=body,
    )


def _build_document(where: Where, audience: str, title: str, body: str) -> Any:
    return library_document(
        where.in_community, where.author, title=title, audience=audience, description=body
    )


def _build_wiki_page(where: Where, audience: str, title: str, body: str) -> Any:
    from knowledgehub.wiki.models import Page as WikiPage

    # Later pages go under the community's first one, whose page then lists them.
    parent = WikiPage.objects.filter(community=where.in_community).order_by("pk").first()
    return wiki_page(
        community=where.in_community,
        author=where.author,
        title=title,
        body=body,
        audience=audience,
        parent=parent,
    )


def _build_forum_thread(where: Where, audience: str, title: str, body: str) -> Any:
    from knowledgehub.forums.models import Category

    community = where.in_community
    category = Category.objects.filter(community=community).first() or forum_category(
        community=community
    )
    return forum_thread(
        author=where.author, category=category, title=title, body=body, audience=audience
    )


def _build_offer_ask(where: Where, audience: str, title: str, body: str) -> Any:
    return offer_ask(
        author=where.author, community=where.community, audience=audience, title=title, body=body
    )


def _build_feed_item(where: Where, audience: str, title: str, body: str) -> Any:
    """An incoming feed's entry, placed by the subscription that gives it ``audience``: the whole
    site (public), a community (its default audience) or one person's private follow (the
    "author" here is the follower)."""
    if audience == Audience.PRIVATE:
        subscription = feed_subscription(scope="private", user=where.author)
    elif where.community is None:
        subscription = feed_subscription(scope="site")
    else:
        subscription = feed_subscription(scope="community", community=where.community)
    return feed_item(subscription, title=title, summary_html=f"<p>{body}</p>")


def _feed_item_supports(place: str, audience: str) -> bool:
    if audience == Audience.PRIVATE:
        return place == NO_COMMUNITY  # a private follow belongs to no community
    if place == NO_COMMUNITY:
        return audience == Audience.PUBLIC  # site-wide
    # A community's feeds are public in an open community and the community's elsewhere.
    open_place = place == Visibility.OPEN
    return audience == (Audience.PUBLIC if open_place else Audience.COMMUNITY)


def _build_dataset(where: Where, audience: str, title: str, body: str) -> Any:
    """An approved dataset (only those have an Item) with one imported version, so its
    downloads, chart and data API answer; unapproved ones are covered in datasets/tests."""
    from knowledgehub.datasets.tests.builders import make_dataset

    return make_dataset(
        creator=where.author, community=where.community, audience=audience, title=title
    )


def _build_metric(where: Where, audience: str, title: str, body: str) -> Any:
    """A performance metric: its definition is public reference data (its values have their
    own rule, proved in benchmarks/tests/test_value_visibility.py)."""
    from knowledgehub.benchmarks.tests.factories import MetricFactory

    return MetricFactory(title=title, description=body)


def _dataset_urls(obj: Any, where: Where) -> list[str]:
    return [
        reverse("datasets:download", kwargs={"slug": obj.slug, "fmt": "csv"}),
        reverse("datasets:rows", kwargs={"slug": obj.slug}),
    ]


def _dataset_sampled_urls(obj: Any, where: Where) -> list[str]:
    return [
        reverse("datasets:download", kwargs={"slug": obj.slug, "fmt": "xlsx"}),
        reverse("datasets:download", kwargs={"slug": obj.slug, "fmt": "json"}),
        reverse("datasets:chart", kwargs={"slug": obj.slug}),
        reverse("datasets:progress", kwargs={"slug": obj.slug}),
    ]


def _reversible(name: str, **kwargs: Any) -> list[str]:
    """``[reverse(name, kwargs)]``, or ``[]`` while that address does not exist (yet)."""
    try:
        return [reverse(name, kwargs=kwargs)]
    except NoReverseMatch:
        return []


SPECS: dict[str, Spec] = {
    "blog_post": Spec(
        build=_build_blog_post,
        personal=True,
        # The old /blogs/<id>/ address moves to the post's page, for those who may see it only.
        object_urls=lambda obj, where: _reversible("blogs:legacy_detail", pk=obj.pk),
    ),
    "event": Spec(
        build=_build_event,
        list_urls=lambda obj, where: [
            reverse("events:list", kwargs=where.slug),
            reverse("events:calendar", kwargs=where.slug),
            reverse("community_events_ics", kwargs=where.slug),
        ],
        object_urls=lambda obj, where: [reverse("events:ics", kwargs={**where.slug, "pk": obj.pk})],
    ),
    "library_document": Spec(
        build=_build_document,
        object_urls=lambda obj, where: [
            reverse("library:download", kwargs={**where.slug, "pk": obj.pk}),
        ],
        sampled_object_urls=lambda obj, where: [
            reverse("library:version_download", kwargs={**where.slug, "pk": obj.pk, "number": 1}),
        ],
    ),
    "wiki_page": Spec(
        build=_build_wiki_page,
        # The wiki's index, and the parent page, which lists the pages under it.
        list_urls=lambda obj, where: [
            reverse("wiki:index", kwargs=where.slug),
            *([obj.parent.get_absolute_url()] if obj.parent_id else []),
        ],
        object_urls=lambda obj, where: [
            reverse("wiki:history", kwargs={**where.slug, "page_slug": obj.slug}),
        ],
        sampled_object_urls=lambda obj, where: [
            reverse("wiki:diff", kwargs={**where.slug, "page_slug": obj.slug}) + "?from=1&to=1",
        ],
    ),
    "forum_thread": Spec(
        build=_build_forum_thread,
        audiences=(Audience.PUBLIC, Audience.MEMBERS, Audience.COMMUNITY),  # no "only me"
        # The forum index shows categories and counts, not threads: the category page lists them.
        list_urls=lambda obj, where: [obj.category.get_absolute_url()],
    ),
    "offer_ask": Spec(build=_build_offer_ask, personal=True),
    "feed_item": Spec(
        build=_build_feed_item,
        personal=True,
        audiences=(Audience.PUBLIC, Audience.COMMUNITY, Audience.PRIVATE),
        supports=_feed_item_supports,
        # Each entry here comes from its own source, and a source's page lists only that
        # source's entries (checked in the aggregator's tests); the community home, tag page and
        # feeds are checked as for every kind.
        list_urls=lambda obj, where: [],
    ),
    "dataset": Spec(
        build=_build_dataset,
        personal=True,
        # Published data is never "only me": a community keeps a dataset to its members.
        audiences=(Audience.PUBLIC, Audience.MEMBERS, Audience.COMMUNITY),
        object_urls=_dataset_urls,
        sampled_object_urls=_dataset_sampled_urls,
    ),
    "metric": Spec(
        build=_build_metric,
        personal=True,
        audiences=(Audience.PUBLIC,),
        supports=lambda place, audience: place == NO_COMMUNITY,
        list_urls=lambda obj, where: [reverse("benchmarks:index")],
        object_urls=lambda obj, where: [
            reverse("benchmarks:metric", kwargs={"identifier": obj.identifier}) + "?format=csv",
        ],
    ),
}


def spec_for(kind: str) -> Spec:
    if kind not in SPECS:
        pytest.fail(
            f"The content kind {kind!r} is registered with the knowledge index but has no builder "
            "in knowledge/tests/test_visibility_every_kind.py: add one to SPECS so its pages are "
            "checked against the visibility rule."
        )
    return SPECS[kind]


def places_for(spec: Spec) -> list[str]:
    return [p for p in PLACES if spec.personal or p != NO_COMMUNITY]


def valid(audience: str, place: str) -> bool:
    # A community audience needs a community.
    return not (audience == Audience.COMMUNITY and place == NO_COMMUNITY)


def discovered_list_urls(obj: Any, where: Where) -> list[str]:
    """The ``index``/``list`` pages of the URL namespace the object's own page lives in, for the
    object's community or author (so a kind's lists are found without knowing its paths)."""
    namespace = resolve(obj.get_absolute_url()).namespace
    if not namespace:
        return []
    _prefix, sub = get_resolver().namespace_dict[namespace]
    names = sorted(
        n for n in sub.reverse_dict if isinstance(n, str) and ("index" in n or "list" in n)
    )
    candidates: list[dict[str, str]] = [{}]
    if where.community is not None:
        candidates.append({"slug": where.community.slug})
    candidates.append({"username": where.author.username})
    found: list[str] = []
    for name in names:
        for kwargs in candidates:
            try:
                url = reverse(f"{namespace}:{name}", kwargs=kwargs)
            except NoReverseMatch:
                continue
            if url not in found:
                found.append(url)
    return found


@dataclass
class Built:
    obj: Any
    item: Item
    place: str
    community: Community | None
    token: str  # unique, in the title: its presence on a page is exact
    list_urls: list[str]
    object_urls: list[str]
    sampled_object_urls: list[str]
    tagged: bool

    def describe(self) -> str:
        return (
            f"{self.item.kind} (audience={self.item.audience}, place={self.place}, "
            f"hidden={self.item.is_hidden})"
        )


def build(kind: str, stage: Stage, place: str, audience: str, *, hidden: bool = False) -> Built:
    spec = spec_for(kind)
    where = Where(author=stage.author, community=stage.communities[place])
    token = f"vis{secrets.token_hex(8)}"
    obj = spec.build(where, audience, f"Checking {token}", stage.body)
    tagged = _tag(obj, stage.tag_name)
    item = obj.knowledge_item
    assert item is not None, f"{kind} built with audience {audience!r} has no index entry"
    assert item.kind == kind
    assert item.audience == audience
    assert item.url == obj.get_absolute_url()
    if tagged:
        assert item.tags.filter(name=stage.tag_name).exists(), (
            f"{kind} has tags but its Item does not carry them (as_item should list them)"
        )
    if hidden:
        Item.objects.filter(pk=item.pk).update(is_hidden=True, hidden_at=timezone.now())
    item = Item.objects.select_related("community").get(pk=item.pk)
    lists = spec.list_urls(obj, where) if spec.list_urls else discovered_list_urls(obj, where)
    return Built(
        obj=obj,
        item=item,
        place=place,
        community=where.community,
        token=token,
        list_urls=lists,
        object_urls=spec.object_urls(obj, where),
        sampled_object_urls=spec.sampled_object_urls(obj, where),
        tagged=tagged,
    )


def _tag(obj: Any, name: str) -> bool:
    """Tag ``obj`` when its kind has tags (several kinds are gaining them)."""
    try:
        tags_field = type(obj)._meta.get_field("tags")
    except FieldDoesNotExist:
        return False
    if not tags_field.many_to_many or tags_field.related_model is not Tag:
        return False
    with transaction.atomic():
        obj.tags.set(Tag.objects.get_or_create_many([name]))
        index_sync(obj)
    return True


# --- reading pages --------------------------------------------------------------------------


def client_for(viewer: Viewer) -> Client:
    client = Client()
    if isinstance(viewer, User):
        client.force_login(viewer)
    return client


@dataclass
class Page:
    url: str
    status: int
    text: str
    location: str = ""

    def has(self, token: str) -> bool:
        return token in self.text


def fetch(client: Client, url: str, *, post: dict[str, str] | None = None) -> Page:
    cache.clear()  # the page cache is off in tests (conftest); make sure nothing lingers anyway
    response = client.post(url, post) if post is not None else client.get(url)
    assert response.status_code < 500, f"{url} answered {response.status_code}"
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    else:
        body = response.content
    return Page(
        url=url,
        status=response.status_code,
        text=body.decode("utf-8", "replace"),
        location=response.get("Location", ""),
    )


def is_login_redirect(page: Page) -> bool:
    return page.status == 302 and page.location.startswith(reverse("account_login"))


# can_view for (viewer, item), read from a fresh Item as a view would; nothing a check does
# changes who may see what, so each answer is kept until the next check_every_path.
_SEES: dict[tuple[int | None, int], bool] = {}


def fresh_can_view(viewer: Viewer, item: Item) -> bool:
    key = (viewer.pk if isinstance(viewer, User) else None, item.pk)
    if key not in _SEES:
        _SEES[key] = can_view(viewer, Item.objects.select_related("community").get(pk=item.pk))
    return _SEES[key]


def community_known(viewer: Viewer, community: Community | None) -> bool:
    if community is None:
        return True
    return Community.objects.visible_to(viewer).filter(pk=community.pk).exists()


@dataclass
class Report:
    """Where a read path disagreed with can_view: collected, then reported all at once."""

    problems: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.problems.append(what)

    def assert_clean(self) -> None:
        assert not self.problems, f"{len(self.problems)} problems:\n" + "\n".join(self.problems)


def check_object_paths(
    report: Report,
    client: Client,
    viewer: Viewer,
    role: str,
    built: Built,
    *,
    thorough: bool = True,
) -> None:
    """The object's own pages and the discussion endpoints: the object iff can_view, else 404
    (an anonymous visitor may be sent to sign in instead)."""
    item = built.item
    what = built.describe()
    sees = fresh_can_view(viewer, item)
    anonymous = not isinstance(viewer, User)

    detail_url = built.obj.get_absolute_url()
    urls = [detail_url, *built.object_urls]
    if thorough:
        # The generic history page and the discussion endpoints fetch the Item through
        # Item.objects.visible_to whatever its kind; the sampled test reads them for every kind,
        # which keeps the exhaustive grid (the kinds' own pages) quick.
        urls += [*built.sampled_object_urls, reverse("item_history", kwargs={"item_id": item.pk})]
    for url in urls:
        page = fetch(client, url)
        if sees:
            # An old address may move (permanently) to the object's page.
            moved = page.status in (301, 302) and page.location == detail_url
            report.check(
                (page.status == 200 or (moved and url != detail_url))
                and (url != detail_url or page.has(built.token)),
                f"{url} gave {page.status} (title shown: {page.has(built.token)}) to {role}, "
                f"who may see {what}",
            )
        else:
            # What every kind does today, signed in or not: a 404 (a sign-in redirect would
            # confirm that something is there).
            report.check(
                page.status == 404 and not page.has(built.token),
                f"LEAK: {url} gave {page.status} (title shown: {page.has(built.token)}) to "
                f"{role}, who may not see {what}",
            )

    # Discussion: every endpoint 404s when the item is not visible; anonymous visitors are sent
    # to sign in first whatever the item.
    comments_before = Comment.objects.filter(item=item).count()
    actions: list[tuple[str, dict[str, str] | None]] = [
        (reverse("discussions:comment", kwargs={"item_id": item.pk}), {"body": "Hello"}),
        (reverse("discussions:react", kwargs={"item_id": item.pk}), {"kind": ""}),
        (reverse("discussions:report", kwargs={"item_id": item.pk}), None),  # the report form
    ]
    if not thorough:
        # The grid only tries to comment, and only where it must be refused.
        actions = actions[:1] if (anonymous or not sees) else []
    for url, data in actions:
        page = fetch(client, url, post=data)
        verb = "POST" if data is not None else "GET"
        if anonymous:
            report.check(
                is_login_redirect(page) and not page.has(built.token),
                f"{verb} {url} gave {page.status} to an anonymous visitor ({what})",
            )
        elif sees:
            report.check(
                page.status in (200, 302), f"{verb} {url} gave {page.status} to {role} ({what})"
            )
        else:
            report.check(
                page.status == 404 and not page.has(built.token),
                f"LEAK: {verb} {url} gave {page.status} to {role}, who may not see {what}",
            )
    if not sees:
        report.check(
            Comment.objects.filter(item=item).count() == comments_before,
            f"LEAK: {role} commented on {what}, which they may not see",
        )


def check_listing(
    report: Report,
    client: Client,
    viewer: Viewer,
    role: str,
    url: str,
    builts: list[Built],
    *,
    community: Community | None = None,
    as_anonymous: bool = False,
    page_size: int | None = None,
    leak_only: bool = False,
) -> None:
    """A page that lists content: each object's title is there iff the viewer (or, for public
    feeds, an anonymous visitor, whoever fetches them) may see it. The page may be a 404 only when
    it belongs to a community the reader may not know exists. A page showing only its newest
    ``page_size`` entries must show that many of the visible objects (when there are that many)."""
    reader: Viewer = AnonymousUser() if as_anonymous else viewer
    page = fetch(client, url)
    if page.status != 200:
        allowed = page.status == 404 and not community_known(reader, community)
        report.check(allowed, f"{url} gave {page.status} to {role}")
    visible = [b for b in builts if page.status == 200 and fresh_can_view(reader, b.item)]
    shown = [b for b in builts if page.has(b.token)]
    for built in shown:
        report.check(
            built in visible,
            f"LEAK: {url} shows {built.describe()} to {role}, who may not see it"
            + (" (a public feed, read as anonymous)" if as_anonymous else ""),
        )
    if leak_only:
        return
    expected = len(visible) if page_size is None else min(page_size, len(visible))
    hidden_from = [b.describe() for b in visible if b not in shown]
    report.check(
        len([b for b in shown if b in visible]) >= expected,
        f"{url} hides {hidden_from} from {role}, who may see them",
    )


def private_feed_token(viewer: Viewer) -> str | None:
    """The viewer's personal feed token (private feeds are read with their visibility)."""
    if not isinstance(viewer, User):
        return None
    feed_token, _created = FeedToken.objects.get_or_create(user=viewer)
    return feed_token.token


def check_community_listings(
    report: Report,
    client: Client,
    viewer: Viewer,
    role: str,
    community: Community,
    builts: list[Built],
    *,
    thorough: bool = True,
) -> None:
    """The pages of one community: its home page, its feed, and the kind's lists in it (and,
    in the sampled test, the viewer's private feed of it)."""
    check_listing(
        report, client, viewer, role, community.get_absolute_url(), builts, community=community
    )
    check_listing(
        report,
        client,
        viewer,
        role,
        reverse("community_feed", kwargs={"slug": community.slug, "fmt": "atom"}),
        builts,
        community=community,
        as_anonymous=True,
    )
    for url in dict.fromkeys(u for b in builts for u in b.list_urls):
        if community.slug in url:
            check_listing(report, client, viewer, role, url, builts, community=community)
    token = private_feed_token(viewer) if thorough else None
    if token is not None:
        # Fetched without the session: the token alone carries the viewer's visibility.
        check_listing(
            report,
            Client(),
            viewer,
            role,
            reverse(
                "feeds:private_community",
                kwargs={"token": token, "slug": community.slug, "fmt": "atom"},
            ),
            builts,
            community=community,
        )


def check_site_listings(
    report: Report,
    client: Client,
    viewer: Viewer,
    role: str,
    stage: Stage,
    builts: list[Built],
    *,
    thorough: bool = True,
) -> None:
    """Pages that gather content from everywhere: the home page, the author's profile and feed,
    the site feed, the tag page and feed, and the kind's site-wide lists."""
    check_listing(
        report, client, viewer, role, reverse("core:home"), builts, page_size=RECENT_ITEMS
    )
    # What a person wrote: kinds whose Item author is not a writer (a privately followed feed's
    # items belong to their follower) must never be listed there, visible or not.
    unauthored = set(unauthored_kinds())
    authored = [b for b in builts if b.item.kind not in unauthored]
    for built in builts:
        if built.item.kind in unauthored:
            for url in (
                stage.author.get_absolute_url(),
                reverse("person_feed", kwargs={"username": stage.author.username, "fmt": "atom"}),
            ):
                report.check(
                    not fetch(client, url).has(built.token),
                    f"{url} lists {built.describe()} as the person's own work",
                )
    check_listing(
        report, client, viewer, role, stage.author.get_absolute_url(), authored, page_size=10
    )
    formats = ("atom", "rss", "json") if thorough else ("atom",)
    for url in (reverse("site_feed", kwargs={"fmt": fmt}) for fmt in formats):
        check_listing(
            report, client, viewer, role, url, builts, as_anonymous=True, page_size=FEED_SIZE
        )
    check_listing(
        report,
        client,
        viewer,
        role,
        reverse("person_feed", kwargs={"username": stage.author.username, "fmt": "atom"}),
        authored,
        as_anonymous=True,
        page_size=FEED_SIZE,
    )
    if isinstance(viewer, User):
        # Mentions are notified only to people who may see the item, and a notification is
        # listed only while they still may (not every kind notifies: only leaks are checked).
        check_listing(
            report, client, viewer, role, reverse("notifications:list"), builts, leak_only=True
        )
    token = private_feed_token(viewer) if thorough else None
    if token is not None:
        check_listing(
            report,
            Client(),
            viewer,
            role,
            reverse("feeds:private_site", kwargs={"token": token, "fmt": "atom"}),
            builts,
            page_size=FEED_SIZE,
        )
    slugs = {c.slug for c in stage.communities.values() if c is not None}
    for url in dict.fromkeys(u for b in builts for u in b.list_urls):
        if not any(slug in url for slug in slugs):
            check_listing(report, client, viewer, role, url, builts, page_size=10)
    tagged = [b for b in builts if b.tagged]
    if tagged:
        tag = Tag.objects.get(name=stage.tag_name)
        check_listing(
            report,
            client,
            viewer,
            role,
            reverse("tag", kwargs={"tag": tag.slug}),
            tagged,
            page_size=settings.KH_PAGE_SIZE,
        )
        check_listing(
            report,
            client,
            viewer,
            role,
            reverse("tag_feed", kwargs={"tag": tag.slug, "fmt": "atom"}),
            tagged,
            as_anonymous=True,
            page_size=FEED_SIZE,
        )


def check_every_path(
    report: Report,
    stage: Stage,
    builts: list[Built],
    roles: Iterable[str],
    *,
    thorough: bool = True,
) -> None:
    _SEES.clear()
    for role in roles:
        viewer = stage.viewers[role]
        client = client_for(viewer)
        for built in builts:
            # The rule itself, in words, so a kind cannot pass by can_view being too generous.
            # The stage's author is a member of every community; where the item has no author of
            # its own (a site or community feed's entry) that is all they are to it.
            as_role = MEMBER if role == AUTHOR and built.item.author_id != stage.author.pk else role
            report.check(
                fresh_can_view(viewer, built.item)
                == intended(as_role, built.item.audience, built.place, built.item.is_hidden),
                f"can_view disagrees with the rule in words for {role} on {built.describe()}",
            )
            check_object_paths(report, client, viewer, role, built, thorough=thorough)
        for community in stage.communities.values():
            if community is not None:
                in_it = [b for b in builts if b.community == community]
                check_community_listings(
                    report, client, viewer, role, community, in_it, thorough=thorough
                )
        check_site_listings(report, client, viewer, role, stage, builts, thorough=thorough)


# --- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", REGISTERED)
def test_every_registered_kind_has_a_builder(kind: str) -> None:
    spec_for(kind)


def test_no_builder_for_a_kind_that_is_not_registered() -> None:
    assert set(SPECS) <= set(REGISTERED), set(SPECS) - set(REGISTERED)


@pytest.mark.parametrize("kind", REGISTERED)
def test_every_read_path_agrees_with_can_view(kind: str) -> None:
    """Exhaustive for one kind: an object for every place and audience it allows (all at once,
    so a list leaking across audiences or communities shows up), read by every role."""
    spec = spec_for(kind)
    places = places_for(spec)
    stage = make_stage(places)
    builts = [
        build(kind, stage, place, audience)
        for place in places
        for audience in spec.audiences
        if valid(audience, place) and spec.supports(place, audience)
    ]
    former_members_leave(stage)
    report = Report()
    check_every_path(report, stage, builts, ROLES, thorough=False)
    report.assert_clean()


COMBINATIONS = [
    (kind, place, audience)
    for kind in REGISTERED
    if kind in SPECS
    for place in places_for(SPECS[kind])
    for audience in SPECS[kind].audiences
    if valid(audience, place) and SPECS[kind].supports(place, audience)
]


@hypothesis_settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    combination=st.sampled_from(COMBINATIONS),
    hidden=st.booleans(),
    role=st.sampled_from(ROLES),
)
def test_sampled_combinations_agree_with_can_view(
    combination: tuple[str, str, str], hidden: bool, role: str
) -> None:
    """Any kind, place, audience, moderation state and role, read through every path and every
    discussion action."""
    kind, place, audience = combination
    stage = make_stage([place], roles=[role])
    built = build(kind, stage, place, audience, hidden=hidden)
    former_members_leave(stage)
    report = Report()
    check_every_path(report, stage, [built], [role])
    report.assert_clean()
