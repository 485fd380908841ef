from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Visibility
from .models import Community


class CommunityForm(forms.ModelForm):
    visibility = forms.ChoiceField(
        label=_("Who can join and see it"), choices=Visibility.choices, widget=forms.RadioSelect
    )

    class Meta:
        model = Community
        fields = ["name", "description", "visibility"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"name": _("For example: Food waste collection in two-tier areas")}

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if len(name) < 3:
            raise forms.ValidationError(_("The name must be at least 3 characters long"))
        clash = Community.objects.filter(name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("A community with this name already exists"))
        return name


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("We will send them a link to join."),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the facilitators (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
