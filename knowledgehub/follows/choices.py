from django.db import models
from django.utils.translation import gettext_lazy as _


class Verb(models.TextChoices):
    POSTED = "posted", _("posted")
    COMMENTED = "commented", _("commented")
    REPLIED = "replied", _("replied")


class TargetKind(models.TextChoices):
    """What can be followed; the value is the URL segment of the follow views."""

    PERSON = "person", _("Person")
    COMMUNITY = "community", _("Community")
    TAG = "tag", _("Tag")
    ORGANISATION = "organisation", _("Organisation")
    FEED = "feed", _("Feed")
    THEME = "theme", _("Theme")
