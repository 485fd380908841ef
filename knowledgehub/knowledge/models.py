from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from .choices import Audience
from .visibility import ItemQuerySet


class TagQuerySet(models.QuerySet["Tag"]):
    def get_or_create_many(self, names: list[str]) -> list[Tag]:
        """Tags for these names, created when new; names are matched on their slug."""
        wanted: dict[str, str] = {}
        for raw in names:
            name = " ".join(raw.split())[:60]
            slug = slugify(name)[:60]
            if slug and slug not in wanted:
                wanted[slug] = name
        existing = {t.slug: t for t in self.filter(slug__in=wanted)}
        missing = [Tag(slug=s, name=n) for s, n in wanted.items() if s not in existing]
        if missing:
            self.bulk_create(missing, ignore_conflicts=True)
            existing = {t.slug: t for t in self.filter(slug__in=wanted)}
        return [existing[s] for s in wanted if s in existing]


class Tag(models.Model):
    """A topic: used for people's interests and skills and for tagging knowledge."""

    name = models.CharField(max_length=60)
    slug = models.SlugField(max_length=60, unique=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """One piece of knowledge in the index, whatever made it (blog post, wiki page, feed item,
    dataset, metric …). Content apps own rich models and keep their Item in step through
    ``knowledge.registry``; everything downstream (search, streams, recommendations, feeds, the
    API, widgets) reads Items, and only through ``Item.objects.visible_to`` or ``can_view``."""

    kind = models.CharField(max_length=32, db_index=True)
    title = models.CharField(max_length=300)
    text = models.TextField(blank=True, help_text="Plain text, for search and discovery.")
    summary = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=1000, help_text="Where to read it: a path here or a link.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_items",
    )
    source_name = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
    )
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="items",
    )
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.PUBLIC)
    tags = models.ManyToManyField(Tag, blank=True, related_name="items")
    published_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    source = GenericForeignKey("content_type", "object_id")
    is_demo = models.BooleanField(default=False)
    # Moderation: a facilitator (or site admin) hid this item. It stays in the index, seen only by
    # its author, its community's facilitators and site admins (the visibility rule, item 0).
    is_hidden = models.BooleanField(default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_at = models.DateTimeField(null=True, blank=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="item_one_per_source"
            ),
            models.CheckConstraint(
                condition=~Q(audience=Audience.COMMUNITY) | Q(community__isnull=False),
                name="item_community_audience_needs_community",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "-published_at"]),
            models.Index(fields=["audience", "-published_at"]),
            models.Index(fields=["author", "-published_at"]),
            # Pages find their own Item by address (Open Graph tags, oEmbed).
            models.Index(fields=["url"], name="knowledge_item_url"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.url

    @property
    def kind_label(self) -> str:
        from .registry import kind_label

        return kind_label(self.kind)


class ContentRevision(models.Model):
    """One saved state of a piece of content (title and Markdown source), for edit history on
    every kind that does not keep its own (the wiki keeps numbered revisions with revert). Written
    by :func:`knowledgehub.knowledge.history.record_revision` from each kind's create and update
    services; read only through the item's visibility (``/items/<id>/history/``)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    number = models.PositiveIntegerField()
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "number"], name="content_revision_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} (revision {self.number})"
