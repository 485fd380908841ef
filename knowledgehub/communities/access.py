"""Helpers content apps use to reach a community from a view, always through its visibility door.

A content view under ``/communities/<slug>/…`` calls :func:`community_for` first: it returns the
community if the viewer may know it exists (a 404 for secret communities to outsiders) together
with the viewer's membership, if any.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from knowledgehub.knowledge.choices import Audience
from knowledgehub.people.models import User

from .choices import Visibility
from .models import Community, Membership


@dataclass(frozen=True)
class CommunityAccess:
    community: Community
    membership: Membership | None

    @property
    def is_member(self) -> bool:
        return self.membership is not None

    @property
    def can_manage(self) -> bool:
        return bool(self.membership and self.membership.can_manage)


def community_for(request: HttpRequest, slug: str) -> CommunityAccess:
    community = get_object_or_404(Community.objects.visible_to(request.user), slug=slug)
    user: User | AnonymousUser = request.user
    membership = (
        Membership.objects.filter(community=community, user_id=user.pk).first()
        if user.is_authenticated
        else None
    )
    return CommunityAccess(community=community, membership=membership)


def require_member(access: CommunityAccess) -> Membership:
    """Only members may create content in a community."""
    if access.membership is None:
        raise PermissionDenied("Only members of this community can do that.")
    return access.membership


def default_audience(community: Community) -> str:
    """Content in an open community is public by default; elsewhere it stays in the community."""
    return Audience.PUBLIC if community.visibility == Visibility.OPEN else Audience.COMMUNITY
