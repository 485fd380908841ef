from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest

from knowledgehub.lib.http import safe_next


class AccountAdapter(DefaultAccountAdapter):
    """allauth hooks: safe redirects, and display names for new accounts."""

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
