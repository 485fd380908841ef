"""Council performance data: metrics grouped by service area, one value per council per period,
who may see each value, benchmarking clubs, the people who speak for a council's figures, and
imports.

A value's ``sharing`` says who may see it (``visibility.py`` is the one door); an embargoed value
becomes public on its ``embargo_until`` date (the read path treats it as public from that day; the
daily task then records the change). Every change of a value keeps the figure it replaced as a
``MetricValueRevision``. ``Metric.values_version`` is bumped whenever any of its values change, so
the in-process snapshots of a metric's values (``snapshot.py``) know when they are stale.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.registry import Indexed, ItemData, register

from .choices import ImportStatus, PeriodType, Polarity, Sharing


class ServiceArea(models.Model):
    """A group of metrics (waste, planning, adult social care …), with the community where people
    talk about it, so "ask them" knows where to start a conversation."""

    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    community = models.ForeignKey(
        "communities.Community",
        verbose_name=_("community where it is discussed"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_areas",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


# Unauthored: a metric is reference data, written by no one person (never on a profile).
class MetricQuerySet(models.QuerySet["Metric"]):
    def visible_to(self, user: Any) -> MetricQuerySet:
        """Metrics are public reference data, but a moderator may hide one (its index item):
        then, as with every hidden item, only site admins see it (``knowledge/visibility.py``)."""
        from knowledgehub.knowledge.models import Item
        from knowledgehub.knowledge.visibility import visibility_q

        unseen = Item.objects.filter(kind="metric").exclude(visibility_q(user)).values("object_id")
        return self.exclude(pk__in=unseen)


@register(
    "metric",
    label=_("Performance metric"),
    label_plural=_("Performance metrics"),
    authored=False,
)
class Metric(Indexed):
    """What is measured. Definitions are public (an index item, so metrics are found, related and
    discussed like other knowledge); each value has its own sharing level."""

    identifier = models.SlugField(_("identifier"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    unit = models.CharField(
        _("unit"), max_length=40, blank=True, help_text=_("For example %, tonnes, £ per head.")
    )
    polarity = models.CharField(
        _("polarity"), max_length=8, choices=Polarity.choices, default=Polarity.NEITHER
    )
    period_type = models.CharField(
        _("period type"),
        max_length=16,
        choices=PeriodType.choices,
        default=PeriodType.FINANCIAL_YEAR,
    )
    source = models.CharField(_("source"), max_length=255, blank=True)
    source_url = models.URLField(_("source address"), blank=True)
    service_area = models.ForeignKey(
        ServiceArea,
        verbose_name=_("service area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="metrics",
    )
    decimals = models.PositiveSmallIntegerField(_("decimal places shown"), default=1)
    is_context = models.BooleanField(
        _("context metric"),
        default=False,
        help_text=_("Offered for finding nearest neighbours (population, density, deprivation)."),
    )
    values_version = models.PositiveIntegerField(default=0, editable=False)
    objects = MetricQuerySet.as_manager()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        permissions = [
            ("import_values", "Can define metrics and import values for any council"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("benchmarks:metric", kwargs={"identifier": self.identifier})

    def as_item(self) -> ItemData | None:
        area = self.service_area.name if self.service_area_id and self.service_area else ""
        text = " ".join(p for p in (self.title, self.description, area, self.source) if p)
        return ItemData(
            title=self.title,
            url=self.get_absolute_url(),
            text=text,
            summary=(self.description or self.title)[:280],
            author_id=None,
            source_name=self.source,
            audience=Audience.PUBLIC,
            tags=[area] if area else [],
            published_at=self.created_at,
            updated_at=self.updated_at,
            is_demo=self.is_demo,
        )


class BenchmarkingClub(models.Model):
    """A named group of councils that share figures among themselves (a custom comparison
    group). Values shared with a club are seen by the club's councils' contributors."""

    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    members = models.ManyToManyField(
        "organisations.Organisation", verbose_name=_("councils"), related_name="benchmarking_clubs"
    )
    community = models.ForeignKey(
        "communities.Community",
        verbose_name=_("the club's community"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="benchmarking_clubs",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CouncilContributor(models.Model):
    """A person confirmed (by a data steward) to speak for a council's figures: they may enter
    its values and see what its benchmarking clubs share. A profile's self-declared organisation
    alone grants neither."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="council_contributions"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="contributors"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_contributor_row")
        ]

    def __str__(self) -> str:
        return f"{self.user} for {self.organisation}"


class MetricImport(models.Model):
    """One file of values on its way in: uploaded, its columns mapped, imported by the worker,
    and its validation report kept."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.MAPPING
    )
    file = models.FileField(upload_to="metric-imports/%Y/%m/", blank=True, max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    format = models.CharField(max_length=8, blank=True)  # csv, xlsx
    header = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)  # role -> column name
    metric = models.ForeignKey(
        Metric, null=True, blank=True, on_delete=models.SET_NULL, related_name="imports"
    )
    period = models.CharField(max_length=32, blank=True)  # for files with one column per metric
    create_metrics = models.BooleanField(default=False)
    sharing = models.CharField(max_length=8, choices=Sharing.choices, default=Sharing.PUBLIC)
    club = models.ForeignKey(
        BenchmarkingClub, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    embargo_until = models.DateField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    revised = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0)
    bytes_total = models.PositiveBigIntegerField(default=0)
    bytes_read = models.PositiveBigIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)  # [{row, column, message}], capped
    problem_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name or f"Import {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("benchmarks:import_detail", kwargs={"pk": self.pk})


class MetricValue(models.Model):
    """One council's figure for one metric and period. Lean on purpose: there may be millions."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="values")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="metric_values"
    )
    period = models.CharField(max_length=16)  # canonical label: 2024, 2024/25, 2024/25 Q1, 2024-03
    period_start = models.DateField()
    value = models.FloatField()
    sharing = models.CharField(max_length=8, choices=Sharing.choices, default=Sharing.PUBLIC)
    club = models.ForeignKey(
        BenchmarkingClub, null=True, blank=True, on_delete=models.PROTECT, related_name="values"
    )
    embargo_until = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_import = models.ForeignKey(
        MetricImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "organisation", "period"], name="one_value_per_council_period"
            ),
            models.CheckConstraint(
                condition=~models.Q(sharing="club") | models.Q(club__isnull=False),
                name="club_values_name_their_club",
            ),
        ]
        indexes = [
            models.Index(fields=["metric", "period_start"], name="value_metric_period"),
            models.Index(fields=["organisation", "metric"], name="value_council_metric"),
        ]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.organisation_id} {self.period}: {self.value}"


class MetricValueRevision(models.Model):
    """The figure (and sharing) a value had before it was changed, who changed it and when."""

    value = models.ForeignKey(MetricValue, on_delete=models.CASCADE, related_name="revisions")
    previous_value = models.FloatField()
    previous_sharing = models.CharField(max_length=8, choices=Sharing.choices)
    previous_club = models.ForeignKey(
        BenchmarkingClub, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    previous_embargo_until = models.DateField(null=True, blank=True)
    previous_note = models.CharField(max_length=500, blank=True)
    previous_updated_at = models.DateTimeField()
    replaced_at = models.DateTimeField(auto_now_add=True)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replaced_by_import = models.ForeignKey(
        MetricImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-replaced_at", "-pk"]

    def __str__(self) -> str:
        return f"revision of {self.value_id}"
