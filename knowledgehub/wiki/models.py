"""Wiki pages, one wiki per community, with a full revision history.

Invariants: every save through ``services.page_create`` / ``page_update`` / ``page_revert``
creates exactly one :class:`Revision`, numbered 1, 2, 3… per page, and
``Page.revision_number`` is the number of the newest one. A page's slug is unique within its
community and never changes once made, so links and bookmarks keep working after a rename.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.registry import Indexed, ItemData, register
from knowledgehub.lib.markdown import plain_text

from .constants import BODY_MAX_LENGTH, NOTE_MAX_LENGTH, SLUG_MAX_LENGTH, TITLE_MAX_LENGTH


@register("wiki_page", label=_("Wiki page"), label_plural=_("Wiki pages"))
class Page(Indexed):
    """A page in a community's wiki; pages form a tree through ``parent``."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="wiki_pages"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    slug = models.SlugField(_("web address"), max_length=SLUG_MAX_LENGTH)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name=_("parent page"),
    )
    body = models.TextField(_("page text"), max_length=BODY_MAX_LENGTH, blank=True)
    audience = models.CharField(
        _("who can read it"), max_length=16, choices=Audience.choices, default=Audience.PUBLIC
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wiki_pages"
    )
    last_editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    revision_number = models.PositiveIntegerField(default=0)
    tags = models.ManyToManyField("knowledge.Tag", blank=True, related_name="wiki_pages")
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="wiki_page_slug_unique"),
            models.UniqueConstraint("community", Lower("title"), name="wiki_page_title_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("wiki:detail", kwargs={"slug": self.community.slug, "page_slug": self.slug})

    def as_item(self) -> ItemData:
        text = plain_text(self.body)
        return ItemData(
            title=self.title,
            url=self.get_absolute_url(),
            text=text,
            summary=text[:280],
            author_id=self.author_id,
            organisation_id=self.author.organisation_id,
            community_id=self.community_id,
            audience=self.audience,
            tags=[t.name for t in self.tags.all()] if self.pk else [],
            published_at=self.created_at,
            updated_at=self.updated_at,
            is_demo=self.is_demo,
        )


class Revision(models.Model):
    """One saved version of a page: what it said, who saved it, when and why."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    body = models.TextField(max_length=BODY_MAX_LENGTH, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wiki_revisions",
    )
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(_("what changed"), max_length=NOTE_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="wiki_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.page} (revision {self.number})"
