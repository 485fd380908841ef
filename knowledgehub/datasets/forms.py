"""Forms for publishing a dataset, adding a version and reviewing it. Services do the checks that
matter for every caller; the forms turn what people type into those services' arguments and say
clearly what is wrong."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.choices import Audience
from knowledgehub.organisations.models import Organisation
from knowledgehub.people.forms import TagListField
from knowledgehub.people.models import User

from .choices import DataTheme, Frequency, Licence
from .models import Dataset
from .services import DATASET_AUDIENCES, Metadata, clean_spatial

MAX_URL = 1000


class SpatialField(forms.CharField):
    """GSS codes separated by commas (or spaces), e.g. "E06000023, E07000178"."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        parts = text.replace(",", " ").split()
        return clean_spatial(parts)


class SourceMixin(forms.Form):
    """A file to upload, or a web address to fetch: exactly one."""

    upload = forms.FileField(
        label=_("Upload a file"),
        required=False,
        help_text=_("A CSV, XLSX or JSON file. The first row of a CSV or sheet is the header."),
    )
    url = forms.URLField(
        label=_("Or give the web address of the file"),
        required=False,
        max_length=MAX_URL,
        assume_scheme="https",
        help_text=_("We fetch it once, now. It must be a public address."),
    )

    def clean_source(self, data: dict[str, Any]) -> None:
        if "upload" in self.errors or "url" in self.errors:
            return
        upload, url = data.get("upload"), data.get("url")
        if upload and url:
            self.add_error("url", _("Upload a file or give a web address, not both"))
        elif not upload and not url:
            self.add_error("upload", _("Upload a file or give the web address of one"))


class DatasetForm(forms.Form):
    """The DCAT description. With ``with_source`` (publishing), also the first version's data."""

    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("Enter a title")}
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What the data is, where it comes from and how to use it. You can use Markdown."
        ),
        error_messages={"required": _("Enter a description")},
    )
    publisher = forms.ModelChoiceField(
        label=_("Publisher"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("No organisation"),
        help_text=_("The organisation responsible for the data."),
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=150, required=False)
    contact_email = forms.EmailField(
        label=_("Contact e-mail address"),
        required=False,
        error_messages={"invalid": _("Enter an e-mail address like name@example.org")},
    )
    licence = forms.ChoiceField(label=_("Licence"), choices=Licence.choices, initial=Licence.OGL_3)
    themes = forms.MultipleChoiceField(
        label=_("Themes"),
        choices=DataTheme.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose themes from the list")},
    )
    keywords = TagListField(
        label=_("Keywords"), required=False, help_text=_("Separate keywords with commas")
    )
    spatial = SpatialField(
        label=_("Areas covered (GSS codes)"),
        required=False,
        max_length=10_000,
        help_text=_("Separate codes with commas, for example E06000023, E07000178"),
    )
    temporal_start = forms.DateField(
        label=_("Covers from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("For example 2023-04-01"),
        error_messages={"invalid": _("Enter a real date, for example 2023-04-01")},
    )
    temporal_end = forms.DateField(
        label=_("Covers to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("For example 2024-03-31"),
        error_messages={"invalid": _("Enter a real date, for example 2024-03-31")},
    )
    frequency = forms.ChoiceField(
        label=_("How often it is updated"), choices=Frequency.choices, initial=Frequency.UNKNOWN
    )
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.none(),
        required=False,
        empty_label=_("None: publish to the whole site"),
        help_text=_("A community can keep a dataset to its members."),
    )
    audience = forms.ChoiceField(
        label=_("Who can see it once approved"),
        choices=[(a.value, a.label) for a in Audience if a in DATASET_AUDIENCES],
        widget=forms.RadioSelect,
        initial=Audience.PUBLIC,
    )

    def __init__(
        self, *args: Any, user: User, dataset: Dataset | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.dataset = dataset
        self.fields["publisher"].queryset = Organisation.objects.order_by("name")  # type: ignore[attr-defined]
        if dataset is not None:
            del self.fields["community"]  # a dataset never moves between communities
        else:
            self.fields["community"].queryset = Community.objects.filter(  # type: ignore[attr-defined]
                memberships__user=user
            ).order_by("name")
            if user.organisation_id:
                self.fields["publisher"].initial = user.organisation_id
            self.fields["contact_name"].initial = user.name
            self.fields["contact_email"].initial = user.email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        community = data.get("community") if self.dataset is None else self.dataset.community
        if data.get("audience") == Audience.COMMUNITY and community is None:
            self.add_error("audience", _("Choose a community, or a different audience"))
        start, end = data.get("temporal_start"), data.get("temporal_end")
        if start and end and start > end:
            self.add_error("temporal_end", _("The end must be on or after the start"))
        if isinstance(self, SourceMixin):
            self.clean_source(data)
        return data

    def metadata(self) -> Metadata:
        d = self.cleaned_data
        return Metadata(
            title=d["title"],
            description=d["description"],
            publisher=d.get("publisher"),
            community=d.get("community") if self.dataset is None else self.dataset.community,
            audience=d["audience"],
            contact_name=d.get("contact_name") or "",
            contact_email=d.get("contact_email") or "",
            licence=d["licence"],
            themes=list(d.get("themes") or []),
            tags=list(d.get("keywords") or []),
            spatial=list(d.get("spatial") or []),
            temporal_start=d.get("temporal_start"),
            temporal_end=d.get("temporal_end"),
            frequency=d["frequency"],
        )

    @classmethod
    def initial_for(cls, dataset: Dataset) -> dict[str, Any]:
        return {
            "title": dataset.title,
            "description": dataset.description,
            "publisher": dataset.publisher_id,
            "contact_name": dataset.contact_name,
            "contact_email": dataset.contact_email,
            "licence": dataset.licence,
            "themes": list(dataset.themes),
            "keywords": ", ".join(t.name for t in dataset.tags.all()),
            "spatial": ", ".join(dataset.spatial),
            "temporal_start": dataset.temporal_start,
            "temporal_end": dataset.temporal_end,
            "frequency": dataset.frequency,
            "audience": dataset.audience,
        }


class PublishForm(SourceMixin, DatasetForm):
    """Publishing a dataset: its description and the first version's data."""

    field_order = [*DatasetForm.base_fields, "upload", "url"]


class VersionForm(SourceMixin):
    note = forms.CharField(
        label=_("What changed in this version"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.clean_source(data)
        return data


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("Comments for the publisher"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Say what needs to change before it can be approved."),
        error_messages={"required": _("Enter comments saying what needs to change")},
    )

    def clean_comment(self) -> str:
        comment = str(self.cleaned_data["comment"]).strip()
        if not comment:
            raise ValidationError(_("Enter comments saying what needs to change"))
        return comment
