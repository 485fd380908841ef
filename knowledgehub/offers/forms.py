from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.choices import Audience
from knowledgehub.people.forms import TagListField
from knowledgehub.people.models import User

from .choices import Kind


class OfferAskForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Are you offering help or asking for it?"),
        choices=Kind.choices,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Details"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("You can use Markdown: **bold**, _italic_, [links](https://example.org)."),
    )
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.none(),
        required=False,
        empty_label=_("Personal (no community)"),
    )
    audience = forms.ChoiceField(
        label=_("Who can see it"),
        choices=Audience.choices,
        widget=forms.RadioSelect,
        initial=Audience.PUBLIC,
    )
    tags = TagListField(label=_("Tags"), required=False, help_text=_("Separate tags with commas"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(  # type: ignore[attr-defined]
            memberships__user=user
        ).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("audience") == Audience.COMMUNITY and not data.get("community"):
            self.add_error("audience", _("Choose a community, or a different audience"))
        return data


class ResponseForm(forms.Form):
    body = forms.CharField(
        label=_("Your response"),
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class MetForm(forms.Form):
    helper = forms.ModelChoiceField(
        label=_("Who helped?"), queryset=User.objects.none(), empty_label=None
    )
    thanks = forms.CharField(
        label=_("Say thank you (optional)"),
        max_length=2_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, responders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["helper"].queryset = responders  # type: ignore[attr-defined]
