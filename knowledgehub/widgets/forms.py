"""The widget builder's form: which widget, and its parameters (a GET form)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from knowledgehub.benchmarks.charts import KINDS as CHART_KINDS
from knowledgehub.benchmarks.models import Metric
from knowledgehub.communities.models import Community
from knowledgehub.datasets.services import catalogue
from knowledgehub.organisations.models import Organisation

from . import pages

TYPES = [
    ("community", gettext_lazy("Latest items from a community")),
    ("trending", gettext_lazy("Rising themes")),
    ("metric", gettext_lazy("A performance metric for a council")),
    ("dataset", gettext_lazy("A dataset preview")),
    ("item", gettext_lazy("One item (a card)")),
]
CHART_LABELS = {
    "bar": gettext_lazy("Bar: the council among its group"),
    "line": gettext_lazy("Line: the council over time"),
    "distribution": gettext_lazy("Distribution of the group"),
    "tiles": gettext_lazy("Regions"),
}
REQUIRED = {
    "community": ("community",),
    "metric": ("metric", "council"),
    "dataset": ("dataset",),
    "item": ("item",),
}


def _blank(label: str) -> list[tuple[str, str]]:
    return [("", label)]


class BuilderForm(forms.Form):
    type = forms.ChoiceField(label=gettext_lazy("Widget"), choices=TYPES, widget=forms.RadioSelect)
    community = forms.ChoiceField(
        label=gettext_lazy("Community"),
        required=False,
        help_text=gettext_lazy("Open and restricted communities; only public items are shown."),
    )
    count = forms.IntegerField(
        label=gettext_lazy("How many items or themes (1 to 20)"),
        required=False,
        min_value=1,
        max_value=20,
    )
    metric = forms.ChoiceField(label=gettext_lazy("Metric"), required=False)
    council = forms.ChoiceField(label=gettext_lazy("Council"), required=False)
    chart = forms.ChoiceField(
        label=gettext_lazy("Chart"),
        required=False,
        choices=[(k, CHART_LABELS.get(k, k)) for k in CHART_KINDS],
    )
    dataset = forms.ChoiceField(label=gettext_lazy("Dataset"), required=False)
    rows = forms.IntegerField(
        label=gettext_lazy("Rows to show (1 to 20)"), required=False, min_value=1, max_value=20
    )
    item = forms.IntegerField(
        label=gettext_lazy("Item number"),
        required=False,
        min_value=1,
        max_value=2**62,
        help_text=gettext_lazy("The number of a public item, as in /items/123/."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        anonymous = AnonymousUser()
        communities = (
            Community.objects.visible_to(anonymous)
            .filter(visibility__in=pages.PUBLIC_COMMUNITY_VISIBILITIES)
            .order_by("name")
            .values_list("slug", "name")
        )
        metrics = Metric.objects.visible_to(anonymous).order_by("title")
        councils = Organisation.objects.councils().current().order_by("name")
        options: dict[str, tuple[str, list[tuple[str, str]]]] = {
            "community": (_("Choose a community"), list(communities)),
            "metric": (_("Choose a metric"), list(metrics.values_list("identifier", "title"))),
            "council": (_("Choose a council"), list(councils.values_list("code", "name"))),
            "dataset": (
                _("Choose a dataset"),
                list(catalogue(anonymous).order_by("title").values_list("slug", "title")),
            ),
        }
        self.labels: dict[str, dict[str, str]] = {}
        for name, (blank, choices) in options.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = _blank(blank) + choices
            self.labels[name] = dict(choices)
        self._item: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("type")
        for name in REQUIRED.get(kind or "", ()):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, _("Choose the %(field)s.") % {"field": self[name].label})
        if kind == "item" and data.get("item") and "item" not in self.errors:
            self._item = pages.public_items().filter(pk=data["item"]).first()
            if self._item is None:
                self.add_error(
                    "item", _("There is no public item with that number. Check the number.")
                )
        return data

    def widget(self) -> tuple[str, str, str]:
        """The chosen widget's path, a title for its frame, and its size key."""
        data = self.cleaned_data
        kind = data["type"]
        if kind == "community":
            names = self.labels["community"]
            path = reverse("widgets:community_latest", args=[data["community"]])
            if data.get("count"):
                path += f"?count={data['count']}"
            return path, _("Latest from %(name)s") % {"name": names[data["community"]]}, kind
        if kind == "trending":
            path = reverse("widgets:trending")
            if data.get("count"):
                path += f"?count={data['count']}"
            return path, _("Rising themes"), kind
        if kind == "metric":
            metrics = self.labels["metric"]
            councils = self.labels["council"]
            path = reverse("widgets:metric", args=[data["metric"], data["council"]])
            if data.get("chart"):
                path += f"?kind={data['chart']}"
            title = _("%(metric)s: %(council)s") % {
                "metric": metrics[data["metric"]],
                "council": councils[data["council"]],
            }
            return path, title, kind
        if kind == "dataset":
            names = self.labels["dataset"]
            path = reverse("widgets:dataset_preview", args=[data["dataset"]])
            if data.get("rows"):
                path += f"?rows={data['rows']}"
            return path, names[data["dataset"]], kind
        return reverse("widgets:item", args=[self._item.pk]), self._item.title, "item"
