from __future__ import annotations

from django import forms

from .models import FederationOptIn


class OptInForm(forms.ModelForm):
    class Meta:
        model = FederationOptIn
        fields = ["enabled"]
