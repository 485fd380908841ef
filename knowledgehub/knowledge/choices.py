from django.db import models
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    """Who may read an item. The one visibility rule (``knowledge.visibility``) interprets these."""

    PUBLIC = "public", _("Anyone")
    MEMBERS = "members", _("Signed-in members of Knowledge Hub")
    COMMUNITY = "community", _("Members of the community")
    PRIVATE = "private", _("Only me")
