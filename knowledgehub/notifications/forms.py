from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Channel, Frequency, PreferenceKind
from .preferences import ON_OFF_CHOICES, OPTIONS, Option

LABELS: dict[str, dict[str, Any]] = {
    Channel.IN_APP: {
        Frequency.IMMEDIATE: _("Show them in my notifications"),
        Frequency.OFF: _("Do not show them"),
    },
    Channel.EMAIL: dict(Frequency.choices),
}
SAVED_SEARCH_LABELS: dict[str, Any] = {
    Frequency.DAILY: _("Include them in my digests (each saved search says daily or weekly)"),
    Frequency.OFF: _("Never"),
}


def field_name(option: Option) -> str:
    return f"{option.kind}__{option.channel}"


def _choices(option: Option) -> list[tuple[str, Any]]:
    labels = (
        SAVED_SEARCH_LABELS
        if option.choices == ON_OFF_CHOICES and option.kind == PreferenceKind.SAVED_SEARCH
        else LABELS[option.channel]
    )
    return [(value, labels[value]) for value in option.choices]


class PreferencesForm(forms.Form):
    """One radio group per (kind, channel) in ``preferences.OPTIONS``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for option in OPTIONS:
            self.fields[field_name(option)] = forms.ChoiceField(
                choices=_choices(option),
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose how to hear about this"),
                    "invalid_choice": _("Choose one of the options shown"),
                },
            )

    def groups(self) -> list[dict[str, Any]]:
        """For the template: each kind with its channels' bound fields."""
        out: list[dict[str, Any]] = []
        for kind, label in PreferenceKind.choices:
            fields = [
                {"channel": Channel(o.channel).label, "field": self[field_name(o)]}
                for o in OPTIONS
                if o.kind == kind
            ]
            out.append({"kind": kind, "label": label, "fields": fields})
        return out
