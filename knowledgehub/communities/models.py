from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .choices import MANAGER_ROLES, InvitationStatus, RequestStatus, Role, Visibility

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from knowledgehub.people.models import User


class CommunityQuerySet(models.QuerySet["Community"]):
    def visible_to(self, viewer: User | AnonymousUser) -> CommunityQuerySet:
        """Communities the viewer may know exist: all but secret ones, plus secret ones they
        belong to. Site admins see all."""
        if viewer.is_authenticated and viewer.is_superuser:
            return self.all()
        if not viewer.is_authenticated:
            return self.exclude(visibility=Visibility.SECRET)
        return self.filter(
            ~Q(visibility=Visibility.SECRET)
            | Q(pk__in=Membership.objects.filter(user=viewer).values("community_id"))
        )


class Community(models.Model):
    """A community of practice: people around a shared interest, with an audience rule."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("web address"), max_length=140, unique=True)
    description = models.TextField(_("what the community is for"), max_length=5000)
    visibility = models.CharField(
        _("who can join and see it"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.OPEN,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_demo = models.BooleanField(default=False, editable=False)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "communities"
        constraints = [
            models.UniqueConstraint(Lower("name"), name="community_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:detail", kwargs={"slug": self.slug})

    @property
    def visibility_name(self) -> str:
        """The short name of the visibility ("Open", "Secret"), without its explanation."""
        return str(Visibility(self.visibility).label).split(":")[0]

    @property
    def is_secret(self) -> bool:
        return self.visibility == Visibility.SECRET


class Membership(models.Model):
    """A person's place in a community and their role there."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="membership_unique"),
            models.UniqueConstraint(
                fields=["community"], condition=Q(role=Role.OWNER), name="one_owner_per_community"
            ),
        ]
        indexes = [models.Index(fields=["user", "community"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.community} ({self.role})"

    @property
    def can_manage(self) -> bool:
        return self.role in MANAGER_ROLES


def _token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An invitation by e-mail; the link carries an unguessable token."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    status = models.CharField(
        max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "community",
                Lower("email"),
                condition=Q(status=InvitationStatus.PENDING),
                name="one_pending_invitation_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation to {self.community} for {self.email}"

    def get_absolute_url(self) -> str:
        return reverse("communities:invitation", kwargs={"token": self.token})


class JoinRequest(models.Model):
    """A request to join a restricted community, decided by a facilitator."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.TextField(blank=True, max_length=2000)
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "user"],
                condition=Q(status=RequestStatus.PENDING),
                name="one_pending_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} asks to join {self.community}"
