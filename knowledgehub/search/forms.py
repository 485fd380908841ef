"""Forms for the search pages and saved searches.

``SearchForm`` reads the query string of ``/search`` (and of the Atom feeds, and of a saved
search): bad values become plain messages, never a 500. Unknown kinds and sort orders are
ignored rather than refused, so an old or hand-edited link still searches.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from knowledgehub.knowledge.registry import kinds as registered_kinds
from knowledgehub.people.models import User

from .models import AlertFrequency, SavedSearch

MAX_QUERY = 200
SORTS = ("relevance", "date")
# The query-string keys a search understands, in the order they are written back.
KEYS = ("q", "kind", "community", "organisation", "region", "author", "tag", "from", "to", "sort")

_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_UK = re.compile(r"^\s*(\d{1,2})[/.\s-](\d{1,2})[/.\s-](\d{4})\s*$")


def parse_date(raw: str) -> date | None:
    """A date written as 2025-03-27 or 27/3/2025 (or 27 3 2025); ``None`` when it is not one."""
    m = _ISO.match(raw)
    if m:
        y, mo, d = (int(x) for x in m.groups())
    else:
        m = _UK.match(raw)
        if not m:
            return None
        d, mo, y = (int(x) for x in m.groups())
    try:
        return date(y, mo, d)
    except ValueError:
        return None


class DateField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, max_length=20, **kwargs)

    def clean(self, value: Any) -> date | None:
        raw = (super().clean(value) or "").strip()
        if not raw:
            return None
        parsed = parse_date(raw)
        if parsed is None or parsed.year < 1900:
            raise forms.ValidationError(
                _("Enter a real date, for example 27/3/2025"), code="invalid"
            )
        return parsed


def _optional_id(raw: str) -> int | None:
    raw = (raw or "").strip()
    if raw.isdigit() and 0 < int(raw) < 2**63:
        return int(raw)
    return None


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY,
        error_messages={
            "max_length": _("Search terms must be %(limit_value)d characters or fewer")
        },
    )
    kind = forms.MultipleChoiceField(
        label=_("Type of content"), required=False, widget=forms.CheckboxSelectMultiple
    )
    community = forms.CharField(label=_("Community"), required=False, max_length=20)
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=20)
    region = forms.CharField(label=_("Region"), required=False, max_length=64)
    author = forms.CharField(
        label=_("Author"),
        required=False,
        max_length=150,
        help_text=_("Their username, for example jsmith"),
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=60)
    date_from = DateField(label=_("From"), help_text=_("For example, 27/3/2025"))
    date_to = DateField(label=_("To"), help_text=_("For example, 27/4/2025"))
    sort = forms.CharField(required=False)

    def __init__(self, data: QueryDict | None, *, viewer: Any = None, **kwargs: Any) -> None:
        kind_choices = [(k.kind, str(k.label_plural)) for k in registered_kinds()]
        known = {value for value, _label in kind_choices}
        if data is not None:
            # The page uses from/to in its URLs; the fields are date_from/date_to (``from`` is a
            # Python keyword). Unknown kinds are dropped: an old link still searches.
            data = data.copy()
            data.setlist("kind", [k for k in data.getlist("kind") if k in known])
            data["date_from"] = data.get("from", "")
            data["date_to"] = data.get("to", "")
        super().__init__(data, **kwargs)
        self.viewer = viewer
        self.fields["kind"].choices = kind_choices  # type: ignore[attr-defined]
        self.fields["date_from"].widget.attrs.update({"inputmode": "numeric"})
        self.fields["date_to"].widget.attrs.update({"inputmode": "numeric"})

    def clean_q(self) -> str:
        return " ".join((self.cleaned_data.get("q") or "").split())

    def clean_sort(self) -> str:
        value = self.cleaned_data.get("sort") or ""
        return value if value in SORTS else "relevance"

    def clean_community(self) -> int | None:
        return _optional_id(self.cleaned_data.get("community") or "")

    def clean_organisation(self) -> int | None:
        return _optional_id(self.cleaned_data.get("organisation") or "")

    def clean_region(self) -> str:
        return (self.cleaned_data.get("region") or "").strip()

    def clean_tag(self) -> str:
        return (self.cleaned_data.get("tag") or "").strip().lower()

    def clean_author(self) -> str:
        return (self.cleaned_data.get("author") or "").strip().lstrip("@")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date must be the same as or after the start date"))
        data["author_id"] = None
        username = data.get("author") or ""
        if username:
            # Only people the viewer may see: an unknown or hidden person matches nothing.
            person = (
                User.objects.visible_to(self.viewer).filter(username__iexact=username).first()
                if self.viewer is not None
                else None
            )
            data["author_id"] = person.pk if person else 0
        return data

    @property
    def has_filters(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(
            data.get(k) for k in ("kind", "community", "organisation", "region", "author", "tag")
        ) or bool(data.get("date_from") or data.get("date_to"))

    def search_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``service.search`` (call after ``is_valid()``)."""
        d = self.cleaned_data
        return {
            "kinds": list(d.get("kind") or []),
            "community_id": d.get("community"),
            "organisation_id": d.get("organisation"),
            "region": d.get("region") or "",
            "author_id": d.get("author_id"),
            "tag": d.get("tag") or "",
            "date_from": d.get("date_from"),
            "date_to": d.get("date_to"),
            "sort": d.get("sort") or "relevance",
        }

    def stored_filters(self) -> dict[str, Any]:
        """The filters as plain JSON for a saved search (query-string spelling)."""
        d = self.cleaned_data
        out: dict[str, Any] = {}
        if d.get("kind"):
            out["kind"] = list(d["kind"])
        for key in ("community", "organisation"):
            if d.get(key):
                out[key] = str(d[key])
        for key in ("region", "author", "tag"):
            if d.get(key):
                out[key] = d[key]
        if d.get("date_from"):
            out["from"] = d["date_from"].isoformat()
        if d.get("date_to"):
            out["to"] = d["date_to"].isoformat()
        if d.get("sort") == "date":
            out["sort"] = "date"
        return out


def querydict_for(query: str, filters: dict[str, Any]) -> QueryDict:
    """The query string of a stored search, in the form ``SearchForm`` reads."""
    qd = QueryDict(mutable=True)
    if query:
        qd["q"] = query
    for key in KEYS[1:]:
        value = filters.get(key)
        if isinstance(value, list):
            qd.setlist(key, [str(v) for v in value])
        elif value:
            qd[key] = str(value)
    return qd


class SaveSearchForm(forms.Form):
    name = forms.CharField(
        label=_("Name this search"),
        max_length=100,
        error_messages={"required": _("Enter a name for this search")},
    )
    alert = forms.ChoiceField(
        label=_("E-mail me new results"),
        choices=AlertFrequency.choices,
        initial=AlertFrequency.NONE,
        widget=forms.RadioSelect,
    )
    querystring = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)


class SavedSearchEditForm(forms.ModelForm):
    class Meta:
        model = SavedSearch
        fields = ["name", "alert"]
        labels = {"name": _("Name"), "alert": _("E-mail me new results")}
        widgets = {"alert": forms.RadioSelect}
        error_messages = {"name": {"required": _("Enter a name for this search")}}
