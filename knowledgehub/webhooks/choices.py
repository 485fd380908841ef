from django.db import models
from django.utils.translation import gettext_lazy as _

from .constants import ITEM_CREATED, MEMBER_JOINED, VALUE_RECORDED


class Event(models.TextChoices):
    ITEM_CREATED = ITEM_CREATED, _("A new item is published (item.created)")
    MEMBER_JOINED = MEMBER_JOINED, _("Someone joins the community (member.joined)")
    VALUE_RECORDED = VALUE_RECORDED, _("A performance figure is recorded (value.recorded)")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed, will retry")
    GAVE_UP = "gave_up", _("Gave up")
