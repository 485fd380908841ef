"""Forms of the developer pages: personal access tokens and OAuth applications."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import SCOPES

# Plain-English meaning of each scope, shown next to the radios and on the OAuth consent screen.
SCOPE_HINTS = {
    "read": _(
        "See what you can see: items, communities, people, benchmarks. Cannot change anything."
    ),
    "write": _(
        "Everything read can do, and create and change content, join and leave communities, as you."
    ),
    "admin": _(
        "Everything write can do, and manage the communities and data you are responsible for."
    ),
}

# Loopback hosts a native app may use with plain http (RFC 8252 section 7.3 and 8.3).
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
MAX_REDIRECT_URIS = 10


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("So you can tell your tokens apart, for example 'Weekly report script'."),
    )
    scope = forms.ChoiceField(
        label=_("What the token may do"),
        choices=[(scope, scope.capitalize()) for scope in SCOPES],
        initial="read",
        widget=forms.RadioSelect,
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days, optional)"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_("A number from 1 to 365. Leave empty for a token that does not expire."),
        error_messages={
            "min_value": _("Enter a number of days from 1 to 365, or leave it empty"),
            "max_value": _("Enter a number of days from 1 to 365, or leave it empty"),
            "invalid": _("Enter a number of days from 1 to 365, or leave it empty"),
        },
    )

    def clean_name(self) -> str:
        name = " ".join(str(self.cleaned_data["name"]).split())
        if not name:
            raise forms.ValidationError(_("Enter a name for the token"))
        return name


def check_redirect_uri(uri: str) -> str | None:
    """Why ``uri`` cannot be registered as a redirect URI, or None when it can.

    Exact URIs only (RFC 9700 section 2.1): absolute https, or http on a loopback address for
    native apps (RFC 8252); no fragment, no credentials, no wildcards."""
    if any(ch.isspace() for ch in uri) or len(uri) > 500:
        return gettext("%(uri)s is not a web address") % {"uri": uri[:80]}
    if "#" in uri:
        return gettext("%(uri)s has a fragment (#…); redirect URIs cannot have one") % {"uri": uri}
    if "*" in uri:
        return gettext("%(uri)s has a wildcard (*); register each exact address") % {"uri": uri}
    try:
        parts = urlsplit(uri)
        port = parts.port  # raises ValueError for a bad port
    except ValueError:
        return gettext("%(uri)s is not a web address") % {"uri": uri}
    del port
    host = parts.hostname or ""
    if not parts.scheme or not host:
        return gettext("%(uri)s is not an absolute address (it needs https:// and a host)") % {
            "uri": uri
        }
    if "@" in parts.netloc:
        return gettext("%(uri)s has a user name or password in it") % {"uri": uri}
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and _is_loopback(host):
        return None
    return gettext(
        "%(uri)s must start with https:// (plain http is allowed only for 127.0.0.1 or localhost)"
    ) % {"uri": uri}


def _is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS


class ApplicationForm(forms.Form):
    CLIENT_TYPES = [
        (
            "confidential",
            _("Confidential: a web application that runs on a server and can keep a secret"),
        ),
        (
            "public",
            _("Public: a mobile, desktop or browser app that cannot keep a secret"),
        ),
    ]

    name = forms.CharField(
        label=_("Application name"),
        max_length=255,
        help_text=_("Shown to people when your app asks for access to their account."),
    )
    redirect_uris = forms.CharField(
        label=_("Redirect URIs"),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_(
            "One per line. Each must be an exact https:// address (http:// only for 127.0.0.1 "
            "or localhost), without # or wildcards. People are sent back only to these."
        ),
    )
    client_type = forms.ChoiceField(
        label=_("Type of application"),
        choices=CLIENT_TYPES,
        initial="confidential",
        widget=forms.RadioSelect,
    )

    def clean_name(self) -> str:
        name = " ".join(str(self.cleaned_data["name"]).split())
        if not name:
            raise forms.ValidationError(_("Enter the application's name"))
        return name

    def clean_redirect_uris(self) -> str:
        lines = [line.strip() for line in str(self.cleaned_data["redirect_uris"]).splitlines()]
        uris = list(dict.fromkeys(line for line in lines if line))
        if not uris:
            raise forms.ValidationError(_("Enter at least one redirect URI"))
        if len(uris) > MAX_REDIRECT_URIS:
            raise forms.ValidationError(
                gettext("Enter at most %(n)d redirect URIs") % {"n": MAX_REDIRECT_URIS}
            )
        problems = [p for p in (check_redirect_uri(uri) for uri in uris) if p]
        if problems:
            raise forms.ValidationError(problems)
        return " ".join(uris)
