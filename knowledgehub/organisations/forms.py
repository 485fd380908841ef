from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import NATIONS, PARTNER_TYPES
from .models import Organisation


class PartnerOrganisationForm(forms.ModelForm):
    """Add a partner body: a charity, health body, company or other public body."""

    type = forms.ChoiceField(label=_("Type of organisation"), choices=PARTNER_TYPES)
    nation = forms.ChoiceField(
        label=_("Nation"),
        choices=[("", _("UK-wide or not known"))] + [(n, n) for n in NATIONS],
        required=False,
    )

    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name", "type", "nation", "website", "description"]

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter the organisation's name"))
        if Organisation.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(_("An organisation with this name already exists"))
        return name
