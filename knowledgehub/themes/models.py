"""Themes the serendipity engine finds by clustering recent items, and which items belong to them.

A theme keeps its id across rebuilds when a new cluster mostly holds the same items (so follows
and links survive); a theme no new cluster matches is retired (``is_active=False``), not deleted.
Weekly, regional and council-type counts for trends and heat maps are aggregated from
``ThemeItem`` joined to ``Item`` when asked, so there is nothing else to keep in step.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone

from knowledgehub.knowledge.models import Item


class Theme(models.Model):
    """A group of related items, labelled with readable keywords (class-based TF-IDF)."""

    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="themes",
        help_text="Empty for a sitewide theme.",
    )
    label = models.CharField(max_length=200)
    keywords = models.JSONField(default=list, help_text="Label terms, most distinctive first.")
    size = models.PositiveIntegerField(default=0, help_text="Items in the theme.")
    centroid = models.BinaryField(
        null=True, blank=True, help_text="Unit float32 vector in the space items are assigned in."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-size", "pk"]
        indexes = [models.Index(fields=["community", "is_active", "-size"])]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("themes:detail", args=[self.pk])


class ThemeItem(models.Model):
    """``item`` belongs to ``theme`` with closeness ``score`` (cosine to the theme's centroid)."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="memberships")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="theme_memberships")
    score = models.FloatField(default=0.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["theme", "item"], name="themes_item_once"),
        ]
        indexes = [
            models.Index(fields=["theme", "-score"], name="themes_item_top"),
            models.Index(fields=["item"], name="themes_item_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} in theme {self.theme_id}"
