"""Who wants what, and how. Rows in ``NotificationPreference`` override ``DEFAULTS``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from knowledgehub.people.models import User

from .choices import Channel, Frequency, PreferenceKind
from .models import NotificationPreference

# (kind, channel) -> frequency when the person has not chosen.
DEFAULTS: dict[tuple[str, str], str] = {
    (PreferenceKind.MENTION, Channel.IN_APP): Frequency.IMMEDIATE,
    (PreferenceKind.MENTION, Channel.EMAIL): Frequency.IMMEDIATE,
    (PreferenceKind.REPORT, Channel.IN_APP): Frequency.IMMEDIATE,
    (PreferenceKind.REPORT, Channel.EMAIL): Frequency.IMMEDIATE,
    (PreferenceKind.FOLLOWS, Channel.EMAIL): Frequency.DAILY,
    (PreferenceKind.SAVED_SEARCH, Channel.EMAIL): Frequency.DAILY,
}


@dataclass(frozen=True)
class Option:
    """One setting on the settings page: a kind, a channel and the frequencies offered."""

    kind: str
    channel: str
    choices: tuple[str, ...]


IN_APP_CHOICES = (Frequency.IMMEDIATE, Frequency.OFF)
EMAIL_CHOICES = (Frequency.IMMEDIATE, Frequency.DAILY, Frequency.WEEKLY, Frequency.OFF)
DIGEST_CHOICES = (Frequency.DAILY, Frequency.WEEKLY, Frequency.OFF)
# Saved searches each say how often they alert; here a person only turns the alerts on or off
# (any value but "off" means on).
ON_OFF_CHOICES = (Frequency.DAILY, Frequency.OFF)

OPTIONS: tuple[Option, ...] = (
    Option(PreferenceKind.MENTION, Channel.IN_APP, IN_APP_CHOICES),
    Option(PreferenceKind.MENTION, Channel.EMAIL, EMAIL_CHOICES),
    Option(PreferenceKind.REPORT, Channel.IN_APP, IN_APP_CHOICES),
    Option(PreferenceKind.REPORT, Channel.EMAIL, EMAIL_CHOICES),
    Option(PreferenceKind.FOLLOWS, Channel.EMAIL, DIGEST_CHOICES),
    Option(PreferenceKind.SAVED_SEARCH, Channel.EMAIL, ON_OFF_CHOICES),
)


def preferences_for(user: User) -> dict[tuple[str, str], str]:
    """Every (kind, channel) -> frequency for ``user``, defaults filled in."""
    prefs = dict(DEFAULTS)
    for verb, channel, frequency in NotificationPreference.objects.filter(user=user).values_list(
        "verb", "channel", "frequency"
    ):
        if (verb, channel) in prefs:
            prefs[(verb, channel)] = frequency
    return prefs


def frequency(user: User, kind: str, channel: str) -> str:
    """``user``'s frequency for one kind and channel (``off`` for a pair nobody can set)."""
    return preferences_for(user).get((kind, channel), Frequency.OFF)


def preference_set(*, user: User, kind: str, channel: str, frequency: str) -> None:
    """Save one choice. Raises ``ValueError`` for a kind, channel or frequency not offered."""
    option = next((o for o in OPTIONS if o.kind == kind and o.channel == channel), None)
    if option is None or frequency not in option.choices:
        raise ValueError(f"{kind}/{channel}/{frequency} is not a setting")
    with transaction.atomic():
        NotificationPreference.objects.update_or_create(
            user=user, verb=kind, channel=channel, defaults={"frequency": frequency}
        )


def email_off(*, user: User, kinds: list[str]) -> None:
    """Stop e-mail of these kinds (unsubscribing). Idempotent."""
    for kind in kinds:
        preference_set(user=user, kind=kind, channel=Channel.EMAIL, frequency=Frequency.OFF)


def digest_kinds(user: User, period: str) -> list[str]:
    """The kinds ``user`` gets in the ``period`` digest (saved searches: when turned on; each
    saved search says its own period)."""
    prefs = preferences_for(user)
    kinds = [
        kind
        for (kind, channel), value in prefs.items()
        if channel == Channel.EMAIL and value == period and kind != PreferenceKind.SAVED_SEARCH
    ]
    if prefs[(PreferenceKind.SAVED_SEARCH, Channel.EMAIL)] != Frequency.OFF:
        kinds.append(PreferenceKind.SAVED_SEARCH)
    return kinds
