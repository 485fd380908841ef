from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from knowledgehub.organisations.models import Organisation

from .choices import ProfileVisibility
from .models import User
from .services import AvatarError, check_avatar

MAX_TAGS = 20


class TagListField(forms.CharField):
    """Comma-separated topics, e.g. "recycling, food waste, behaviour change"."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        names: list[str] = []
        for part in text.split(","):
            name = " ".join(part.split())
            if name and name.lower() not in (n.lower() for n in names):
                names.append(name)
        return names

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(value) > MAX_TAGS:
            raise forms.ValidationError(
                _("Enter %(max)s topics or fewer") % {"max": MAX_TAGS}, code="too_many"
            )
        for name in value:
            if len(name) > 60:
                raise forms.ValidationError(
                    _("Each topic must be 60 characters or fewer"), code="too_long"
                )


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        user.name = self.cleaned_data["name"]
        user.save(update_fields=["name"])


class ProfileForm(forms.ModelForm):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.current().order_by("name"),
        required=False,
        empty_label=_("Choose your organisation"),
        help_text=_("Your council or partner organisation."),
    )
    interests = TagListField(
        label=_("Interests"),
        required=False,
        help_text=_("Topics you care about, separated by commas, like: recycling, housing"),
    )
    skills = TagListField(
        label=_("Skills"),
        required=False,
        help_text=_("What you are good at, separated by commas, like: data analysis, procurement"),
    )
    avatar = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("A JPEG, PNG, GIF or WebP image, up to %(size)s.")
        % {"size": filesizeformat(settings.AVATAR_MAX_BYTES)},
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        ),
    )
    profile_visibility = forms.ChoiceField(
        label=_("Who can see your profile"),
        choices=ProfileVisibility.choices,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = User
        fields = [
            "name",
            "job_title",
            "organisation",
            "bio",
            "interests",
            "skills",
            "experience",
            "looking_for",
            "avatar",
            "profile_visibility",
            "suggest_me",
        ]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 5}),
            "experience": forms.Textarea(attrs={"rows": 4}),
            "looking_for": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["interests"] = ", ".join(t.name for t in self.instance.interests.all())
            self.initial["skills"] = ", ".join(t.name for t in self.instance.skills.all())
        self.fields["name"].required = True

    def clean_avatar(self) -> UploadedFile | bool | None:
        upload = self.cleaned_data.get("avatar")
        if not upload or upload is True or not isinstance(upload, UploadedFile):
            return upload
        try:
            check_avatar(upload)
        except AvatarError as exc:
            raise forms.ValidationError(str(exc), code="invalid_image") from exc
        return upload
