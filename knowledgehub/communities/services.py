"""Writes to communities: creating, joining, leaving, inviting, deciding requests, roles.

Each function is the only place its rule lives; views stay thin. Every function raises
``CommunityError`` with a message fit to show the person when the action is not allowed.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from knowledgehub.people.models import User

from .choices import MANAGER_ROLES, InvitationStatus, RequestStatus, Role, Visibility
from .models import Community, Invitation, JoinRequest, Membership


class CommunityError(Exception):
    """An action on a community that is not allowed; the message is for the person."""


def membership_for(user: User | AnonymousUser, community: Community) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(community=community, user_id=user.pk).first()


def _require_manager(actor: User, community: Community) -> Membership:
    membership = membership_for(actor, community)
    if membership is None or membership.role not in MANAGER_ROLES:
        raise CommunityError(_("Only the community's owner and facilitators can do that."))
    return membership


# Slugs that are fixed paths under /communities/ (see urls.py): a community with one of them would
# be shadowed by the create form or swallowed by the invitation URLs.
RESERVED_SLUGS = frozenset({"new", "invitations"})


def unique_slug(name: str) -> str:
    base = slugify(name)[:120] or "community"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Community.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def community_create(*, creator: User, name: str, description: str, visibility: str) -> Community:
    name = " ".join(name.split())
    if Community.objects.filter(name__iexact=name).exists():
        raise CommunityError(_("A community called “%(name)s” already exists.") % {"name": name})
    try:
        with transaction.atomic():
            community = Community.objects.create(
                name=name,
                slug=unique_slug(name),
                description=description,
                visibility=visibility,
                created_by=creator,
            )
            Membership.objects.create(community=community, user=creator, role=Role.OWNER)
    except IntegrityError as exc:  # a concurrent create with the same name
        raise CommunityError(
            _("A community called “%(name)s” already exists.") % {"name": name}
        ) from exc
    return community


def community_join(*, user: User, community: Community) -> Membership:
    """Join an open community (or return the existing membership)."""
    existing = membership_for(user, community)
    if existing:
        return existing
    if community.visibility != Visibility.OPEN:
        raise CommunityError(
            _("This community is not open: ask to join or wait for an invitation.")
        )
    membership, _created = Membership.objects.get_or_create(
        community=community, user=user, defaults={"role": Role.MEMBER}
    )
    return membership


def community_leave(*, user: User, community: Community) -> None:
    membership = membership_for(user, community)
    if membership is None:
        return
    if membership.role == Role.OWNER:
        raise CommunityError(
            _("You own this community. Make someone else the owner before you leave.")
        )
    membership.delete()


def join_request_create(*, user: User, community: Community, message: str = "") -> JoinRequest:
    if community.visibility != Visibility.RESTRICTED:
        raise CommunityError(_("Only restricted communities take requests to join."))
    if membership_for(user, community):
        raise CommunityError(_("You are already a member of this community."))
    pending = JoinRequest.objects.filter(
        community=community, user=user, status=RequestStatus.PENDING
    ).first()
    if pending:
        return pending
    try:
        with transaction.atomic():
            return JoinRequest.objects.create(community=community, user=user, message=message)
    except IntegrityError:
        return JoinRequest.objects.get(community=community, user=user, status=RequestStatus.PENDING)


def join_request_decide(*, actor: User, join_request: JoinRequest, approve: bool) -> JoinRequest:
    community = join_request.community
    _require_manager(actor, community)
    with transaction.atomic():
        updated = JoinRequest.objects.filter(
            pk=join_request.pk, status=RequestStatus.PENDING
        ).update(
            status=RequestStatus.APPROVED if approve else RequestStatus.REJECTED,
            decided_by=actor,
            decided_at=timezone.now(),
        )
        if not updated:
            raise CommunityError(_("That request has already been decided."))
        if approve:
            Membership.objects.get_or_create(
                community=community, user=join_request.user, defaults={"role": Role.MEMBER}
            )
    join_request.refresh_from_db()
    return join_request


def invitation_create(*, actor: User, community: Community, email: str) -> Invitation:
    _require_manager(actor, community)
    email = email.strip()
    if Membership.objects.filter(community=community, user__email__iexact=email).exists():
        raise CommunityError(_("%(email)s is already a member.") % {"email": email})
    existing = Invitation.objects.filter(
        community=community, email__iexact=email, status=InvitationStatus.PENDING
    ).first()
    if existing:
        raise CommunityError(_("%(email)s has already been invited.") % {"email": email})
    with transaction.atomic():
        invitation = Invitation.objects.create(community=community, email=email, invited_by=actor)
        context = {
            "invitation": invitation,
            "community": community,
            "inviter": actor,
            "url": settings.SITE_URL + invitation.get_absolute_url(),
            "site_name": settings.SITE_NAME,
        }
        transaction.on_commit(
            lambda: send_mail(
                subject=_("%(name)s invites you to join %(community)s")
                % {"name": actor.display_name, "community": community.name},
                message=render_to_string("communities/email/invitation.txt", context),
                from_email=None,
                recipient_list=[email],
                html_message=render_to_string("communities/email/invitation.html", context),
            )
        )
    return invitation


def _email_matches(user: User, email: str) -> bool:
    from allauth.account.models import EmailAddress

    if user.email and user.email.lower() == email.lower():
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def invitation_respond(*, user: User, invitation: Invitation, accept: bool) -> Membership | None:
    if not _email_matches(user, invitation.email):
        raise CommunityError(
            _("This invitation was sent to a different e-mail address. Sign in with that address.")
        )
    with transaction.atomic():
        updated = Invitation.objects.filter(
            pk=invitation.pk, status=InvitationStatus.PENDING
        ).update(
            status=InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED,
            responded_at=timezone.now(),
        )
        if not updated:
            raise CommunityError(_("This invitation is no longer open."))
        if not accept:
            return None
        membership, _created = Membership.objects.get_or_create(
            community=invitation.community, user=user, defaults={"role": Role.MEMBER}
        )
        JoinRequest.objects.filter(
            community=invitation.community, user=user, status=RequestStatus.PENDING
        ).update(status=RequestStatus.APPROVED, decided_at=timezone.now())
    return membership


def invitation_revoke(*, actor: User, invitation: Invitation) -> None:
    _require_manager(actor, invitation.community)
    Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.REVOKED, responded_at=timezone.now()
    )


def member_remove(*, actor: User, community: Community, member: User) -> None:
    actor_membership = _require_manager(actor, community)
    target = membership_for(member, community)
    if target is None:
        return
    if target.role == Role.OWNER:
        raise CommunityError(_("The owner cannot be removed."))
    if target.role == Role.FACILITATOR and actor_membership.role != Role.OWNER:
        raise CommunityError(_("Only the owner can remove a facilitator."))
    target.delete()


def member_set_role(*, actor: User, community: Community, member: User, role: str) -> Membership:
    actor_membership = membership_for(actor, community)
    if actor_membership is None or actor_membership.role != Role.OWNER:
        raise CommunityError(_("Only the owner can change roles."))
    if role not in (Role.FACILITATOR, Role.MEMBER):
        raise CommunityError(_("Choose facilitator or member."))
    target = membership_for(member, community)
    if target is None:
        raise CommunityError(_("That person is not a member."))
    if target.role == Role.OWNER:
        raise CommunityError(_("Transfer ownership to change the owner's role."))
    target.role = role
    target.save(update_fields=["role"])
    return target


def ownership_transfer(*, actor: User, community: Community, new_owner: User) -> None:
    actor_membership = membership_for(actor, community)
    if actor_membership is None or actor_membership.role != Role.OWNER:
        raise CommunityError(_("Only the owner can hand over ownership."))
    target = membership_for(new_owner, community)
    if target is None:
        raise CommunityError(_("The new owner must already be a member."))
    if target.pk == actor_membership.pk:
        return
    with transaction.atomic():
        actor_membership.role = Role.FACILITATOR
        actor_membership.save(update_fields=["role"])
        target.role = Role.OWNER
        target.save(update_fields=["role"])
