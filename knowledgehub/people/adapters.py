from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext as _

from knowledgehub.lib.http import safe_next

EMAIL_MAX_LENGTH = 254  # User.email and allauth's EmailAddress.email


class AccountAdapter(DefaultAccountAdapter):
    """allauth hooks: safe redirects, and display names for new accounts."""

    def clean_email(self, email: str) -> str:
        # Django's validator allows up to 320 characters but the e-mail columns hold 254: a
        # longer address must be a form error, not a database error (PostgreSQL) at sign-up.
        if len(email) > EMAIL_MAX_LENGTH:
            raise forms.ValidationError(
                _("Enter an e-mail address of %(max)s characters or fewer")
                % {"max": EMAIL_MAX_LENGTH}
            )
        return str(super().clean_email(email))

    def is_safe_url(self, url: str | None) -> bool:
        if not url or not url.startswith("/") or url.startswith(("//", "/\\")):
            return False
        return bool(super().is_safe_url(url))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """OpenID Connect sign-in: fill the profile name from the identity provider's claims."""

    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict[str, Any]) -> Any:
        user = super().populate_user(request, sociallogin, data)
        name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        if name and not getattr(user, "name", ""):
            user.name = name
        return user


__all__ = ["AccountAdapter", "SocialAccountAdapter", "safe_next"]
