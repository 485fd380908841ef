"""People: the directory, profiles, your own profile, "people like you" and what someone wrote.

Every read goes through ``User.objects.visible_to`` (public profiles to anyone, every active
profile to signed-in members) and shows what the profile page shows to that caller, no more:
e-mail addresses only on ``/people/me``. Items go through the Item rule. Profile edits go
through ``ProfileForm`` and ``people.services.profile_update``, like the edit page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from pydantic import ConfigDict

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.registry import unauthored_kinds
from knowledgehub.offers.choices import Status as OfferStatus
from knowledgehub.offers.services import visible_offer_asks
from knowledgehub.organisations.models import Organisation
from knowledgehub.people.forms import ProfileForm
from knowledgehub.people.models import User
from knowledgehub.people.services import profile_update
from knowledgehub.serendipity.people import people_like_you

from ..auth import require_scope
from ..errors import ApiError
from ..pagination import Page, keyset_page, sequence_page
from ..schemas import (
    CommunityRef,
    ItemOut,
    OrganisationRef,
    PersonRef,
    absolute,
    items_for_output,
    items_out,
)

router = Router(tags=["people"])

PEOPLE_SORTS = {"name": "name", "joined": "date_joined"}
ITEM_SORTS = {"published": "published_at", "title": "title"}
# "People like you" keeps this many precomputed neighbours per person; no point asking for more.
SIMILAR_MAX = 100


class OffersAndAsks(Schema):
    """What the profile page's "Offers and asks" panel counts (only offers and asks the caller
    may see)."""

    helped_others: int
    was_helped: int


class PersonOut(Schema):
    username: str
    name: str
    job_title: str
    organisation: OrganisationRef | None = None
    bio: str
    experience: str
    looking_for: str
    interests: list[str]
    skills: list[str]
    avatar_url: str | None = None
    offers_and_asks: OffersAndAsks
    url: str
    api_url: str


class PersonDetailOut(PersonOut):
    communities: list[CommunityRef]


class MeOut(PersonDetailOut):
    """Your own profile: what only you (and the edit page) see as well."""

    email: str
    profile_visibility: str
    suggest_me: bool
    date_joined: dt.datetime


class SimilarPersonOut(Schema):
    person: PersonRef
    job_title: str
    organisation: OrganisationRef | None = None
    reason: str


class ProfileIn(Schema):
    """Fields of the profile edit form; send only what changes. ``organisation`` is an
    organisation code (a council's GSS code), or null for none; ``interests`` and ``skills``
    replace the whole list."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    job_title: str | None = None
    organisation: str | None = None
    bio: str | None = None
    interests: list[str] | None = None
    skills: list[str] | None = None
    experience: str | None = None
    looking_for: str | None = None
    profile_visibility: str | None = None
    suggest_me: bool | None = None


def _people_for_output(qs: QuerySet[User]) -> QuerySet[User]:
    return qs.select_related("organisation").prefetch_related("interests", "skills")


def _reciprocity_counts(
    people: list[User], viewer: User | AnonymousUser
) -> dict[int, tuple[int, int]]:
    """(helped others, was helped) per person, counted over met offers and asks the viewer may
    see: two grouped queries for a whole page."""
    ids = [p.pk for p in people]
    if not ids:
        return {}
    met = visible_offer_asks(viewer).filter(status=OfferStatus.MET).order_by()
    given = dict(
        met.filter(thanked_helper_id__in=ids)
        .values("thanked_helper_id")
        .annotate(n=Count("pk"))
        .values_list("thanked_helper_id", "n")
    )
    received = dict(
        met.filter(author_id__in=ids)
        .values("author_id")
        .annotate(n=Count("pk"))
        .values_list("author_id", "n")
    )
    return {pk: (given.get(pk, 0), received.get(pk, 0)) for pk in ids}


def _person_fields(person: User, counts: tuple[int, int]) -> dict[str, Any]:
    return {
        "username": person.username,
        "name": person.display_name,
        "job_title": person.job_title,
        "organisation": (
            OrganisationRef.from_organisation(person.organisation)
            if person.organisation_id
            else None
        ),
        "bio": person.bio,
        "experience": person.experience,
        "looking_for": person.looking_for,
        "interests": [t.slug for t in person.interests.all()],
        "skills": [t.slug for t in person.skills.all()],
        "avatar_url": absolute(person.avatar.url) if person.avatar else None,
        "offers_and_asks": OffersAndAsks(helped_others=counts[0], was_helped=counts[1]),
        "url": absolute(person.get_absolute_url()),
        "api_url": absolute(f"/api/v1/people/{person.username}"),
    }


def people_out(people: Iterable[User], viewer: User | AnonymousUser) -> list[PersonOut]:
    rows = list(people)
    counts = _reciprocity_counts(rows, viewer)
    return [PersonOut(**_person_fields(p, counts.get(p.pk, (0, 0)))) for p in rows]


def _detail_fields(person: User, viewer: User | AnonymousUser) -> dict[str, Any]:
    counts = _reciprocity_counts([person], viewer)
    communities = (
        Community.objects.visible_to(viewer).filter(memberships__user=person).order_by("name")
    )
    return {
        **_person_fields(person, counts.get(person.pk, (0, 0))),
        "communities": [CommunityRef.from_community(c) for c in communities],
    }


def _me(request: HttpRequest) -> User:
    require_scope(request, "read")
    user = request.user
    assert isinstance(user, User)
    return user


def _me_out(user: User) -> MeOut:
    person = _people_for_output(User.objects.filter(pk=user.pk)).get()
    return MeOut(
        **_detail_fields(person, user),
        email=person.email,
        profile_visibility=person.profile_visibility,
        suggest_me=person.suggest_me,
        date_joined=person.date_joined,
    )


@router.get("", response=Page[PersonOut], summary="People you may see")
def list_people(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = 20,
    sort: str | None = None,
    q: str | None = None,
    interest: str | None = None,
    skill: str | None = None,
    organisation: str | None = None,
) -> dict[str, Any]:
    """The people directory: public profiles without a token, every active profile with one.
    ``q`` matches name or username; ``interest`` and ``skill`` are tag slugs; ``organisation``
    an organisation code. Sort by ``name`` (default) or ``joined`` (``-joined``: newest)."""
    viewer = request.user
    qs = User.objects.visible_to(viewer)
    text = (q or "").strip()[:100]
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(username__icontains=text))
    if organisation:
        qs = qs.filter(organisation__code=organisation.strip())
    if interest:
        qs = qs.filter(interests__slug=interest.strip())
    if skill:
        qs = qs.filter(skills__slug=skill.strip())
    if interest or skill:
        qs = qs.distinct()
    return keyset_page(
        request,
        _people_for_output(qs),
        sort=sort,
        allowed=PEOPLE_SORTS,
        default="name",
        limit=limit,
        cursor=cursor,
        transform=lambda rows: people_out(rows, viewer),
    )


@router.get("/me", response=MeOut, summary="Your own profile")
def get_me(request: HttpRequest) -> MeOut:
    """Your profile, with your e-mail address and settings. Needs a token."""
    return _me_out(_me(request))


@router.patch("/me", response=MeOut, summary="Update your profile")
def update_me(request: HttpRequest, payload: ProfileIn) -> MeOut:
    """Change the fields the profile edit page offers (not the photo). Validated by the same
    form; invalid input is a 422 problem naming each field."""
    require_scope(request, "write")
    user = _me(request)
    sent = payload.model_dump(exclude_unset=True)
    form = ProfileForm(instance=user)
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if name == "avatar":
            continue
        value = form.get_initial_for_field(field, name)
        if name == "organisation":
            value = value.pk if isinstance(value, Organisation) else (value or "")
        data[name] = "" if value is None else value
    for name, value in sent.items():
        if name == "organisation":
            if value in (None, ""):
                data[name] = ""
                continue
            found = Organisation.objects.current().filter(code=value.strip()).first()
            if found is None:
                raise ApiError(
                    422,
                    "Invalid input",
                    "Some of what was sent is not valid; see errors.",
                    errors=[{"field": "organisation", "message": "No such organisation code."}],
                )
            data[name] = found.pk
        elif name in ("interests", "skills"):
            data[name] = ", ".join(value or [])
        elif name == "suggest_me":
            data[name] = bool(value)
        else:
            data[name] = "" if value is None else value
    bound = ProfileForm(data, {}, instance=user)
    if not bound.is_valid():
        # ModelForm validation writes cleaned values onto the instance; never keep them.
        user.refresh_from_db()
        raise ApiError(
            422,
            "Invalid input",
            "Some of what was sent is not valid; see errors.",
            errors=[
                {"field": name, "message": str(message)}
                for name, messages in bound.errors.items()
                for message in messages
            ],
        )
    cleaned = dict(bound.cleaned_data)
    cleaned.pop("avatar", None)
    profile_update(user=user, data=cleaned)
    return _me_out(user)


@router.get("/me/similar", response=Page[SimilarPersonOut], summary="People like you")
def similar_to_me(
    request: HttpRequest, cursor: str | None = None, limit: int = 20
) -> dict[str, Any]:
    """People whose work is most like yours, best first, with why: the same rows as the
    "People like you" panel (people who may see each other and have not opted out). Needs a
    token."""
    user = _me(request)

    def rows(offset: int, count: int) -> list[SimilarPersonOut]:
        found = people_like_you(user, user, limit=min(offset + count, SIMILAR_MAX))[offset:]
        return [
            SimilarPersonOut(
                person=PersonRef.from_user(s.person),
                job_title=s.person.job_title,
                organisation=(
                    OrganisationRef.from_organisation(s.person.organisation)
                    if s.person.organisation_id
                    else None
                ),
                reason=s.reason,
            )
            for s in found
        ]

    return sequence_page(request, rows, limit=limit, cursor=cursor, key="similar")


def _visible_person(request: HttpRequest, username: str) -> User:
    return get_object_or_404(
        _people_for_output(User.objects.visible_to(request.user)), username=username
    )


@router.get("/{username}", response=PersonDetailOut, summary="A profile")
def get_person(request: HttpRequest, username: str) -> PersonDetailOut:
    """A profile as its page shows it to you; 404 when you may not see it."""
    person = _visible_person(request, username)
    return PersonDetailOut(**_detail_fields(person, request.user))


@router.get("/{username}/items", response=Page[ItemOut], summary="What someone wrote")
def person_items(
    request: HttpRequest,
    username: str,
    cursor: str | None = None,
    limit: int = 20,
    sort: str | None = None,
) -> dict[str, Any]:
    """Items this person wrote that you may see (not feed entries they follow privately, and
    other kinds whose author is not the writer). Sort ``-published`` (default) or ``title``."""
    person = _visible_person(request, username)
    qs = (
        Item.objects.visible_to(request.user)
        .filter(author=person)
        .exclude(kind__in=unauthored_kinds())
    )
    return keyset_page(
        request,
        items_for_output(qs),
        sort=sort,
        allowed=ITEM_SORTS,
        default="-published",
        limit=limit,
        cursor=cursor,
        transform=items_out,
    )
