from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    OFFER = "offer", _("Offer")
    ASK = "ask", _("Ask")


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Met")
    CLOSED = "closed", _("Closed")
