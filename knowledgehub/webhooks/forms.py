from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Event
from .services import WebhookError, check_webhook_url, manageable_communities

SITE_WIDE = ""


class WebhookForm(forms.Form):
    """Create (with ``user``) or edit (with ``webhook``) a webhook. The address is checked with
    the SSRF-safe client's rules here; services check it again when saving."""

    url = forms.CharField(
        label=_("Payload address"),
        max_length=1000,
        help_text=_("The https:// address we POST events to. It must be on the public internet."),
        widget=forms.URLInput(attrs={"spellcheck": "false", "autocomplete": "url"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("member.joined is only for webhooks of a community."),
    )
    community = forms.ChoiceField(
        label=_("Events from"),
        required=False,
        help_text=_(
            "Site-wide webhooks hear only of what anyone can see without signing in. A community "
            "webhook hears of its community as you see it, while you own or facilitate it."
        ),
    )
    active = forms.BooleanField(label=_("Send events to this address"), required=False)

    def __init__(self, *args: Any, user: Any = None, webhook: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.webhook = webhook
        self.communities: dict[str, Any] = {}
        if webhook is None:
            del self.fields["active"]
            self.communities = {str(c.pk): c for c in manageable_communities(user)}
            choices: list[tuple[str, Any]] = [(SITE_WIDE, _("Site-wide (public events)"))]
            choices += [(key, str(c.name)) for key, c in self.communities.items()]
            field = self.fields["community"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices
            if not self.communities:
                del self.fields["community"]  # site-wide is the only choice
        else:
            del self.fields["community"]

    def clean_url(self) -> str:
        try:
            return check_webhook_url(self.cleaned_data["url"])
        except WebhookError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_community(self) -> Any:
        key = self.cleaned_data.get("community") or SITE_WIDE
        return self.communities.get(key)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        community = data.get("community") if self.webhook is None else self.webhook.community
        if "member.joined" in data.get("events", []) and community is None:
            self.add_error(
                "events", _("member.joined is only sent to webhooks of a community you manage")
            )
        return data
