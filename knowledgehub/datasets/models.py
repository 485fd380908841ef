"""Datasets: DCAT metadata, versions (distributions) and their rows.

A ``Dataset`` is a ``knowledge.Item`` once approved, so it is searched, related, themed and
discussed like any other knowledge. Each upload or fetched URL is a new ``Distribution`` (version);
history is kept. Rows of an imported distribution are stored as JSON arrays in column order, typed
by the inferred column types, so the preview, the data API and the downloads read one table.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.registry import Indexed, ItemData, register
from knowledgehub.lib.markdown import plain_text, render_markdown

from .choices import Frequency, ImportStatus, Licence, Status
from .storage import dataset_storage


@register("dataset", label=_("Dataset"), label_plural=_("Datasets"))
class Dataset(Indexed):
    """A dataset and its DCAT metadata. Only an approved dataset is in the index (and so in the
    catalogue, search, SPARQL and the API); a community dataset stays inside its community."""

    slug = models.SlugField(_("short name"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=20_000)
    description_html = models.TextField(editable=False, blank=True)
    publisher = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("publisher"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="datasets",
    )
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="datasets",
    )
    audience = models.CharField(
        _("who can see it"), max_length=16, choices=Audience.choices, default=Audience.PUBLIC
    )
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    licence = models.CharField(
        _("licence"), max_length=16, choices=Licence.choices, default=Licence.OGL_3
    )
    themes = models.JSONField(_("themes"), default=list, blank=True, help_text="DataTheme codes")
    tags = models.ManyToManyField("knowledge.Tag", blank=True, related_name="datasets")
    spatial = models.JSONField(
        _("areas covered"), default=list, blank=True, help_text="GSS codes of the areas covered"
    )
    temporal_start = models.DateField(_("covers from"), null=True, blank=True)
    temporal_end = models.DateField(_("covers to"), null=True, blank=True)
    frequency = models.CharField(
        _("how often it is updated"),
        max_length=16,
        choices=Frequency.choices,
        default=Frequency.UNKNOWN,
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    review_comment = models.TextField(_("comments from the data steward"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True, help_text="First approved.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="datasets"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        permissions = [("approve_dataset", "Can approve datasets (data steward)")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(audience=Audience.COMMUNITY)
                | models.Q(community__isnull=False),
                name="dataset_community_audience_needs_community",
            ),
        ]
        indexes = [models.Index(fields=["status", "-updated_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("datasets:detail", kwargs={"slug": self.slug})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.description_html = render_markdown(self.description)
        super().save(*args, **kwargs)

    def as_item(self) -> ItemData | None:
        if self.status != Status.APPROVED:
            return None
        text = plain_text(self.description)
        return ItemData(
            title=self.title,
            url=self.get_absolute_url(),
            text=text,
            summary=text[:280],
            author_id=self.created_by_id,
            organisation_id=self.publisher_id,
            community_id=self.community_id,
            audience=self.audience,
            tags=[t.name for t in self.tags.all()] if self.pk else [],
            published_at=self.issued_at or self.created_at,
            updated_at=self.updated_at,
            is_demo=self.is_demo,
        )

    @property
    def current(self) -> Distribution | None:
        """The newest successfully imported version, if any."""
        return self.distributions.filter(status=ImportStatus.DONE).order_by("-version").first()


class Distribution(models.Model):
    """One version of a dataset's data: an uploaded file or a fetched URL, imported row by row
    by the worker, with the inferred columns and a validation report."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="distributions")
    version = models.PositiveIntegerField()
    file = models.FileField(storage=dataset_storage, max_length=255, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    source_url = models.URLField(max_length=1000, blank=True)
    format = models.CharField(max_length=8, help_text="csv, xlsx or json")
    media_type = models.CharField(max_length=120, blank=True)
    byte_size = models.PositiveBigIntegerField(default=0)
    encoding = models.CharField(max_length=40, blank=True)
    delimiter = models.CharField(max_length=4, blank=True)
    columns = models.JSONField(
        default=list, help_text='[{"name", "type", "nulls", "min", "max", ...}] in column order'
    )
    row_count = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    progress_done = models.PositiveBigIntegerField(default=0)
    progress_total = models.PositiveBigIntegerField(default=0)
    problems = models.JSONField(
        default=list, help_text='[{"row", "column", "message"}], the first few hundred'
    )
    problem_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the import failed, in plain words.")
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "version"], name="distribution_version"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset_id} v{self.version}"


class DatasetRow(models.Model):
    """One data row of a distribution: values in column order, typed (numbers as numbers,
    dates as ISO strings, booleans, null for empty)."""

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(help_text="1 is the first row after the header.")
    data = models.JSONField()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "number"], name="dataset_row_once"),
        ]

    def __str__(self) -> str:
        return f"row {self.number} of {self.distribution_id}"
