from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceStatus(models.TextChoices):
    ACTIVE = "active", _("Polling")
    PAUSED = "paused", _("Paused")
    GONE = "gone", _("Gone (the site says the feed no longer exists)")


class Scope(models.TextChoices):
    SITE = "site", _("Site-wide")
    COMMUNITY = "community", _("Community")
    PRIVATE = "private", _("Private")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
