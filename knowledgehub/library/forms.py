from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.choices import Audience
from knowledgehub.lib.uploads import accepted_types_text, max_upload_bytes, validate_upload
from knowledgehub.people.forms import TagListField

from .models import Folder


def _file_help() -> str:
    return str(
        _("%(types)s, up to %(size)s")
        % {"types": accepted_types_text(), "size": filesizeformat(max_upload_bytes())}
    )


class _FileMixin:
    cleaned_data: dict[str, Any]

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        validate_upload(upload)
        return upload


class FolderForm(forms.Form):
    name = forms.CharField(
        label=_("Folder name"),
        max_length=120,
        error_messages={"required": _("Enter a folder name")},
    )
    parent = forms.ModelChoiceField(
        label=_("Inside folder"),
        queryset=Folder.objects.none(),
        required=False,
        empty_label=_("None (top level)"),
    )

    def __init__(
        self, *args: Any, community: Community, exclude: set[int] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Folder.objects.filter(  # type: ignore[attr-defined]
            community=community
        ).exclude(pk__in=exclude or set())

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter a folder name"))
        return name


class DocumentForm(forms.Form):
    """A document's details: what the edit page changes (the file changes by a new version)."""

    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("Enter a title")}
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=5_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("You can use Markdown, and mention people with @username."),
    )
    folder = forms.ModelChoiceField(
        label=_("Folder"),
        queryset=Folder.objects.none(),
        required=False,
        empty_label=_("None (top level)"),
    )
    tags = TagListField(label=_("Tags"), required=False, help_text=_("Separate tags with commas"))
    audience = forms.ChoiceField(
        label=_("Who can see it"),
        choices=Audience.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who can see it")},
    )

    def __init__(self, *args: Any, community: Community, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["folder"].queryset = Folder.objects.filter(  # type: ignore[attr-defined]
            community=community
        )

    def clean_title(self) -> str:
        title = str(self.cleaned_data["title"]).strip()
        if not title:
            raise forms.ValidationError(_("Enter a title"))
        return title


class UploadForm(_FileMixin, DocumentForm):
    file = forms.FileField(label=_("File"), error_messages={"required": _("Select a file")})

    def __init__(self, *args: Any, community: Community, **kwargs: Any) -> None:
        super().__init__(*args, community=community, **kwargs)
        self.fields["file"].help_text = _file_help()


class VersionForm(_FileMixin, forms.Form):
    file = forms.FileField(label=_("File"), error_messages={"required": _("Select a file")})
    note = forms.CharField(
        label=_("What changed"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _file_help()
