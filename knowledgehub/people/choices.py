from django.db import models
from django.utils.translation import gettext_lazy as _


class ProfileVisibility(models.TextChoices):
    PUBLIC = "public", _("Anyone, including people who are not signed in")
    MEMBERS = "members", _("Only signed-in members of Knowledge Hub")
