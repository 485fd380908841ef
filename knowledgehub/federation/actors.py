"""Which local things are ActivityPub actors, read live through the ANONYMOUS visibility rule.

- A community is an actor (``Group``) when an anonymous visitor may see it and it is open.
- A person is an actor (``Person``) when they opted in and their profile is public.

Everything an actor publishes is what an anonymous visitor may see: public items only.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import QuerySet
from django.db.utils import IntegrityError
from django.urls import reverse

from knowledgehub.communities.choices import Visibility
from knowledgehub.communities.models import Community
from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.registry import unauthored_kinds
from knowledgehub.people.models import User

from .choices import ActorKind
from .models import ActorKey
from .signatures import generate_key_pair

COMMUNITY_PREFIX = "community."


def anonymous() -> AnonymousUser:
    return AnonymousUser()


def site_host() -> str:
    return urlsplit(settings.SITE_URL).netloc.lower()


def absolute(path: str) -> str:
    return path if path.startswith(("http://", "https://")) else f"{settings.SITE_URL}{path}"


def enabled() -> bool:
    return bool(getattr(settings, "KH_FEDERATION", True))


def federated_communities() -> QuerySet[Community]:
    return Community.objects.visible_to(anonymous()).filter(visibility=Visibility.OPEN)


def federated_people() -> QuerySet[User]:
    return User.objects.visible_to(anonymous()).filter(federation_opt_in__enabled=True)


def public_items() -> QuerySet[Item]:
    return Item.objects.visible_to(anonymous())


@dataclass(frozen=True)
class LocalActor:
    """A local actor: a federated community or person."""

    kind: str
    local_id: int
    name: str
    username: str  # preferredUsername
    path_key: str  # slug or username in our URLs
    summary_text: str
    page_url: str  # the HTML page (absolute)
    icon_url: str = ""

    @property
    def id(self) -> str:
        if self.kind == ActorKind.COMMUNITY:
            return absolute(reverse("federation:community", kwargs={"slug": self.path_key}))
        return absolute(reverse("federation:person", kwargs={"username": self.path_key}))

    @property
    def type(self) -> str:
        return "Group" if self.kind == ActorKind.COMMUNITY else "Person"

    @property
    def key_id(self) -> str:
        return f"{self.id}#main-key"

    @property
    def inbox(self) -> str:
        return f"{self.id}/inbox"

    @property
    def outbox(self) -> str:
        return f"{self.id}/outbox"

    @property
    def followers(self) -> str:
        return f"{self.id}/followers"

    @property
    def handle(self) -> str:
        return f"{self.username}@{site_host()}"

    def items(self) -> QuerySet[Item]:
        """The actor's public items (what its outbox shows and what it delivers)."""
        if self.kind == ActorKind.COMMUNITY:
            return public_items().filter(community_id=self.local_id)
        return public_items().filter(author_id=self.local_id).exclude(kind__in=unauthored_kinds())

    def key(self) -> ActorKey:
        return actor_key(self.kind, self.local_id)


def community_actor(community: Community) -> LocalActor:
    return LocalActor(
        kind=ActorKind.COMMUNITY,
        local_id=community.pk,
        name=community.name,
        username=f"{COMMUNITY_PREFIX}{community.slug}",
        path_key=community.slug,
        summary_text=community.description,
        page_url=absolute(community.get_absolute_url()),
    )


def person_actor(person: User) -> LocalActor:
    icon = absolute(person.avatar.url) if person.avatar else ""
    return LocalActor(
        kind=ActorKind.PERSON,
        local_id=person.pk,
        name=person.display_name,
        username=person.username,
        path_key=person.username,
        summary_text=person.bio,
        page_url=absolute(person.get_absolute_url()),
        icon_url=icon,
    )


def find_community(slug: str) -> LocalActor | None:
    if not enabled():
        return None
    community = federated_communities().filter(slug=slug).first()
    return community_actor(community) if community else None


def find_person(username: str) -> LocalActor | None:
    if not enabled():
        return None
    person = federated_people().filter(username=username).first()
    return person_actor(person) if person else None


def find_by_handle(local_part: str) -> LocalActor | None:
    """``community.<slug>`` is a community; anything else a person."""
    if local_part.startswith(COMMUNITY_PREFIX):
        actor = find_community(local_part[len(COMMUNITY_PREFIX) :])
        if actor is not None:
            return actor
    return find_person(local_part)


def find(kind: str, local_id: int) -> LocalActor | None:
    """The actor for a (kind, id), or None when it is no longer federated."""
    if not enabled():
        return None
    if kind == ActorKind.COMMUNITY:
        community = federated_communities().filter(pk=local_id).first()
        return community_actor(community) if community else None
    person = federated_people().filter(pk=local_id).first()
    return person_actor(person) if person else None


def actors_for_item(item_id: int) -> tuple[Item | None, list[LocalActor]]:
    """The item if an anonymous visitor may see it, and the federated actors that publish it
    (its community and its author)."""
    if not enabled():
        return None, []
    item = public_items().filter(pk=item_id).select_related("community", "author").first()
    if item is None:
        return None, []
    actors: list[LocalActor] = []
    if item.community_id is not None:
        community = federated_communities().filter(pk=item.community_id).first()
        if community is not None:
            actors.append(community_actor(community))
    if item.author_id is not None and item.kind not in unauthored_kinds():
        person = federated_people().filter(pk=item.author_id).first()
        if person is not None:
            actors.append(person_actor(person))
    return item, actors


def actor_key(kind: str, local_id: int) -> ActorKey:
    """The actor's key pair, generated on first use."""
    existing = ActorKey.objects.filter(kind=kind, local_id=local_id).first()
    if existing is not None:
        return existing
    private_pem, public_pem = generate_key_pair()
    try:
        with transaction.atomic():
            return ActorKey.objects.create(
                kind=kind, local_id=local_id, private_key_pem=private_pem, public_key_pem=public_pem
            )
    except IntegrityError:  # made at the same moment by another request
        return ActorKey.objects.get(kind=kind, local_id=local_id)
