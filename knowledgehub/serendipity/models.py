"""What the serendipity engine keeps: the fitted TF-IDF model, one vector per Item and each Item's
precomputed related items. All of it can be rebuilt from the Items (``rebuild_serendipity``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from knowledgehub.knowledge.models import Item


class ModelState(models.Model):
    """The fitted TF-IDF model (one row per rebuild; the newest is current)."""

    version = models.PositiveIntegerField(unique=True)
    terms = models.JSONField(default=list, help_text="The vocabulary, in column order.")
    idf = models.JSONField(default=list, help_text="Inverse document frequency per term.")
    item_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"TF-IDF model v{self.version} ({len(self.terms)} terms)"


class ItemVector(models.Model):
    """An Item's TF-IDF vector: its top terms as packed (int32 index, float32 weight) pairs."""

    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="serendipity_vector")
    tfidf = models.BinaryField()
    embedding = models.BinaryField(
        null=True, blank=True, help_text="Sentence embedding: float32 little-endian, unit length."
    )
    model_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"vector of item {self.item_id}"


class RelatedItem(models.Model):
    """``related`` is among the items most like ``item`` (top 30 kept per item)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    related = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    terms = models.JSONField(default=list, help_text="Shared top terms, heaviest first.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "related"], name="serendipity_related_unique"),
        ]
        indexes = [models.Index(fields=["item", "-score"], name="serendipity_related_top")]

    def __str__(self) -> str:
        return f"{self.item_id} ~ {self.related_id} ({self.score:.2f})"


class PersonVector(models.Model):
    """What a person is about, for "People like you", "who has done this?" and "who can help":
    their declared interests, skills and profile text plus the open items they wrote, read and
    followed. Built only from what every signed-in member may see, so a similarity never reveals
    restricted content."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="serendipity_vector"
    )
    tfidf = models.BinaryField()
    embedding = models.BinaryField(null=True, blank=True)
    terms = models.JSONField(default=list, help_text="The person's top terms, heaviest first.")
    model_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"vector of person {self.person_id}"


class SimilarPerson(models.Model):
    """``other`` is among the people most like ``person`` ("People like you"), precomputed by the
    worker from person vectors; ``reasons`` are shared interests, skills or terms."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "other"], name="serendipity_similar_once"),
        ]
        indexes = [models.Index(fields=["person", "-score"], name="serendipity_similar_top")]

    def __str__(self) -> str:
        return f"{self.person_id} ~ {self.other_id} ({self.score:.2f})"


class ItemPerson(models.Model):
    """``person``'s work is among the closest to ``item`` ("Who has done this?"; on an ask, "Who
    can help?"), precomputed by the worker; ``reasons`` say why in a few words."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "person"], name="serendipity_itemperson_once"),
        ]
        indexes = [models.Index(fields=["item", "-score"], name="serendipity_itemperson_top")]

    def __str__(self) -> str:
        return f"{self.person_id} for item {self.item_id} ({self.score:.2f})"
