from django.db import models
from django.utils.translation import gettext_lazy as _


class ReactionKind(models.TextChoices):
    USEFUL = "useful", _("Useful")
    INSIGHTFUL = "insightful", _("Insightful")
    THANKS = "thanks", _("Thanks")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class ReportOutcome(models.TextChoices):
    HIDDEN = "hidden", _("Hidden")
    DISMISSED = "dismissed", _("No action needed")
