from django.db import models
from django.utils.translation import gettext_lazy as _


class ActorKind(models.TextChoices):
    COMMUNITY = "community", _("Community")
    PERSON = "person", _("Person")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
