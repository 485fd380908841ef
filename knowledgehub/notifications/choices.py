from django.db import models
from django.utils.translation import gettext_lazy as _


class Verb(models.TextChoices):
    MENTION = "mention", _("Mentioned you")
    REPORT = "report", _("Reported something to you")


class PreferenceKind(models.TextChoices):
    """What a person can set preferences for: the notification verbs, plus the two things that
    only ever arrive in digests (new activity from what they follow, saved-search alerts)."""

    MENTION = "mention", _("Someone mentions you")
    REPORT = "report", _("Someone reports something you moderate")
    FOLLOWS = "follows", _("New activity from people, communities and tags you follow")
    SAVED_SEARCH = "saved_search", _("New results for your saved searches")


class Channel(models.TextChoices):
    IN_APP = "in_app", _("On this site")
    EMAIL = "email", _("By e-mail")


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Straight away")
    DAILY = "daily", _("In a daily digest")
    WEEKLY = "weekly", _("In a weekly digest")
    OFF = "off", _("Never")


class Period(models.TextChoices):
    """A digest's period (its frequency)."""

    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
