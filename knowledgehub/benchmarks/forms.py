"""Forms for defining metrics, uploading and mapping files of values, and entering one figure."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knowledgehub.organisations.models import Organisation

from .choices import PeriodType, Sharing
from .importing import MAX_ABS_VALUE
from .models import BenchmarkingClub, Metric, ServiceArea
from .periods import Period, PeriodError, parse_period

ROLE_LABELS = {
    "area": _("Area code (GSS) column"),
    "period": _("Period column"),
    "metric": _("Metric column"),
    "value": _("Value column"),
    "unit": _("Unit column (optional)"),
    "measure": _("Measure column (optional)"),
}
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MetricForm(forms.ModelForm):
    source_url = forms.URLField(label=_("Source address"), required=False, assume_scheme="https")

    class Meta:
        model = Metric
        fields = [
            "identifier",
            "title",
            "description",
            "unit",
            "polarity",
            "period_type",
            "service_area",
            "source",
            "source_url",
            "decimals",
            "is_context",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "identifier": _("Lower-case letters, numbers and hyphens, like household-recycling.")
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = self.fields["service_area"]
        assert isinstance(area, forms.ModelChoiceField)
        area.queryset = ServiceArea.objects.all()
        area.empty_label = _("None")

    def clean_identifier(self) -> str:
        identifier = str(self.cleaned_data["identifier"]).strip().lower()
        taken = Metric.objects.filter(identifier=identifier)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_("Another metric already has this identifier"))
        return identifier


class UploadForm(forms.Form):
    upload = forms.FileField(
        label=_("File of values"),
        help_text=_(
            "A CSV or XLSX file with a header row: area_code, period, metric and value columns, "
            "or one column per period or per metric."
        ),
        error_messages={"required": _("Choose a CSV or XLSX file")},
    )


class MappingForm(forms.Form):
    """Which column holds what, and how the values are shared."""

    layout = forms.ChoiceField(
        label=_("Layout"),
        choices=[
            ("long", _("Long: one value a row")),
            ("wide", _("Wide: one column per period or per metric")),
        ],
        widget=forms.RadioSelect,
    )
    metric = forms.ModelChoiceField(
        label=_("Metric (for a file without a metric column)"),
        queryset=Metric.objects.none(),
        required=False,
        to_field_name="identifier",
        empty_label=_("Named in the file"),
    )
    period = forms.CharField(
        label=_("Period (for a file with one column per metric)"), max_length=32, required=False
    )
    create_metrics = forms.BooleanField(
        label=_("Create the metrics the file names that are not defined yet"), required=False
    )
    period_type = forms.ChoiceField(
        label=_("Period type of new metrics"),
        choices=[("", _("Work it out from the periods")), *PeriodType.choices],
        required=False,
    )
    sharing = forms.ChoiceField(label=_("Who may see the values"), choices=Sharing.choices)
    club = forms.ModelChoiceField(
        label=_("Benchmarking club"),
        queryset=BenchmarkingClub.objects.none(),
        required=False,
        to_field_name="slug",
        empty_label=_("None"),
    )
    embargo_until = forms.DateField(
        label=_("Embargoed until (optional)"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("The values become public on this date."),
        error_messages={"invalid": _("Enter a real date, for example 2026-04-01")},
    )

    def __init__(self, *args: Any, header: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("None"))] + [(h, h) for h in header if h]
        for role, label in ROLE_LABELS.items():
            self.fields[f"{role}_col"] = forms.ChoiceField(
                label=label, choices=choices, required=False
            )
        self.order_fields(
            ["layout", *[f"{r}_col" for r in ROLE_LABELS], "metric", "period", "create_metrics"]
        )
        self.fields["metric"].queryset = Metric.objects.order_by("title")  # type: ignore[attr-defined]
        self.fields["club"].queryset = BenchmarkingClub.objects.all()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("sharing") == Sharing.CLUB and not data.get("club"):
            self.add_error("club", _("Choose the club the values are shared with"))
        check_embargo(self, data)
        if data.get("layout") == "long":
            if not data.get("area_col"):
                self.add_error("area_col", _("Choose the column with the area codes"))
            if not data.get("value_col"):
                self.add_error("value_col", _("Choose the column with the values"))
            if not data.get("period_col") and not data.get("period"):
                self.add_error("period_col", _("Choose the period column, or give the period"))
            if not data.get("metric_col") and not data.get("metric"):
                self.add_error("metric_col", _("Choose the metric column, or the metric"))
        elif data.get("layout") == "wide":
            if not data.get("area_col"):
                self.add_error("area_col", _("Choose the column with the area codes"))
            if bool(data.get("metric")) == bool(data.get("period")):
                self.add_error(
                    "metric",
                    _(
                        "For a wide file choose the metric (one column per period) or give the "
                        "period (one column per metric), not both"
                    ),
                )
        return data


def check_embargo(form: forms.Form, data: dict[str, Any]) -> None:
    """An embargo date is when a figure that is not public yet becomes public: it must be in the
    future, and a figure shared with everyone cannot have one."""
    embargo = data.get("embargo_until")
    if embargo is None or "embargo_until" in form.errors:
        return
    if embargo <= timezone.localdate():
        form.add_error("embargo_until", _("The embargo date must be in the future"))
    elif data.get("sharing") == Sharing.PUBLIC:
        form.add_error(
            "embargo_until",
            _(
                "A figure shared with everyone is public now: choose members or a club to keep "
                "it from the public until the embargo date"
            ),
        )


class ValueEntryForm(forms.Form):
    metric = forms.ModelChoiceField(
        label=_("Metric"),
        queryset=Metric.objects.none(),
        to_field_name="identifier",
        error_messages={"required": _("Choose the metric")},
    )
    period = forms.CharField(
        label=_("Period"),
        max_length=32,
        help_text=_("As the metric counts it: 2024/25, 2024/25 Q1, 2024 or 2024-03."),
        error_messages={"required": _("Enter the period")},
    )
    value = forms.FloatField(
        label=_("Value"),
        min_value=-MAX_ABS_VALUE,
        max_value=MAX_ABS_VALUE,
        error_messages={
            "required": _("Enter the value"),
            "invalid": _("Enter the value as a number, like 42.5"),
            "min_value": _("That number is too large to be a performance figure"),
            "max_value": _("That number is too large to be a performance figure"),
        },
    )
    sharing = forms.ChoiceField(
        label=_("Who may see it"), choices=Sharing.choices, initial=Sharing.PUBLIC
    )
    club = forms.ModelChoiceField(
        label=_("Benchmarking club"),
        queryset=BenchmarkingClub.objects.none(),
        required=False,
        to_field_name="slug",
        empty_label=_("None"),
        help_text=_("Only clubs this council belongs to."),
    )
    embargo_until = forms.DateField(
        label=_("Embargoed until (optional)"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("It becomes public on this date."),
        error_messages={"invalid": _("Enter a real date, for example 2026-04-01")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, council: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.council = council
        self.fields["metric"].queryset = Metric.objects.order_by("title")  # type: ignore[attr-defined]
        self.fields["club"].queryset = BenchmarkingClub.objects.filter(  # type: ignore[attr-defined]
            members=council
        )
        self.parsed_period: Period | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        metric, period = data.get("metric"), data.get("period")
        if metric is not None and period:
            try:
                self.parsed_period = parse_period(period, metric.period_type)
            except PeriodError as exc:
                self.add_error("period", str(exc))
        if data.get("sharing") == Sharing.CLUB and not data.get("club"):
            self.add_error("club", _("Choose the club to share it with"))
        check_embargo(self, data)
        return data
