"""factory_boy factories shared by every app's tests (built in code, never JSON fixtures)."""

from __future__ import annotations

from typing import Any

import factory
from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from knowledgehub.blogs.models import Post
from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.communities.models import Community, Invitation, JoinRequest, Membership
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item, Tag
from knowledgehub.organisations.choices import OrganisationType
from knowledgehub.organisations.models import Organisation
from knowledgehub.people.choices import ProfileVisibility
from knowledgehub.people.models import User

PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"E06{n:06d}")
    name = factory.Sequence(lambda n: f"Testshire Council {n}")
    official_name = factory.LazyAttribute(lambda o: o.name)
    type = OrganisationType.UNITARY
    nation = "England"
    region = "North West"
    population = 150_000


class PartnerOrganisationFactory(OrganisationFactory):
    """A partner body (not a council): its code is a slug, not a GSS code."""

    code = factory.Sequence(lambda n: f"partner-{n}")
    name = factory.Sequence(lambda n: f"Partner Trust {n}")
    type = OrganisationType.CHARITY
    region = ""


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    name = factory.Faker("name", locale="en_GB")
    job_title = "Policy officer"
    profile_visibility = ProfileVisibility.PUBLIC

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )

    @factory.post_generation
    def interests(obj: User, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        """``UserFactory(interests=["recycling", "food waste"])`` tags the person by name."""
        if create and extracted:
            obj.interests.set(Tag.objects.get_or_create_many(list(extracted)))

    @factory.post_generation
    def skills(obj: User, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            obj.skills.set(Tag.objects.get_or_create_many(list(extracted)))


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"topic {n}")
    slug = factory.LazyAttribute(lambda t: t.name.replace(" ", "-"))


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    description = "People working on the same problem."
    visibility = Visibility.OPEN


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    community = factory.SubFactory(CommunityFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")


class JoinRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JoinRequest

    community = factory.SubFactory(CommunityFactory, visibility=Visibility.RESTRICTED)
    user = factory.SubFactory(UserFactory)


class PostFactory(factory.django.DjangoModelFactory):
    """A blog post; saving it registers its knowledge.Item through the protocol."""

    class Meta:
        model = Post

    title = factory.Sequence(lambda n: f"What we learned, part {n}")
    body = "We tried **this** and it worked."
    author = factory.SubFactory(UserFactory)
    audience = Audience.PUBLIC


class ItemFactory(factory.django.DjangoModelFactory):
    """A bare index entry (its source is the author's user row, so it needs no content app)."""

    class Meta:
        model = Item

    kind = "test"
    title = factory.Sequence(lambda n: f"Item {n}")
    url = factory.Sequence(lambda n: f"/test/{n}/")
    author = factory.SubFactory(UserFactory)
    audience = Audience.PUBLIC
    content_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(User))
    object_id = factory.Sequence(lambda n: n + 1)
    published_at = factory.LazyFunction(timezone.now)


def community_with(
    owner: User,
    *,
    visibility: str = Visibility.OPEN,
    facilitators: tuple[User, ...] = (),
    members: tuple[User, ...] = (),
    **kwargs: Any,
) -> Community:
    """A community with ``owner`` as its owner and the given facilitators and members."""
    community: Community = CommunityFactory.create(
        visibility=visibility, created_by=owner, **kwargs
    )
    MembershipFactory(community=community, user=owner, role=Role.OWNER)
    for user in facilitators:
        MembershipFactory(community=community, user=user, role=Role.FACILITATOR)
    for user in members:
        MembershipFactory(community=community, user=user, role=Role.MEMBER)
    return community


# --- events (knowledgehub.events) -------------------------------------------------------------


def _event_start() -> Any:
    from datetime import timedelta

    return timezone.now() + timedelta(days=7)


def _event_end(event: Any) -> Any:
    from datetime import timedelta

    return event.start + timedelta(hours=1)


class EventFactory(factory.django.DjangoModelFactory):
    """An event a week from now, an hour long; saving it registers its knowledge.Item."""

    class Meta:
        model = "events.Event"

    community = factory.SubFactory(CommunityFactory)
    organiser = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Meet-up {n}")
    description = "Come and **share** what works."
    start = factory.LazyFunction(_event_start)
    end = factory.LazyAttribute(_event_end)
    time_zone = "Europe/London"
    audience = Audience.PUBLIC


# --- library (knowledgehub.library) -----------------------------------------------------------


class LibraryFolderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "library.Folder"

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"Folder {n}")


def library_document(
    community: Community,
    uploaded_by: User,
    *,
    content: bytes = b"Minutes of the meeting.\nWe agreed to share what works.\n",
    filename: str = "minutes.txt",
    title: str = "Meeting minutes",
    audience: str = Audience.COMMUNITY,
    **kwargs: Any,
) -> Any:
    """A library document uploaded through the service (so its file is checked and stored)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from knowledgehub.library.services import document_upload

    return document_upload(
        community=community,
        uploaded_by=uploaded_by,
        title=title,
        audience=audience,
        upload=SimpleUploadedFile(filename, content),
        **kwargs,
    )


# --- wiki -------------------------------------------------------------------------------------


def wiki_page(
    *,
    community: Community,
    author: User,
    title: str = "Getting started",
    body: str = "Welcome to the **wiki**.",
    audience: str = Audience.PUBLIC,
    parent: Any = None,
) -> Any:
    """A wiki page made through the service, so it has its first Revision and its Item."""
    from knowledgehub.wiki.services import page_create

    return page_create(
        community=community,
        author=author,
        title=title,
        body=body,
        audience=audience,
        parent=parent,
    )


# --- forums (knowledgehub.forums) -------------------------------------------------------------


def forum_category(*, community: Community, name: str = "General", description: str = "") -> Any:
    """A forum category in ``community``, made through the service."""
    from knowledgehub.forums.services import category_create

    return category_create(community=community, name=name, description=description)


def forum_thread(
    *,
    author: User,
    category: Any = None,
    community: Community | None = None,
    title: str = "How do you run a good consultation?",
    body: str = "We are planning one and would like to hear what worked for you.",
    audience: str = Audience.PUBLIC,
) -> Any:
    """A forum thread (with its opening post and Item) made through the service."""
    from knowledgehub.forums.services import thread_create

    if category is None:
        assert community is not None, "give a category or a community"
        category = forum_category(community=community)
    return thread_create(
        category=category, author=author, title=title, body=body, audience=audience
    )


# --- offers (knowledgehub.offers) -------------------------------------------------------------


def offer_ask(
    *,
    author: User,
    kind: str = "ask",
    title: str = "Can anyone review our survey questions?",
    body: str = "We would like a **second pair of eyes** before it goes out.",
    audience: str = Audience.PUBLIC,
    community: Community | None = None,
    tags: list[str] | None = None,
) -> Any:
    """An offer or ask (with its Item) made through the service."""
    from knowledgehub.offers.services import offer_ask_create

    return offer_ask_create(
        author=author,
        kind=kind,
        title=title,
        body=body,
        audience=audience,
        community=community,
        tags=tags,
    )


# --- blogs, through the service -----------------------------------------------------------------


def blog_post(
    *,
    author: User,
    title: str = "What we learned",
    body: str = "We tried **this** and it worked.",
    audience: str = Audience.PUBLIC,
    community: Community | None = None,
    tags: list[str] | None = None,
    **kwargs: Any,
) -> Any:
    """A blog post made through the service (so @mentions are notified, as in real use);
    ``PostFactory`` makes the bare row."""
    from knowledgehub.blogs.services import post_create

    return post_create(
        author=author,
        title=title,
        body=body,
        audience=audience,
        community=community,
        tags=tags,
        **kwargs,
    )


# --- incoming feeds (knowledgehub.aggregator) ---------------------------------------------------


def feed_subscription(
    *,
    url: str = "",
    scope: str = "site",
    community: Community | None = None,
    user: User | None = None,
    **source_fields: Any,
) -> Any:
    """A feed source (made once per URL) and a subscription to it, without fetching anything."""
    from knowledgehub.aggregator.models import FeedSource, Subscription

    url = url or f"https://news.example.org/{FeedSource.objects.count() + 1}/feed.xml"
    source, _created = FeedSource.objects.get_or_create(
        url=url,
        defaults={"original_url": url, "title": f"Feed at {url}", **source_fields},
    )
    return Subscription.objects.create(
        source=source,
        scope=scope,
        community=community if scope == "community" else None,
        user=user if scope == "private" else None,
    )


def feed_item(
    subscription: Any,
    *,
    title: str = "A council did a thing",
    summary_html: str = "<p>It went well.</p>",
    link: str = "",
) -> Any:
    """An entry of the subscription's source placed for that subscription (indexed on save)."""
    from knowledgehub.aggregator.models import Entry, FeedItem

    source = subscription.source
    n = Entry.objects.count() + 1
    now = timezone.now()
    entry = Entry.objects.create(
        source=source,
        guid=f"entry-{n}",
        link=link or f"https://news.example.org/articles/{n}",
        link_key=f"news.example.org/articles/{n}",
        content_hash=f"{n:064d}",
        title=title,
        summary_html=summary_html,
        published_at=now,
        updated_at=now,
    )
    return FeedItem.objects.create(entry=entry, subscription=subscription)
