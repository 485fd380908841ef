from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from knowledgehub.communities.models import Community
from knowledgehub.people.models import User

from .opml import MAX_BYTES, OpmlError, ParsedOpml, parse_opml
from .services import SubscribeError, normalise_url, resolve_target, subscription_targets


class _TargetMixin(forms.Form):
    where = forms.ChoiceField(
        label=_("Where should it appear?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose where the feed should appear")},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        where = self.fields["where"]
        assert isinstance(where, forms.ChoiceField)
        where.choices = subscription_targets(user)
        where.initial = "private"

    def target(self) -> tuple[str, Community | None]:
        return resolve_target(self.user, self.cleaned_data["where"])


class SubscribeForm(_TargetMixin):
    url = forms.CharField(
        label=_("Address of the feed or web page"),
        max_length=2000,
        help_text=_(
            "A feed (RSS, Atom or JSON Feed) or a web page that links to one, for example "
            "https://www.example.gov.uk/news"
        ),
        error_messages={"required": _("Enter the address of a feed or of a web page that has one")},
        widget=forms.URLInput(attrs={"spellcheck": "false", "autocomplete": "url"}),
    )

    field_order = ["url", "where"]

    def clean_url(self) -> str:
        try:
            return normalise_url(self.cleaned_data["url"])
        except SubscribeError as exc:
            raise ValidationError(exc.message) from exc


class OpmlImportForm(_TargetMixin):
    file = forms.FileField(
        label=_("OPML file"),
        help_text=_("Export it from your feed reader. Up to 1 MB and 500 feeds."),
        error_messages={"required": _("Select an OPML file")},
    )

    field_order = ["file", "where"]

    def clean_file(self) -> ParsedOpml:
        upload = self.cleaned_data["file"]
        if getattr(upload, "too_large", False) or (upload.size or 0) > MAX_BYTES:
            raise ValidationError(_("The selected file must be smaller than 1 MB"))
        upload.seek(0)
        data = upload.read(MAX_BYTES + 1)
        try:
            return parse_opml(data)
        except OpmlError as exc:
            raise ValidationError(exc.message) from exc
