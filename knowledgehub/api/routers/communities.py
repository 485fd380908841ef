"""Communities: the directory, a community, its members and items; joining, leaving, creating.

Every read starts from ``Community.objects.visible_to`` (a secret community is a 404 to
outsiders); member lists follow the members page (open and restricted communities show them to
anyone, private and secret ones to members and site admins); items go through the Item rule.
Writes go through ``communities.services`` and ``CommunityForm``, like the pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from knowledgehub.communities import services
from knowledgehub.communities.choices import RequestStatus, Role, Visibility
from knowledgehub.communities.forms import CommunityForm
from knowledgehub.communities.models import Community, JoinRequest, Membership
from knowledgehub.knowledge.models import Item
from knowledgehub.people.models import User

from ..auth import TOKEN_AUTH, require_scope
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

router = Router(tags=["communities"])

COMMUNITY_SORTS = {"name": "name", "created": "created_at"}
ITEM_SORTS = {"published": "published_at", "title": "title"}


class CommunityOut(Schema):
    slug: str
    name: str
    description: str
    visibility: str
    visibility_label: str
    member_count: int
    my_role: str | None = Field(
        None, description="Your role (owner, facilitator, member), or null if you are not in it."
    )
    created_at: dt.datetime
    url: str
    api_url: str


class CommunityDetailOut(CommunityOut):
    members_visible: bool = Field(description="Whether you may list its members.")
    join_request_pending: bool = Field(description="Whether you have asked to join.")


class MemberOut(Schema):
    """One row of the members page: who, their organisation and their role."""

    person: PersonRef
    organisation: OrganisationRef | None = None
    role: str


class MembershipStateOut(Schema):
    community: CommunityRef
    state: str = Field(
        description="member (you belong), requested (your request to join is waiting) or none."
    )
    role: str | None = None
    detail: str


class JoinIn(Schema):
    model_config = ConfigDict(extra="forbid")

    message: str = Field("", max_length=2000, description="For a restricted community's hosts.")


class CommunityIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str
    visibility: str = Field(
        Visibility.OPEN.value, description="open, restricted, private or secret."
    )


def _problem(status: int, title: str, detail: str) -> ApiError:
    return ApiError(status, title, detail)


def _invalid(errors: list[dict[str, str]]) -> ApiError:
    return ApiError(
        422, "Invalid input", "Some of what was sent is not valid; see errors.", errors=errors
    )


def _roles(user: Any, ids: list[int]) -> dict[int, str]:
    if not user.is_authenticated or not ids:
        return {}
    return dict(
        Membership.objects.filter(user_id=user.pk, community_id__in=ids).values_list(
            "community_id", "role"
        )
    )


def _fields(community: Community, member_count: int, role: str | None) -> dict[str, Any]:
    return {
        "slug": community.slug,
        "name": community.name,
        "description": community.description,
        "visibility": community.visibility,
        "visibility_label": community.visibility_name,
        "member_count": member_count,
        "my_role": role,
        "created_at": community.created_at,
        "url": absolute(community.get_absolute_url()),
        "api_url": absolute(f"/api/v1/communities/{community.slug}"),
    }


def _can_see_members(user: Any, community: Community, membership: Membership | None) -> bool:
    """The members page's rule (communities.views._detail_context)."""
    return community.visibility in (Visibility.OPEN, Visibility.RESTRICTED) or bool(
        membership or user.is_superuser
    )


def _community(request: HttpRequest, slug: str) -> Community:
    return get_object_or_404(Community.objects.visible_to(request.user), slug=slug)


def _detail(request: HttpRequest, community: Community) -> CommunityDetailOut:
    user = request.user
    membership = services.membership_for(user, community)
    pending = (
        user.is_authenticated
        and JoinRequest.objects.filter(
            community=community, user_id=user.pk, status=RequestStatus.PENDING
        ).exists()
    )
    return CommunityDetailOut(
        **_fields(
            community, community.memberships.count(), membership.role if membership else None
        ),
        members_visible=_can_see_members(user, community, membership),
        join_request_pending=bool(pending),
    )


@router.get("", response=Page[CommunityOut], summary="Communities you may see")
def list_communities(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = 20,
    sort: str | None = None,
    visibility: str | None = None,
    q: str | None = None,
    member: bool = False,
) -> dict[str, Any]:
    """Every community except secret ones you do not belong to. ``visibility`` is open,
    restricted, private or secret; ``q`` matches the name; ``member=true`` lists only yours
    (needs a token). Sort ``name`` (default) or ``created``."""
    user = request.user
    qs: QuerySet[Community] = Community.objects.visible_to(user)
    if visibility:
        if visibility not in Visibility.values:
            raise _invalid(
                [
                    {
                        "field": "visibility",
                        "message": "visibility must be one of " + ", ".join(Visibility.values),
                    }
                ]
            )
        qs = qs.filter(visibility=visibility)
    text = (q or "").strip()[:100]
    if text:
        qs = qs.filter(name__icontains=text)
    if member:
        me = require_scope(request, "read").user
        qs = qs.filter(pk__in=Membership.objects.filter(user=me).values("community_id"))
    qs = qs.annotate(member_count=Count("memberships"))

    def transform(rows: list[Community]) -> list[CommunityOut]:
        roles = _roles(user, [c.pk for c in rows])
        return [
            CommunityOut(**_fields(c, c.member_count, roles.get(c.pk)))  # type: ignore[attr-defined]
            for c in rows
        ]

    return keyset_page(
        request,
        qs,
        sort=sort,
        allowed=COMMUNITY_SORTS,
        default="name",
        limit=limit,
        cursor=cursor,
        transform=transform,
    )


@router.post(
    "",
    response={201: CommunityDetailOut},
    auth=TOKEN_AUTH,
    summary="Create a community",
)
def create_community(request: HttpRequest, payload: CommunityIn) -> Status[CommunityDetailOut]:
    """You become its owner. Validated like the create page: a unique name of at least three
    characters, a description and a visibility. Needs the write scope."""
    require_scope(request, "write")
    user = request.user
    assert isinstance(user, User)
    form = CommunityForm(payload.model_dump())
    if not form.is_valid():
        raise _invalid(
            [
                {"field": name, "message": str(message)}
                for name, messages in form.errors.items()
                for message in messages
            ]
        )
    try:
        community = services.community_create(creator=user, **form.cleaned_data)
    except services.CommunityError as exc:
        raise _invalid([{"field": "name", "message": str(exc)}]) from exc
    return Status(201, _detail(request, community))


@router.get("/{slug}", response=CommunityDetailOut, summary="A community")
def get_community(request: HttpRequest, slug: str) -> CommunityDetailOut:
    """404 for a secret community you do not belong to."""
    return _detail(request, _community(request, slug))


@router.get("/{slug}/members", response=Page[MemberOut], summary="Members of a community")
def list_members(
    request: HttpRequest, slug: str, cursor: str | None = None, limit: int = 20
) -> dict[str, Any]:
    """As the members page lists them (by role, then name). Open and restricted communities
    show their members to anyone; private and secret ones only to members (else 403)."""
    community = _community(request, slug)
    membership = services.membership_for(request.user, community)
    if not _can_see_members(request.user, community, membership):
        raise _problem(403, "Forbidden", "Only members of this community can see who belongs.")
    qs = community.memberships.select_related("user", "user__organisation").order_by(
        "role", "user__name", "user__username", "pk"
    )

    def rows(offset: int, count: int) -> list[MemberOut]:
        return [
            MemberOut(
                person=PersonRef.from_user(m.user),
                organisation=(
                    OrganisationRef.from_organisation(m.user.organisation)
                    if m.user.organisation_id
                    else None
                ),
                role=m.role,
            )
            for m in qs[offset : offset + count]
        ]

    return sequence_page(request, rows, limit=limit, cursor=cursor, key=f"members:{community.pk}")


@router.get("/{slug}/items", response=Page[ItemOut], summary="Items in a community")
def community_items(
    request: HttpRequest,
    slug: str,
    cursor: str | None = None,
    limit: int = 20,
    sort: str | None = None,
) -> dict[str, Any]:
    """Everything in the community that you may see. Sort ``-published`` (default) or
    ``title``."""
    community = _community(request, slug)
    qs = Item.objects.visible_to(request.user).filter(community=community)
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


@router.post(
    "/{slug}/join",
    response={200: MembershipStateOut, 201: MembershipStateOut, 202: MembershipStateOut},
    auth=TOKEN_AUTH,
    summary="Join a community, or ask to",
)
def join_community(
    request: HttpRequest, slug: str, payload: JoinIn | None = None
) -> Status[MembershipStateOut]:
    """Open: you become a member (201; 200 if you already were). Restricted: your request to
    join is sent to the hosts (202, ``state: requested``), with an optional ``message``.
    Private and secret communities are by invitation only (403). Needs the write scope."""
    require_scope(request, "write")
    user = request.user
    assert isinstance(user, User)
    community = _community(request, slug)
    existing = services.membership_for(user, community)
    if existing is not None:
        return Status(200, _membership_state(community, existing, "You are already a member."))
    if community.visibility == Visibility.OPEN:
        try:
            membership = services.community_join(user=user, community=community)
        except services.CommunityError as exc:
            raise _problem(403, "Forbidden", str(exc)) from exc
        return Status(
            201, _membership_state(community, membership, f"You have joined {community.name}.")
        )
    if community.visibility == Visibility.RESTRICTED:
        message = payload.message if payload else ""
        try:
            services.join_request_create(user=user, community=community, message=message)
        except services.CommunityError as exc:
            raise _problem(409, "Conflict", str(exc)) from exc
        return Status(
            202,
            MembershipStateOut(
                community=CommunityRef.from_community(community),
                state="requested",
                role=None,
                detail="Your request has been sent. A facilitator will decide soon.",
            ),
        )
    raise _problem(
        403,
        "Invitation only",
        "This community is by invitation only: ask one of its hosts to invite you.",
    )


@router.post(
    "/{slug}/leave",
    response=MembershipStateOut,
    auth=TOKEN_AUTH,
    summary="Leave a community",
)
def leave_community(request: HttpRequest, slug: str) -> MembershipStateOut:
    """You stop being a member at once (and lose what only members see). The owner cannot leave
    until they hand over ownership (409). Needs the write scope."""
    require_scope(request, "write")
    user = request.user
    assert isinstance(user, User)
    community = _community(request, slug)
    try:
        services.community_leave(user=user, community=community)
    except services.CommunityError as exc:
        raise _problem(409, "Conflict", str(exc)) from exc
    return _membership_state(community, None, f"You are not a member of {community.name}.")


def _membership_state(
    community: Community, membership: Membership | None, detail: str
) -> MembershipStateOut:
    return MembershipStateOut(
        community=CommunityRef.from_community(community),
        state="member" if membership else "none",
        role=Role(membership.role).value if membership else None,
        detail=detail,
    )
