from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_TIME_ZONE = "Europe/London"


class RsvpStatus(models.TextChoices):
    GOING = "going", _("Going")
    NOT_GOING = "not_going", _("Not going")
