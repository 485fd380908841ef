"""Writes for incoming feeds: following a feed (by its address or a web page that links to it),
stopping, and who may do either.

Who may follow a feed, and for whom:
- the whole site: site admins only;
- a community: that community's owner and facilitators;
- just themselves (a private follow): anyone signed in.

Each kind of follow is seen by the same people who may see what it brings in: site-wide follows
by everyone, a community's by its current members (and site admins), a private follow by its
follower alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledgehub.communities.choices import MANAGER_ROLES
from knowledgehub.communities.models import Community, Membership
from knowledgehub.knowledge.models import Item

from .choices import Scope, SourceStatus
from .models import FeedItem, FeedSource, Subscription

if TYPE_CHECKING:
    from knowledgehub.people.models import User

MAX_URL_LENGTH = 2000
#: How much of a web page we read when looking for its feeds.
DISCOVERY_MAX_BYTES = 2 * 1024 * 1024
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/json+feed",  # seen in the wild before the type was settled
    }
)


class SubscribeError(Exception):
    """A follow that cannot be made, with the reason in plain words (``message``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(SubscribeError):
    pass


class AlreadySubscribed(SubscribeError):
    pass


@dataclass(frozen=True)
class FeedLink:
    url: str
    title: str


class ChooseFeed(SubscribeError):
    """The web page links to several feeds: the person chooses one."""

    def __init__(self, message: str, candidates: list[FeedLink]) -> None:
        super().__init__(message)
        self.candidates = candidates


# --- Who may do what ------------------------------------------------------------------------


def managed_communities(user: User | AnonymousUser) -> QuerySet[Community]:
    """Communities whose feeds ``user`` may manage: those they own or facilitate."""
    if not user.is_authenticated:
        return Community.objects.none()
    ids = Membership.objects.filter(user_id=user.pk, role__in=MANAGER_ROLES).values("community_id")
    return Community.objects.visible_to(user).filter(pk__in=ids).order_by("name")


def may_subscribe(user: User | AnonymousUser, scope: str, community: Community | None) -> bool:
    if not user.is_authenticated:
        return False
    if scope == Scope.SITE:
        return bool(user.is_superuser)
    if scope == Scope.COMMUNITY:
        return community is not None and (
            Membership.objects.filter(
                user_id=user.pk, community=community, role__in=MANAGER_ROLES
            ).exists()
        )
    return scope == Scope.PRIVATE


def may_manage(user: User | AnonymousUser, subscription: Subscription) -> bool:
    """May ``user`` stop this follow? The same people who may start one of its kind."""
    if subscription.scope == Scope.PRIVATE:
        return user.is_authenticated and subscription.user_id == user.pk
    return may_subscribe(user, subscription.scope, subscription.community)


def visible_subscriptions(user: User | AnonymousUser) -> QuerySet[Subscription]:
    """The follows ``user`` may see: site-wide ones, their communities' (members only: a private
    community's follows never show to outsiders) and their own private ones."""
    q = Q(scope=Scope.SITE)
    if user.is_authenticated:
        q |= Q(scope=Scope.PRIVATE, user_id=user.pk)
        if user.is_superuser:
            q |= Q(scope=Scope.COMMUNITY)
        else:
            member_of = Membership.objects.filter(user_id=user.pk).values("community_id")
            q |= Q(scope=Scope.COMMUNITY, community_id__in=member_of)
    return Subscription.objects.filter(q)


def subscription_targets(user: User | AnonymousUser) -> list[tuple[str, str]]:
    """Where ``user`` may follow a feed, as (value, label) choices for a form."""
    if not user.is_authenticated:
        return []
    choices = [(Scope.PRIVATE.value, _("Just me"))]
    for community in managed_communities(user):
        choices.append((f"community:{community.pk}", community.name))
    if user.is_superuser:
        choices.append((Scope.SITE.value, _("The whole site")))
    return choices


def resolve_target(user: User | AnonymousUser, value: str) -> tuple[str, Community | None]:
    """Turn a target chosen in a form back into (scope, community), refusing one not offered."""
    if value in (Scope.PRIVATE, Scope.SITE):
        if not may_subscribe(user, value, None):
            raise NotAllowed(_("Only site administrators can add feeds for the whole site."))
        return value, None
    prefix, _sep, raw_pk = value.partition(":")
    if prefix == Scope.COMMUNITY and raw_pk.isdigit():
        community = managed_communities(user).filter(pk=int(raw_pk)).first()
        if community is not None:
            return Scope.COMMUNITY, community
    raise NotAllowed(_("Choose where the feed should appear from the list."))


# --- Addresses ------------------------------------------------------------------------------


def normalise_url(raw: str) -> str:
    """A feed address as we store it: http(s) only, host in lower case, no fragment. Raises
    SubscribeError with a message for people when the address cannot be a feed's."""
    text = (raw or "").strip()
    if not text:
        raise SubscribeError(_("Enter the address of a feed or of a web page that has one"))
    if len(text) > MAX_URL_LENGTH:
        raise SubscribeError(_("That address is too long"))
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise SubscribeError(_("A web address cannot contain spaces"))
    if "://" not in text and ":" not in text.split("/", 1)[0]:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise SubscribeError(
            _("Enter a real web address, for example https://www.example.gov.uk/news.rss")
        ) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise SubscribeError(_("Enter a web address starting http:// or https://"))
    host = (parts.hostname or "").lower()
    if "." not in host.strip(".") and host != "localhost" and ":" not in host:
        raise SubscribeError(
            _("Enter a full web address, for example https://www.example.gov.uk/news.rss")
        )
    if parts.username or parts.password:
        raise SubscribeError(_("Addresses with a user name or password are not supported"))
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


class _FeedLinkParser(HTMLParser):
    """Collects <link rel="alternate" type="…feed type…" href> and <base href> from a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base = ""
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "base" and not self.base:
            self.base = values.get("href", "").strip()
        elif tag == "link":
            rels = values.get("rel", "").lower().split()
            kind = values.get("type", "").lower().split(";")[0].strip()
            href = values.get("href", "").strip()
            if "alternate" in rels and kind in FEED_TYPES and href:
                self.links.append((href, values.get("title", "").strip()))

    handle_startendtag = handle_starttag


def discover_feeds(html: str, page_url: str) -> list[FeedLink]:
    """The feeds a web page links to, with relative addresses resolved, in page order."""
    parser = _FeedLinkParser()
    with contextlib.suppress(Exception):  # lenient: a broken page yields what was found
        parser.feed(html)
        parser.close()
    base = urljoin(page_url, parser.base) if parser.base else page_url
    found: list[FeedLink] = []
    seen: set[str] = set()
    for href, title in parser.links:
        try:
            url = normalise_url(urljoin(base, href))
        except SubscribeError:
            continue
        if url not in seen:
            seen.add(url)
            found.append(FeedLink(url=url, title=title[:300]))
    return found


def _sniff(content_type: str, data: bytes) -> str:
    """ "feed", "html" or "" for a fetched document."""
    ctype = content_type.lower().split(";")[0].strip()
    if "html" in ctype:
        return "html"
    if any(word in ctype for word in ("rss", "atom", "xml", "json")):
        return "feed"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<!doctype html") or b"<html" in head:
        return "html"
    if head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf")) or head.startswith(b"{"):
        return "feed"
    return ""


def _decode(data: bytes, content_type: str) -> str:
    charset = ""
    for part in content_type.split(";")[1:]:
        name, _sep, value = part.strip().partition("=")
        if name.lower() == "charset":
            charset = value.strip().strip('"')
    try:
        return data.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def find_feed(url: str) -> tuple[str, str]:
    """Fetch ``url`` and return (feed address, title): the address itself when it is a feed, or
    the one feed a web page links to. Raises ChooseFeed when the page links to several and
    SubscribeError (in plain words) when there is none or the fetch fails."""
    from knowledgehub.lib import safehttp

    try:
        response = safehttp.fetch(url, max_bytes=DISCOVERY_MAX_BYTES)
    except safehttp.FetchError as exc:
        raise SubscribeError(exc.message) from exc
    if response.status == 404 or response.status == 410:
        raise SubscribeError(_("There is no page at that address (the site says it is not found)"))
    if not 200 <= response.status < 300:
        raise SubscribeError(
            _("The site did not return the page (it answered with status %(status)s)")
            % {"status": response.status}
        )
    content_type = response.headers.get("content-type", "") or ""
    kind = _sniff(content_type, response.content)
    final_url = normalise_url(response.url or url)
    if kind == "feed":
        return final_url, ""
    if kind == "html":
        links = discover_feeds(_decode(response.content, content_type), final_url)
        if len(links) == 1:
            return links[0].url, links[0].title
        if links:
            raise ChooseFeed(_("That page links to more than one feed: choose one"), links)
        raise SubscribeError(
            _(
                "That page does not link to a feed. Look for an RSS or Atom link on the site "
                "and use its address"
            )
        )
    raise SubscribeError(_("That address does not look like a feed or a web page"))


# --- Following and stopping -----------------------------------------------------------------


def _source_for(url: str) -> FeedSource | None:
    return FeedSource.objects.filter(Q(url=url) | Q(original_url=url)).order_by("pk").first()


def _existing(
    source: FeedSource, scope: str, community: Community | None, actor: User
) -> Subscription | None:
    qs = Subscription.objects.filter(source=source, scope=scope)
    if scope == Scope.COMMUNITY:
        qs = qs.filter(community=community)
    elif scope == Scope.PRIVATE:
        qs = qs.filter(user=actor)
    return qs.first()


def _already_message(scope: str, community: Community | None) -> str:
    if scope == Scope.SITE:
        return _("The whole site already follows this feed")
    if scope == Scope.COMMUNITY and community is not None:
        return _("%(name)s already follows this feed") % {"name": community.name}
    return _("You already follow this feed")


@dataclass
class _Plan:
    url: str
    title: str = ""


def subscribe(
    *,
    actor: User,
    url: str,
    scope: str,
    community: Community | None = None,
    discover: bool = True,
    title: str = "",
) -> Subscription:
    """Follow the feed at ``url`` (or the one feed the web page at ``url`` links to) for the
    whole site, a community or ``actor`` alone. ``discover=False`` (OPML imports, whose
    addresses are feeds by definition) skips fetching the address now: the first poll reports
    any problem on the feed's page. Raises SubscribeError (or a subclass) saying why not."""
    from knowledgehub.lib import safehttp

    if scope not in Scope.values:
        raise NotAllowed(_("Choose where the feed should appear"))
    if not may_subscribe(actor, scope, community):
        if scope == Scope.SITE:
            raise NotAllowed(_("Only site administrators can add feeds for the whole site"))
        if scope == Scope.COMMUNITY:
            raise NotAllowed(_("Only a community's owner and facilitators can add its feeds"))
        raise NotAllowed(_("Sign in to follow feeds"))
    if scope != Scope.COMMUNITY:
        community = None
    plan = _Plan(url=normalise_url(url), title=title.strip()[:300])
    source = _source_for(plan.url)
    if source is None:
        try:
            safehttp.check_url(plan.url)
        except safehttp.FetchError as exc:
            raise SubscribeError(exc.message) from exc
        if discover:
            plan.url, found_title = find_feed(plan.url)
            plan.title = plan.title or found_title
            source = _source_for(plan.url)
    if source is not None and _existing(source, scope, community, actor) is not None:
        raise AlreadySubscribed(_already_message(scope, community))

    now = timezone.now()
    with transaction.atomic():
        created = False
        if source is None:
            source, created = FeedSource.objects.get_or_create(
                url=plan.url,
                defaults={
                    "original_url": plan.url,
                    "title": plan.title,
                    "created_by": actor,
                    "next_poll_at": now,
                },
            )
        source = FeedSource.objects.select_for_update().get(pk=source.pk)
        reactivated = source.status != SourceStatus.ACTIVE and not source.is_demo
        if reactivated:
            # Nobody followed it (paused) or the site said it was gone: someone asks for it
            # again, so check it afresh.
            source.status = SourceStatus.ACTIVE
            source.next_poll_at = now
            source.consecutive_failures = 0
            source.save(update_fields=["status", "next_poll_at", "consecutive_failures"])
        try:
            with transaction.atomic():
                subscription = Subscription.objects.create(
                    source=source,
                    scope=scope,
                    community=community if scope == Scope.COMMUNITY else None,
                    user=actor if scope == Scope.PRIVATE else None,
                    created_by=actor,
                    created_at=now,
                )
        except IntegrityError as exc:
            raise AlreadySubscribed(_already_message(scope, community)) from exc
        if source.entries.exists():
            from .ingest import place_existing_entries

            place_existing_entries(subscription)
        if source.status == SourceStatus.ACTIVE and (
            created or reactivated or source.last_success_at is None
        ):
            from .polling import enqueue_first_poll

            enqueue_first_poll(source)  # queues the poll once this transaction commits
    return subscription


def unsubscribe(*, actor: User, subscription: Subscription) -> None:
    """Stop a follow: its feed items and their index entries go (in one transaction). A feed
    nobody follows any more is kept, paused, so following it again is quick."""
    if not may_manage(actor, subscription):
        raise NotAllowed(_("You cannot stop this feed"))
    content_type = ContentType.objects.get_for_model(FeedItem)
    with transaction.atomic():
        placements = FeedItem.objects.filter(subscription=subscription).values("pk")
        # Cascades do not call Indexed.delete, so the Items are removed explicitly.
        Item.objects.filter(content_type=content_type, object_id__in=placements).delete()
        source_id = subscription.source_id
        subscription.delete()
        if not Subscription.objects.filter(source_id=source_id).exists():
            FeedSource.objects.filter(pk=source_id).update(status=SourceStatus.PAUSED)


def scope_label(subscription: Subscription) -> str:
    if subscription.scope == Scope.SITE:
        return _("The whole site")
    if subscription.scope == Scope.COMMUNITY and subscription.community is not None:
        return subscription.community.name
    return _("Just you")


def sources_of(subscriptions: Iterable[Subscription]) -> list[FeedSource]:
    """Each source once, in the order first seen."""
    seen: dict[int, FeedSource] = {}
    for subscription in subscriptions:
        seen.setdefault(subscription.source_id, subscription.source)
    return list(seen.values())


MIN_POLL_MINUTES = 15
MAX_POLL_MINUTES = 24 * 60


def may_tune(user: User | AnonymousUser, source: FeedSource) -> bool:
    """Who may change how often a feed is checked, or check it now: anyone who may stop one of
    its follows (site admins, the facilitators of a community that follows it, a private
    follower)."""
    if not user.is_authenticated:
        return False
    return any(may_manage(user, s) for s in source.subscriptions.select_related("community"))


def set_poll_interval(*, actor: User, source: FeedSource, minutes: int) -> FeedSource:
    """Check ``source`` every ``minutes`` (15 minutes to a day); the next check moves to match."""
    if not may_tune(actor, source):
        raise NotAllowed(
            _("Only the people who look after this feed can change how often it is checked.")
        )
    if not MIN_POLL_MINUTES <= minutes <= MAX_POLL_MINUTES:
        raise SubscribeError(
            _("Choose between %(low)d minutes and %(high)d minutes (a day)")
            % {"low": MIN_POLL_MINUTES, "high": MAX_POLL_MINUTES}
        )
    with transaction.atomic():
        source = FeedSource.objects.select_for_update().get(pk=source.pk)
        source.poll_minutes = minutes
        base = source.last_polled_at or timezone.now()
        if not source.consecutive_failures:  # a backed-off feed keeps its back-off
            source.next_poll_at = base + source.poll_interval
        source.save(update_fields=["poll_minutes", "next_poll_at"])
    return source


def check_now(*, actor: User, source: FeedSource) -> None:
    """Queue a check of an active feed at once (a paused, gone or demo feed is never fetched)."""
    from . import polling

    if not may_tune(actor, source):
        raise NotAllowed(_("Only the people who look after this feed can check it now."))
    if source.is_demo or source.status != SourceStatus.ACTIVE:
        raise SubscribeError(_("This feed is not being checked, so it cannot be checked now."))
    polling.enqueue_first_poll(source)
