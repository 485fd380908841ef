from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .choices import ProfileVisibility

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class UserQuerySet(models.QuerySet["User"]):
    def visible_to(self, viewer: User | AnonymousUser) -> UserQuerySet:
        """People whose profiles the viewer may see: public profiles to everyone, all active
        profiles to signed-in members."""
        qs = self.filter(is_active=True)
        if not viewer.is_authenticated:
            qs = qs.filter(profile_visibility=ProfileVisibility.PUBLIC)
        return qs


class KHUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


def avatar_path(instance: User, filename: str) -> str:
    # The file name is ours, never the uploader's: avatars are re-encoded before saving.
    return f"avatars/{instance.pk or 'new'}/{filename}"


class User(AbstractUser):
    """A person: an account and the profile that treats them as an asset (skills, interests,
    what they offer and what they are looking for)."""

    name = models.CharField(_("full name"), max_length=150, blank=True)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    bio = models.TextField(_("about you"), blank=True, max_length=5000)
    interests = models.ManyToManyField(
        "knowledge.Tag", verbose_name=_("interests"), blank=True, related_name="interested_people"
    )
    skills = models.ManyToManyField(
        "knowledge.Tag", verbose_name=_("skills"), blank=True, related_name="skilled_people"
    )
    experience = models.TextField(
        _("skills and experience you can offer"), blank=True, max_length=5000
    )
    looking_for = models.TextField(_("what you are looking for"), blank=True, max_length=5000)
    avatar = models.ImageField(_("photo"), upload_to=avatar_path, blank=True)
    profile_visibility = models.CharField(
        _("who can see your profile"),
        max_length=16,
        choices=ProfileVisibility.choices,
        default=ProfileVisibility.MEMBERS,
    )
    suggest_me = models.BooleanField(
        _("suggest me to people with similar interests"),
        default=True,
        help_text=_(
            "Show me in \u201cPeople like you\u201d, \u201cWho has done this?\u201d and "
            "\u201cWho can help?\u201d to people who may see my profile."
        ),
    )
    is_demo = models.BooleanField(default=False, editable=False)

    objects = KHUserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["name", "username"]
        indexes = [models.Index(fields=["name", "username"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.username

    def get_absolute_url(self) -> str:
        return reverse("people:detail", kwargs={"username": self.username})
