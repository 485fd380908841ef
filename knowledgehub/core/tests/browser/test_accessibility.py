"""Every page passes axe-core's WCAG 2.0-2.2 A and AA rules (and its best-practice rules:
landmarks, heading order, regions), logs no console error or CSP violation, and reflows without
horizontal scrolling at 320 CSS pixels (WCAG 1.4.10), on a phone and on a desktop.

axe-core is evaluated through the DevTools protocol (``page.evaluate``), which is not subject to
the Content-Security-Policy, so the policy under test stays exactly as served.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings as django_settings
from django.urls import reverse

from knowledgehub.blogs.services import post_create
from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.core.models import OutboxMessage
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Tag
from knowledgehub.organisations.choices import OrganisationType
from knowledgehub.testing.factories import (
    CommunityFactory,
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

from .helpers import log_in, unexpected

pytestmark = pytest.mark.browser

AXE_SOURCE = (
    Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
).read_text(encoding="utf-8")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# The outermost elements that stick out past the viewport, to say what breaks reflow.
WIDEST_ELEMENTS = """(width) => {
  const out = [];
  const sticksOut = (el) => el && el.getBoundingClientRect().right > width + 1;
  for (const el of document.body.querySelectorAll('*')) {
    if (sticksOut(el) && !sticksOut(el.parentElement)) {
      const classes = el.className ? '.' + String(el.className).split(' ').join('.') : '';
      const right = Math.round(el.getBoundingClientRect().right);
      out.push(el.tagName.toLowerCase() + classes + ' ' + right + 'px');
    }
  }
  return out.slice(0, 5);
}"""

AXE_RUN = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
  });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(' '), summary: n.failureSummary})),
  }));
}"""
REFLOW_WIDTH = 320


@dataclass
class Site:
    """A small but complete platform: every page has something to show."""

    alice: Any  # owns both communities
    bob: Any  # facilitator of the restricted community, member of the open one
    carol: Any  # belongs to nothing; has an invitation waiting
    open_community: Any
    restricted: Any
    invitation: Any
    post: Any
    county: Any
    outbox_message: Any
    confirm_email_url: str
    reset_password_url: str


@pytest.fixture
def site(settings: Any) -> Site:
    # The local outbox is the e-mail backend, so its pages (and footer link) exist.
    settings.EMAIL_BACKEND = "knowledgehub.core.mail.OutboxBackend"
    county = OrganisationFactory(
        code="E10000099", name="Testshire County Council", type=OrganisationType.COUNTY
    )
    council = OrganisationFactory(
        code="E07000099",
        name="Exampleton District Council",
        type=OrganisationType.DISTRICT,
        parent=county,
        website="https://exampleton.gov.uk",
    )
    OrganisationFactory.create_batch(3)
    OrganisationFactory(
        code="green-futures",
        name="Green Futures Trust",
        type=OrganisationType.CHARITY,
        nation="",
        region="",
        population=None,
        description="A charity that helps councils cut waste.",
    )
    alice = UserFactory(
        username="alice",
        name="Alice Adams",
        organisation=council,
        bio="I run the waste team.\nAsk me about food waste.",
        experience="Procurement of collection contracts.",
        looking_for="Councils that have trialled weekly food waste collections.",
    )
    alice.interests.set(Tag.objects.get_or_create_many(["food waste", "recycling"]))
    alice.skills.set(Tag.objects.get_or_create_many(["procurement"]))
    bob = UserFactory(username="bob", name="Bob Brown", organisation=county)
    carol = UserFactory(username="carol", name="Carol Clark")
    open_community = CommunityFactory(
        name="Food waste collection",
        slug="food-waste",
        description="Councils comparing food waste collection.\nAll welcome.",
        visibility=Visibility.OPEN,
        created_by=alice,
        is_demo=True,  # so every page shows the demonstration-site banner
    )
    MembershipFactory(community=open_community, user=alice, role=Role.OWNER)
    MembershipFactory(community=open_community, user=bob, role=Role.MEMBER)
    restricted = CommunityFactory(
        name="Housing benefit data",
        slug="housing-data",
        visibility=Visibility.RESTRICTED,
        created_by=alice,
    )
    MembershipFactory(community=restricted, user=alice, role=Role.OWNER)
    MembershipFactory(community=restricted, user=bob, role=Role.FACILITATOR)
    for member in UserFactory.create_batch(2):
        MembershipFactory(community=restricted, user=member, role=Role.MEMBER)
    JoinRequestFactory(
        community=restricted, user=UserFactory(name="Dan Dixon"), message="I work on this too."
    )
    InvitationFactory(community=restricted, email="erin@example.org", invited_by=bob)
    invitation = InvitationFactory(community=open_community, email=carol.email, invited_by=alice)
    post = post_create(
        author=alice,
        title="What we learned from weekly food waste collection",
        body="We tried **weekly** collections.\n\n- fewer complaints\n- more tonnage\n\n"
        "Read [the report](https://example.org/report).",
        audience=Audience.PUBLIC,
        community=open_community,
        tags=["food waste"],
    )
    from knowledgehub.discussions.models import Comment
    from knowledgehub.testing.factories import (
        EventFactory,
        forum_category,
        forum_thread,
        library_document,
        wiki_page,
    )

    home = wiki_page(
        community=open_community, author=alice, title="Start here", body="See [[Rounds]]."
    )
    wiki_page(community=open_community, author=alice, title="Rounds", body="x", parent=home)
    from knowledgehub.wiki.services import page_update

    page_update(
        page=home,
        editor=bob,
        title="Start here",
        body="See [[Rounds]] and [[Nope]].",
        audience=Audience.PUBLIC,
        base_revision=home.revision_number,
        note="More links",
    )
    category = forum_category(community=open_community, name="General")
    thread = forum_thread(author=alice, category=category, title="Caddy liners?")
    from knowledgehub.forums.services import reply_create, reply_edit

    reply = reply_create(thread=thread, author=bob, body="We use **compostable** ones.")
    reply_edit(reply=reply, editor=bob, body="We use **compostable** ones, from a local firm.")
    EventFactory(community=open_community, organiser=alice, title="Show and tell")
    from knowledgehub.library.services import folder_create

    folder = folder_create(community=open_community, name="Contracts", created_by=alice)
    library_document(open_community, alice, audience=Audience.PUBLIC, folder=folder)
    from knowledgehub.offers.services import offer_ask_create, offer_ask_edit

    offer = offer_ask_create(
        author=alice,
        kind="ask",
        title="Review our leaflet?",
        body="Two sides of A5.",
        audience=Audience.PUBLIC,
        community=open_community,
        tags=["food waste"],
    )
    offer_ask_edit(
        offer_ask=offer,
        editor=alice,
        kind="ask",
        title=offer.title,
        body="Two sides of A5, plain English.",
        audience=Audience.PUBLIC,
        community=open_community,
        tags=["food waste"],
    )

    first = Comment.objects.create(item=post.knowledge_item, author=bob, body="Same **here**.")
    Comment.objects.create(item=post.knowledge_item, author=alice, body="Thanks!", parent=first)
    Comment.objects.create(
        item=post.knowledge_item, author=carol, body="Hidden one", is_hidden=True
    )
    # Incoming feeds: a site-wide one with an entry, a community one, a private follow, and an
    # OPML import half done.
    from knowledgehub.aggregator.models import OpmlImport
    from knowledgehub.testing.factories import feed_item, feed_subscription

    site_feed = feed_subscription(url="https://news.example.org/feed.xml", scope="site")
    feed_item(site_feed, title="Councils trial four-day weeks", summary_html="<p>A trial.</p>")
    feed_subscription(
        url="https://waste.example.org/rss", scope="community", community=open_community
    )
    feed_subscription(url="https://blog.example.org/atom", scope="private", user=alice)
    OpmlImport.objects.create(
        created_by=alice,
        scope="private",
        outlines=[{"url": "https://a.example.org/feed", "title": "A"}],
        status="running",
        done=1,
        total=3,
        failed=[{"url": "https://b.example.org/feed", "error": "The server answered 404."}],
    )
    # bob follows alice and a topic, so his stream and lists have something in them.
    from knowledgehub.follows.services import follow

    follow(bob, alice)
    follow(bob, Tag.objects.get(slug="food-waste"))
    # A mention (a notification for bob), a report for the facilitators, and edit history.
    from knowledgehub.discussions.services import comment_add, report_create
    from knowledgehub.knowledge.history import record_revision

    comment_add(item=post.knowledge_item, author=alice, body="@bob, what did you find?")
    report_create(item=post.knowledge_item, reporter=bob, reason="The link is broken.")
    record_revision(post, editor=alice, title=post.title, body="We tried weekly collections.")
    record_revision(post, editor=alice, title=post.title, body=post.body, note="Added the list")
    outbox_message = OutboxMessage.objects.create(
        to=carol.email,
        from_email=settings.DEFAULT_FROM_EMAIL,
        subject="Alice Adams invites you to join Food waste collection",
        body="Open this link: http://localhost/communities/invitations/abc/",
    )
    unverified = EmailAddress.objects.create(
        user=carol, email="carol.new@example.org", verified=False, primary=False
    )
    confirm_key = EmailConfirmationHMAC(unverified).key
    reset_key = default_token_generator.make_token(carol)
    # The serendipity engine: related items and people, and a theme over the public items (too
    # few items here for clustering to find one, so it is made directly).
    from knowledgehub.knowledge.models import Item
    from knowledgehub.serendipity.people import rebuild_people
    from knowledgehub.serendipity.services import rebuild
    from knowledgehub.themes.models import Theme, ThemeItem

    rebuild()
    rebuild_people()
    theme = Theme.objects.create(
        label="food waste, caddy liners, collections",
        keywords=["food waste", "caddy liners", "collections", "crews"],
        size=3,
    )
    for item in Item.objects.filter(audience=Audience.PUBLIC).order_by("pk")[:6]:
        ThemeItem.objects.create(theme=theme, item=item, score=0.5)
    # Datasets: one approved, one waiting for bob, who is a data steward.
    from django.contrib.auth.models import Permission

    from knowledgehub.datasets.tests.builders import make_dataset

    bob.user_permissions.add(
        Permission.objects.get(codename="approve_dataset", content_type__app_label="datasets")
    )
    make_dataset(creator=alice, title="Household recycling rates", tags=("recycling",))
    make_dataset(creator=alice, title="Fly-tipping incidents", status="submitted")
    _benchmarks(alice, bob, council)
    _open_platform(alice, bob)
    return Site(
        alice=alice,
        bob=bob,
        carol=carol,
        open_community=open_community,
        restricted=restricted,
        invitation=invitation,
        post=post,
        county=county,
        outbox_message=outbox_message,
        confirm_email_url=reverse("account_confirm_email", kwargs={"key": confirm_key}),
        reset_password_url=reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(carol), "key": reset_key},
        ),
    )


def _fill_and_submit(fields: dict[str, str], button: str) -> Callable[[Any], None]:
    """An action that fills labelled fields on the page and presses a button in <main>."""

    def act(page: Any) -> None:
        main = page.get_by_role("main")
        for label, value in fields.items():
            main.get_by_label(label, exact=True).fill(value)
        with page.expect_navigation():
            main.get_by_role("button", name=button).click()
        assert main.locator(".govuk-error-summary").count() == 1, "no error summary shown"

    return act


def _preview(page: Any) -> None:
    """Fill the blog form and press Preview: the page comes back with the rendered post."""
    main = page.get_by_role("main")
    main.get_by_label("Title", exact=True).fill("A draft")
    main.get_by_label("Post", exact=True).fill("Some **bold** text")
    with page.expect_navigation():
        main.get_by_role("button", name="Preview").click()
    assert main.locator("strong", has_text="bold").count() >= 1, "no preview shown"


def _without_csrf_cookie(page: Any) -> None:
    page.context.clear_cookies(name=django_settings.CSRF_COOKIE_NAME)
    with page.expect_navigation():
        page.get_by_role("main").get_by_role("button", name="Sign in").click()


@dataclass(frozen=True)
class Visit:
    path: str | Callable[[Site], str]
    who: str = ""  # a Site attribute naming the signed-in person; empty for signed out
    action: Callable[[Any], None] | None = None  # run after loading, before checking
    status: int = 200  # of the page checked


def _forum_thread_url(s: Any) -> str:
    from knowledgehub.forums.models import Thread

    return str(Thread.objects.get(title="Caddy liners?").get_absolute_url())


def _benchmarks(alice: Any, bob: Any, council: Any) -> None:
    """Two metrics with three years of figures for every test council; alice speaks for her
    council, which shares one figure with a club; bob is a data steward."""
    from django.contrib.auth.models import Permission

    from knowledgehub.benchmarks.choices import Polarity, Sharing
    from knowledgehub.benchmarks.models import CouncilContributor
    from knowledgehub.benchmarks.tests.factories import ClubFactory, MetricFactory, ValueFactory
    from knowledgehub.organisations.models import Organisation

    bob.user_permissions.add(
        Permission.objects.get(codename="import_values", content_type__app_label="benchmarks")
    )
    councils = list(Organisation.objects.councils().order_by("code"))
    club = ClubFactory(slug="waste-club", name="Waste club", councils=councils)
    CouncilContributor.objects.create(user=alice, organisation=council)
    rate = MetricFactory(identifier="recycling-rate", title="Recycling rate", is_context=False)
    waste = MetricFactory(
        identifier="residual-waste", title="Residual waste", unit="kg", polarity=Polarity.LOWER
    )
    people = MetricFactory(identifier="population", title="Population", is_context=True, unit="")
    for i, org in enumerate(councils):
        for year in (2022, 2023, 2024):
            period = f"{year}/{(year + 1) % 100:02d}"
            ValueFactory(metric=rate, organisation=org, period=period, value=30 + 4 * i + year % 7)
            ValueFactory(metric=waste, organisation=org, period=period, value=500 - 9 * i)
        ValueFactory(metric=people, organisation=org, period="2024/25", value=90_000 + 7_000 * i)
    ValueFactory(
        metric=rate,
        organisation=council,
        period="2025/26",
        value=51.5,
        sharing=Sharing.CLUB,
        club=club,
    )


def _open_platform(alice: Any, bob: Any) -> None:
    """The developer pages: alice has a personal token, an OAuth application (which bob has
    authorised) and a webhook with a delivery in its log."""
    import datetime as dt

    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model, get_application_model

    from knowledgehub.api.models import PersonalAccessToken
    from knowledgehub.webhooks.models import Webhook, WebhookDelivery

    PersonalAccessToken.issue(user=alice, name="Weekly report script", scope="read")
    PersonalAccessToken.issue(
        user=alice, name="Old script", scope="write", expires_at=timezone.now() + dt.timedelta(1)
    )[0].revoke()
    Application = get_application_model()
    app = Application.objects.create(
        user=alice,
        name="Report Builder",
        redirect_uris=OAUTH_REDIRECT,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        algorithm=Application.NO_ALGORITHM,
        hash_client_secret=True,
    )
    get_access_token_model().objects.create(
        user=bob,
        application=app,
        token="browser-test-access-token",
        scope="read",
        expires=timezone.now() + dt.timedelta(hours=1),
    )
    webhook = Webhook(owner=alice, url="https://hooks.example.com/in")  # no address check
    webhook.set_events(["item.created", "member.joined"])
    webhook.save()
    WebhookDelivery.objects.create(
        webhook=webhook,
        event="item.created",
        key="item.created:1",
        payload={"event": "item.created"},
        status="succeeded",
        attempts=1,
        last_status_code=200,
        delivered_at=timezone.now(),
    )
    WebhookDelivery.objects.create(
        webhook=webhook,
        event="member.joined",
        key="member.joined:1",
        payload={"event": "member.joined"},
        status="failed",
        attempts=2,
        last_status_code=500,
        last_error="The server answered 500.",
    )


OAUTH_REDIRECT = "https://client.example/callback"


def _app_url(s: Any) -> str:
    from oauth2_provider.models import get_application_model

    return f"/developers/apps/{get_application_model().objects.get(name='Report Builder').pk}/"


def _consent_url(s: Any) -> str:
    import base64
    import hashlib
    from urllib.parse import urlencode

    from oauth2_provider.models import get_application_model

    app = get_application_model().objects.get(name="Report Builder")
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": OAUTH_REDIRECT,
        "scope": "read",
        "code_challenge": base64.urlsafe_b64encode(hashlib.sha256(b"a" * 43).digest())
        .rstrip(b"=")
        .decode("ascii"),
        "code_challenge_method": "S256",
        "state": "x",
    }
    return "/oauth/authorize/?" + urlencode(query)


def _webhook_url(s: Any) -> str:
    from knowledgehub.webhooks.models import Webhook

    return str(Webhook.objects.get(url="https://hooks.example.com/in").get_absolute_url())


def _dataset_slug(title: str) -> str:
    from knowledgehub.datasets.models import Dataset

    return str(Dataset.objects.get(title=title).slug)


def _created(fields: dict[str, str], button: str, shown: str) -> Callable[[Any], None]:
    """An action that fills a form and submits it; the page that answers shows ``shown`` once
    (a new token or client secret)."""

    def act(page: Any) -> None:
        main = page.get_by_role("main")
        for label, value in fields.items():
            main.get_by_label(label, exact=True).fill(value)
        with page.expect_navigation():
            main.get_by_role("button", name=button).click()
        assert main.get_by_text(shown).count() >= 1, f"{shown!r} not shown"

    return act


def _shows(*selectors: str) -> Callable[[Any], None]:
    """An action that checks the loaded page shows each of ``selectors`` (in <main>)."""

    def act(page: Any) -> None:
        for selector in selectors:
            assert page.get_by_role("main").locator(selector).count(), f"no {selector} shown"

    return act


def _dataset_url(title: str) -> str:
    from knowledgehub.datasets.models import Dataset

    return str(Dataset.objects.get(title=title).get_absolute_url())


def _theme_url(s: Any) -> str:
    from knowledgehub.themes.models import Theme

    return f"/themes/{Theme.objects.get(label__startswith='food waste').pk}/"


def _event_url(s: Any) -> str:
    from knowledgehub.events.models import Event

    return str(Event.objects.get(title="Show and tell").get_absolute_url())


def _document_url(s: Any) -> str:
    from knowledgehub.library.models import Document

    return str(Document.objects.get().get_absolute_url())


def _unsubscribe_url(s: Any) -> str:
    from knowledgehub.notifications.emails import unsubscribe_token

    return f"/notifications/unsubscribe/{unsubscribe_token(s.bob, 'mention')}/"


def _saved_search_url(s: Any, action: str) -> str:
    from knowledgehub.search.models import SavedSearch

    saved = SavedSearch.objects.get_or_create(
        user=s.alice, name="Food waste news", defaults={"query": "food waste", "filters": {}}
    )[0]
    return f"/search/saved/{saved.pk}/{action}"


def _feed_source_url() -> str:
    from knowledgehub.aggregator.models import FeedSource

    return str(FeedSource.objects.get(url="https://news.example.org/feed.xml").get_absolute_url())


def _feed_item_url() -> str:
    from knowledgehub.aggregator.models import FeedItem

    return str(FeedItem.objects.get().get_absolute_url())


def _feed_unsubscribe_url() -> str:
    from knowledgehub.aggregator.models import Subscription

    return f"/feeds/subscriptions/{Subscription.objects.get(scope='private').pk}/stop/"


def _opml_job_url() -> str:
    from knowledgehub.aggregator.models import OpmlImport

    return f"/feeds/opml/{OpmlImport.objects.get().pk}/"


def _first_reply_url(s: Any, action: str) -> str:
    from knowledgehub.forums.models import Thread

    thread = Thread.objects.get(title="Caddy liners?")
    reply = thread.replies.order_by("pk").last()
    return f"{thread.get_absolute_url()}r/{reply.pk}/{action}/"


def _folder_url(s: Any, action: str) -> str:
    from knowledgehub.library.models import Folder

    folder = Folder.objects.filter(community=s.open_community).order_by("pk").first()
    return f"/communities/{s.open_community.slug}/library/f/{folder.pk}/{action}/"


def _offer_url(s: Any) -> str:
    from knowledgehub.offers.models import OfferAsk

    return str(OfferAsk.objects.get(title="Review our leaflet?").get_absolute_url())


def _item_history_of(url_of: Callable[[Any], str]) -> Callable[[Any], str]:
    def history(s: Any) -> str:
        from knowledgehub.knowledge.models import Item

        return f"/items/{Item.objects.get(url=url_of(s)).pk}/history/"

    return history


VISITS: dict[str, Visit] = {
    # Home, static pages and errors
    "home": Visit("/"),
    "dashboard-invited": Visit("/", who="carol"),
    "dashboard-owner": Visit("/", who="alice"),
    "accessibility-statement": Visit("/accessibility"),
    "not-found": Visit("/no-such-page/", status=404),
    "csrf-failure": Visit("/accounts/login/", action=_without_csrf_cookie, status=403),
    # Communities
    "communities": Visit("/communities/"),
    "communities-signed-in": Visit("/communities/", who="bob"),
    "community-new": Visit("/communities/new/", who="alice"),
    "community-new-errors": Visit(
        "/communities/new/", who="alice", action=_fill_and_submit({}, "Create community")
    ),
    "community-signed-out": Visit(lambda s: s.open_community.get_absolute_url()),
    "community-outsider": Visit(lambda s: s.open_community.get_absolute_url(), who="carol"),
    "community-member": Visit(lambda s: s.open_community.get_absolute_url(), who="bob"),
    "community-restricted-outsider": Visit(lambda s: s.restricted.get_absolute_url(), who="carol"),
    "community-facilitator": Visit(lambda s: s.restricted.get_absolute_url(), who="bob"),
    "community-invite-errors": Visit(
        lambda s: s.restricted.get_absolute_url(),
        who="bob",
        action=_fill_and_submit({"E-mail address": "not an address"}, "Send invitation"),
        status=400,
    ),
    "members-owner": Visit(lambda s: f"/communities/{s.restricted.slug}/members/", who="alice"),
    "members-signed-out": Visit(lambda s: f"/communities/{s.open_community.slug}/members/"),
    "request-to-join": Visit(lambda s: f"/communities/{s.restricted.slug}/request/", who="carol"),
    "invitation": Visit(lambda s: s.invitation.get_absolute_url(), who="carol"),
    # People
    "people": Visit("/people/"),
    "people-signed-in": Visit("/people/", who="bob"),
    "person": Visit("/people/alice/"),
    "person-self": Visit("/people/alice/", who="alice"),
    "profile-edit": Visit("/people/me/edit/", who="alice"),
    "private-feeds": Visit("/feeds/mine/", who="alice"),
    "wiki-index": Visit(lambda s: f"/communities/{s.open_community.slug}/wiki/"),
    "wiki-page": Visit(lambda s: f"/communities/{s.open_community.slug}/wiki/start-here/"),
    "wiki-edit": Visit(
        lambda s: f"/communities/{s.open_community.slug}/wiki/start-here/edit/", who="alice"
    ),
    "wiki-new": Visit(lambda s: f"/communities/{s.open_community.slug}/wiki/new/", who="alice"),
    "wiki-history": Visit(
        lambda s: f"/communities/{s.open_community.slug}/wiki/start-here/history/"
    ),
    "wiki-diff": Visit(
        lambda s: f"/communities/{s.open_community.slug}/wiki/start-here/diff/?from=1&to=2"
    ),
    "forums": Visit(lambda s: f"/communities/{s.open_community.slug}/forums/"),
    "forum-category": Visit(
        lambda s: f"/communities/{s.open_community.slug}/forums/general/", who="alice"
    ),
    "forum-new-thread": Visit(
        lambda s: f"/communities/{s.open_community.slug}/forums/general/new/", who="alice"
    ),
    "forum-thread": Visit(_forum_thread_url, who="alice"),
    "forum-thread-signed-out": Visit(_forum_thread_url),
    "forum-thread-edit": Visit(lambda s: _forum_thread_url(s) + "edit/", who="alice"),
    "forum-thread-edit-errors": Visit(
        lambda s: _forum_thread_url(s) + "edit/",
        who="alice",
        action=_fill_and_submit({"Title": ""}, "Save changes"),
        status=400,
    ),
    "forum-thread-delete": Visit(lambda s: _forum_thread_url(s) + "delete/", who="alice"),
    "forum-reply-edit": Visit(lambda s: _first_reply_url(s, "edit"), who="bob"),
    "forum-reply-delete": Visit(lambda s: _first_reply_url(s, "delete"), who="bob"),
    "forum-reply-history": Visit(lambda s: _first_reply_url(s, "history")),
    "forum-thread-history": Visit(_item_history_of(_forum_thread_url)),
    "events": Visit(lambda s: f"/communities/{s.open_community.slug}/events/"),
    "event": Visit(_event_url, who="alice"),
    "event-new": Visit(lambda s: f"/communities/{s.open_community.slug}/events/new/", who="alice"),
    "library": Visit(lambda s: f"/communities/{s.open_community.slug}/library/"),
    "library-upload": Visit(
        lambda s: f"/communities/{s.open_community.slug}/library/upload/", who="alice"
    ),
    "document": Visit(_document_url, who="alice"),
    "document-edit": Visit(lambda s: _document_url(s) + "edit/", who="alice"),
    "document-delete": Visit(lambda s: _document_url(s) + "delete/", who="alice"),
    "document-history": Visit(_item_history_of(_document_url)),
    "folder-edit": Visit(lambda s: _folder_url(s, "edit"), who="alice"),
    "folder-delete-not-empty": Visit(lambda s: _folder_url(s, "delete"), who="alice"),
    "event-history": Visit(_item_history_of(_event_url)),
    "event-edit": Visit(lambda s: _event_url(s) + "edit/", who="alice"),
    "offer": Visit(_offer_url, who="alice"),
    "offer-edit": Visit(lambda s: _offer_url(s) + "edit/", who="alice"),
    "offer-delete": Visit(lambda s: _offer_url(s) + "delete/", who="alice"),
    "offer-history": Visit(_item_history_of(_offer_url)),
    "offers": Visit("/offers/"),
    "offers-new": Visit("/offers/new/", who="alice"),
    "report": Visit(lambda s: f"/items/{s.post.knowledge_item.pk}/report/", who="bob"),
    "tag": Visit("/tags/food-waste/"),
    "feeds": Visit("/feeds/"),
    "feeds-signed-in": Visit("/feeds/", who="alice"),
    "feeds-community": Visit(lambda s: f"/feeds/?community={s.open_community.slug}", who="bob"),
    "feed-subscribe": Visit("/feeds/subscribe/", who="alice"),
    "feed-subscribe-errors": Visit(
        "/feeds/subscribe/",
        who="alice",
        action=_fill_and_submit({"Address of the feed or web page": "ftp://nope"}, "Follow"),
        status=400,
    ),
    "feed-source": Visit(lambda s: _feed_source_url()),
    "feed-item": Visit(lambda s: _feed_item_url()),
    "feed-unsubscribe": Visit(lambda s: _feed_unsubscribe_url(), who="alice"),
    "opml-import": Visit("/feeds/opml/import/", who="alice"),
    "opml-job": Visit(lambda s: _opml_job_url(), who="alice"),
    "notifications": Visit("/notifications/", who="bob"),
    "stream": Visit("/follows/stream/", who="bob"),
    "stream-relevant": Visit("/follows/stream/?order=relevant", who="bob"),
    "followers": Visit("/follows/people/alice/followers/"),
    "following": Visit("/follows/people/bob/following/", who="bob"),
    "notification-settings": Visit("/notifications/settings/", who="bob"),
    "unsubscribe": Visit(lambda s: _unsubscribe_url(s)),
    "unsubscribe-bad-token": Visit("/notifications/unsubscribe/not-a-token/", status=400),
    "search": Visit("/search/?q=weekly+food+waste"),
    "search-signed-in": Visit("/search/?q=food", who="alice"),
    "search-no-results": Visit("/search/?q=zzzyzzx"),
    "search-bad-date": Visit("/search/?q=food&from=31/2/2025", status=400),
    "search-suggest": Visit("/search/suggest?q=foo"),
    "saved-searches": Visit("/search/saved/", who="alice"),
    "saved-search-edit": Visit(lambda s: _saved_search_url(s, ""), who="alice"),
    "saved-search-delete": Visit(lambda s: _saved_search_url(s, "delete/"), who="alice"),
    "moderation": Visit("/moderation/", who="alice"),
    "moderation-resolved": Visit("/moderation/?status=resolved", who="alice"),
    "item-history": Visit(lambda s: f"/items/{s.post.knowledge_item.pk}/history/"),
    "item-diff": Visit(lambda s: f"/items/{s.post.knowledge_item.pk}/history/diff/?from=1&to=2"),
    "profile-edit-errors": Visit(
        "/people/me/edit/",
        who="alice",
        action=_fill_and_submit({"Full name": "", "Interests": "x" * 61}, "Save profile"),
    ),
    # Organisations
    "organisations": Visit("/organisations/"),
    "organisation-council": Visit(lambda s: s.county.get_absolute_url()),
    "organisation-partner": Visit("/organisations/green-futures/", who="bob"),
    "organisation-new": Visit("/organisations/new/", who="bob"),
    "organisation-new-errors": Visit(
        "/organisations/new/",
        who="bob",
        action=_fill_and_submit({"Website": "not a website"}, "Add organisation"),
    ),
    # Blogs
    "blog-post": Visit(lambda s: s.post.get_absolute_url()),
    "blog-new": Visit("/blogs/new/", who="alice"),
    "blog-new-errors": Visit(
        "/blogs/new/", who="alice", action=_fill_and_submit({}, "Save post"), status=400
    ),
    "blog-preview": Visit("/blogs/new/", who="alice", action=_preview),
    "community-blog": Visit(lambda s: f"/communities/{s.open_community.slug}/blog/"),
    "community-blog-new": Visit(
        lambda s: f"/communities/{s.open_community.slug}/blog/new/", who="alice"
    ),
    "blog-post-edit": Visit(lambda s: s.post.get_edit_url(), who="alice"),
    "blog-post-delete": Visit(lambda s: s.post.get_delete_url(), who="alice"),
    "blog-post-add-file": Visit(lambda s: s.post.get_attachment_add_url(), who="alice"),
    "person-blog": Visit("/people/alice/blog/"),
    "person-blog-own": Visit("/people/alice/blog/", who="alice"),
    # Local e-mail outbox
    "outbox": Visit("/outbox/"),
    "outbox-message": Visit(lambda s: f"/outbox/{s.outbox_message.pk}/"),
    # Accounts (django-allauth)
    "login": Visit("/accounts/login/"),
    "login-errors": Visit(
        "/accounts/login/",
        action=_fill_and_submit(
            {"Email": "alice@example.org", "Password": "wrong password"}, "Sign in"
        ),
    ),
    "signup": Visit("/accounts/signup/"),
    "signup-errors": Visit(
        "/accounts/signup/",
        action=_fill_and_submit(
            {"Email": "alice@example.org", "Username": "admin", "Password": "123"}, "Sign up"
        ),
    ),
    "verification-sent": Visit("/accounts/confirm-email/"),
    "confirm-email": Visit(lambda s: s.confirm_email_url),
    "password-reset": Visit("/accounts/password/reset/"),
    "password-reset-errors": Visit(
        "/accounts/password/reset/",
        action=_fill_and_submit({"Email": "not an address"}, "Reset my password"),
    ),
    "password-reset-done": Visit("/accounts/password/reset/done/"),
    "password-reset-from-key": Visit(lambda s: s.reset_password_url),
    "password-reset-from-key-done": Visit("/accounts/password/reset/key/done/"),
    "email": Visit("/accounts/email/", who="carol"),
    "password-change": Visit("/accounts/password/change/", who="alice"),
    "password-change-errors": Visit(
        "/accounts/password/change/",
        who="alice",
        action=_fill_and_submit({"Current Password": "wrong"}, "Change password"),
    ),
    "reauthenticate": Visit("/accounts/reauthenticate/", who="alice"),
    "logout": Visit("/accounts/logout/", who="alice"),
    "inactive": Visit("/accounts/inactive/"),
    "third-party-accounts": Visit("/accounts/3rdparty/", who="alice"),
    "third-party-login-error": Visit("/accounts/3rdparty/login/error/", status=401),
    "third-party-login-cancelled": Visit("/accounts/3rdparty/login/cancelled/"),
    # Serendipity: themes, trends, heat maps, catch-up summaries
    "themes": Visit("/themes/"),
    "themes-signed-in": Visit("/themes/", who="bob"),
    "community-themes": Visit(lambda s: f"/themes/?community={s.open_community.slug}", who="alice"),
    "theme": Visit(_theme_url),
    "theme-signed-in": Visit(_theme_url, who="bob"),
    "trends": Visit("/trends/"),
    "trends-signed-in": Visit("/trends/", who="carol"),
    "heatmap-week": Visit("/trends/heatmap?by=week"),
    "heatmap-region": Visit("/trends/heatmap?by=region", who="bob"),
    "heatmap-type": Visit("/trends/heatmap?by=type"),
    "heatmap-embed": Visit("/trends/heatmap/embed?by=week"),
    "heatmap-bad": Visit("/trends/heatmap?by=nothing", status=400),
    "catch-up-community": Visit(
        lambda s: f"/communities/{s.open_community.slug}/catch-up/", who="alice"
    ),
    "catch-up-community-bad-week": Visit(
        lambda s: f"/communities/{s.open_community.slug}/catch-up/?week=soon", status=400
    ),
    "catch-up-thread": Visit(lambda s: _forum_thread_url(s) + "catch-up/", who="bob"),
    # Datasets and linked data
    "datasets": Visit("/datasets/"),
    "datasets-signed-in": Visit("/datasets/", who="alice"),
    "dataset-new": Visit("/datasets/new/", who="alice"),
    "dataset": Visit(lambda s: _dataset_url("Household recycling rates")),
    "dataset-sorted": Visit(
        lambda s: _dataset_url("Household recycling rates") + "?sort=value&dir=desc", who="carol"
    ),
    "dataset-review": Visit(lambda s: _dataset_url("Fly-tipping incidents"), who="bob"),
    "catalogue": Visit("/catalogue"),
    "sparql-form": Visit("/sparql"),
    # Performance benchmarks
    "benchmarks": Visit("/benchmarks/"),
    "benchmarks-signed-in": Visit("/benchmarks/", who="alice"),
    "benchmark-metric": Visit("/benchmarks/metrics/recycling-rate/?council=E07000099"),
    "benchmark-metric-club": Visit(
        "/benchmarks/metrics/recycling-rate/?group=club:waste-club&council=E07000099", who="alice"
    ),
    "benchmark-metric-bad-group": Visit(
        "/benchmarks/metrics/recycling-rate/?group=nothing", status=400
    ),
    "benchmark-learn": Visit("/benchmarks/metrics/recycling-rate/learn/?group=all", who="carol"),
    "benchmark-ask": Visit("/benchmarks/metrics/recycling-rate/ask/?group=all", who="carol"),
    "benchmark-embed": Visit(
        "/benchmarks/metrics/recycling-rate/embed/?kind=bar&council=E07000099"
    ),
    "benchmark-council": Visit("/benchmarks/councils/E07000099/"),
    "benchmark-council-signed-in": Visit("/benchmarks/councils/E07000099/?group=all", who="alice"),
    "benchmark-history": Visit("/benchmarks/councils/E07000099/history/recycling-rate/"),
    "benchmark-neighbours": Visit("/benchmarks/neighbours/?council=E07000099&among=all&k=3"),
    "benchmark-clubs": Visit("/benchmarks/clubs/"),
    "benchmark-club": Visit("/benchmarks/clubs/waste-club/", who="alice"),
    "benchmark-club-new": Visit("/benchmarks/clubs/new/", who="bob"),
    "benchmark-contributors": Visit("/benchmarks/councils/E07000099/contributors/", who="bob"),
    "benchmark-enter": Visit("/benchmarks/councils/E07000099/enter/", who="alice"),
    "benchmark-metric-new": Visit("/benchmarks/metrics/new/", who="bob"),
    "benchmark-import": Visit("/benchmarks/import/", who="bob"),
    "related-surprise": Visit(lambda s: s.post.get_absolute_url() + "?related=surprise", who="bob"),
    # Open platform: developer pages, OAuth, webhooks, widgets, federation
    "developers": Visit("/developers/", who="alice"),
    "tokens": Visit("/developers/tokens/", who="alice"),
    "token-new": Visit("/developers/tokens/new/", who="alice"),
    "token-created": Visit(
        "/developers/tokens/new/",
        who="alice",
        action=_created({"Name": "Nightly export"}, "Create token", "khp_"),
    ),
    "token-new-errors": Visit(
        "/developers/tokens/new/", who="alice", action=_fill_and_submit({}, "Create token")
    ),
    "apps": Visit("/developers/apps/", who="alice"),
    "app-new": Visit("/developers/apps/new/", who="alice"),
    "app": Visit(_app_url, who="alice"),
    "app-delete": Visit(lambda s: _app_url(s) + "delete/", who="alice"),
    "authorised": Visit("/developers/authorised/", who="bob"),
    "oauth-consent": Visit(_consent_url, who="carol"),
    "webhooks": Visit("/developers/webhooks/", who="alice"),
    "webhook-new": Visit("/developers/webhooks/new/", who="alice"),
    "webhook": Visit(_webhook_url, who="alice"),
    "webhook-edit": Visit(lambda s: _webhook_url(s) + "edit/", who="alice"),
    "webhook-delete": Visit(lambda s: _webhook_url(s) + "delete/", who="alice"),
    "widget-builder": Visit("/widgets/"),
    "widget-builder-chosen": Visit(
        lambda s: f"/widgets/?type=community&community={s.open_community.slug}&count=3",
        action=_shows("iframe.kh-widget-preview", "pre.kh-snippet"),
    ),
    "widget-builder-errors": Visit("/widgets/?type=metric"),
    "widget-community": Visit(lambda s: f"/widgets/communities/{s.open_community.slug}/latest/"),
    "widget-trending": Visit("/widgets/themes/trending/"),
    "widget-metric": Visit("/widgets/metrics/recycling-rate/E07000099/"),
    "widget-dataset": Visit(
        lambda s: f"/widgets/datasets/{_dataset_slug('Household recycling rates')}/preview/"
    ),
    "widget-item": Visit(lambda s: f"/widgets/items/{s.post.knowledge_item.pk}/"),
    "widget-not-found": Visit("/widgets/items/999999/", status=404),
    "federation-settings": Visit("/federation/settings/", who="alice"),
}


def _report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"]:
            summary = node["summary"].replace("\n", "\n        ")
            lines.append(f"    {node['target']}\n        {summary}")
    return "\n".join(lines)


def _check(page: Any, visit: Visit, site: Site, problems: Any) -> list[str]:
    """Load one page and return what is wrong with it (nothing, we hope)."""
    path = visit.path(site) if callable(visit.path) else visit.path
    response = page.goto(path)
    if visit.action:
        visit.action(page)
    elif response is None or response.status != visit.status:
        return [f"answered {response and response.status}, expected {visit.status}"]
    found = []
    page.evaluate(AXE_SOURCE)
    violations = page.evaluate(AXE_RUN, AXE_TAGS)
    if violations:
        found.append("axe-core found:\n" + _report(violations))
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": 800})
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > REFLOW_WIDTH:
        culprits = page.evaluate(WIDEST_ELEMENTS, REFLOW_WIDTH)
        found.append(
            f"scrolls sideways at {REFLOW_WIDTH}px wide: the page is {scroll_width}px"
            f" (widest: {', '.join(culprits)})"
        )
    found.extend(
        f"browser reported: {error}"
        for error in unexpected(problems.errors, document_url=page.url, status=visit.status)
    )
    return found


@pytest.mark.parametrize("who", ["signed-out", "alice", "bob", "carol"])
def test_every_page_is_accessible(
    who: str,
    site: Site,
    new_context: Any,
    viewport: dict[str, int],
    live_server: Any,
    problems: Any,
) -> None:
    """Each page this person can reach, checked in one browser context (one sign-in) to keep
    the suite fast; every failing page is reported, not just the first."""
    context = new_context()
    if who != "signed-out":
        log_in(context, live_server, getattr(site, who))
    visits = {name: v for name, v in VISITS.items() if (v.who or "signed-out") == who}
    failures = []
    page = context.new_page()
    for name, visit in visits.items():
        problems.errors.clear()
        page.set_viewport_size(viewport)
        try:
            found = _check(page, visit, site, problems)
        except Exception as exc:  # a broken page must not hide the pages after it
            found = [f"{type(exc).__name__}: {exc}"]
        failures.extend(f"{name} ({page.url}): {problem}" for problem in found)
    assert not failures, f"{len(failures)} problem(s) as {who}:\n" + "\n".join(failures)


def test_the_checks_catch_what_they_look_for(page: Any, live_server: Any, problems: Any) -> None:
    """The harness itself: axe reports a missing label, and a blocked inline script is reported
    both as a CSP violation and as a console error."""
    page.goto("/accessibility")
    page.evaluate("document.querySelector('main').append(document.createElement('input'))")
    page.evaluate(AXE_SOURCE)
    assert "label" in [v["id"] for v in page.evaluate(AXE_RUN, AXE_TAGS)]

    page.evaluate(
        "document.body.append(Object.assign(document.createElement('script'),"
        " {textContent: 'window.inlineRan = true'}))"
    )
    assert page.evaluate("window.inlineRan") is None
    for _ in range(50):  # the event reaches the test asynchronously
        reported = "\n".join(text for _url, text in problems.errors)
        if "CSP violation" in reported:
            break
        page.wait_for_timeout(20)
    assert "CSP violation: script-src" in reported
    assert "Content Security Policy" in reported  # Chromium's console error
