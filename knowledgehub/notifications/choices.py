from django.db import models
from django.utils.translation import gettext_lazy as _


class Verb(models.TextChoices):
    MENTION = "mention", _("Mentioned you")
    REPORT = "report", _("Reported something to you")
