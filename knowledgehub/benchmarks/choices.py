from django.db import models
from django.utils.translation import gettext_lazy as _


class Polarity(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")
    NEITHER = "neither", _("Neither higher nor lower is better")


class PeriodType(models.TextChoices):
    YEAR = "year", _("Calendar year (2024)")
    FINANCIAL_YEAR = "financial_year", _("Financial year (2024/25)")
    QUARTER = "quarter", _("Financial-year quarter (2024/25 Q1)")
    MONTH = "month", _("Month (2024-03)")


class Sharing(models.TextChoices):
    """Who may see one value. Ordered from most open to least."""

    PUBLIC = "public", _("Everyone")
    MEMBERS = "members", _("Signed-in members")
    CLUB = "club", _("Only the councils of a benchmarking club")


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", _("Waiting for its columns to be mapped")
    QUEUED = "queued", _("Waiting to be imported")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")
