from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.choices import Audience
from knowledgehub.people.forms import TagListField
from knowledgehub.people.models import User


class PostForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Post"),
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "You can use Markdown: **bold**, _italic_, [links](https://example.org), lists."
        ),
    )
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.none(),
        required=False,
        empty_label=_("My own blog"),
    )
    audience = forms.ChoiceField(
        label=_("Who can read it"),
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
            self.add_error(
                "audience", _("Choose a community, or a different audience for your own blog")
            )
        return data
