"""``/tokens/me``: who the API thinks the caller is, and what the token allows. Useful to check a
token works before using it, and to see which scopes it carries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from ..auth import principal
from ..models import SCOPES, PersonalAccessToken
from ..schemas import PersonRef

router = Router(tags=["tokens"])


class TokenInfo(Schema):
    name: str | None = None
    prefix: str | None = None
    application: str | None = None
    expires_at: dt.datetime | None = None


class Me(Schema):
    kind: str  # "pat", "oauth" or "anonymous"
    authenticated: bool
    scopes: list[str]
    user: PersonRef | None = None
    token: TokenInfo | None = None


def _token_info(kind: str, key: str) -> TokenInfo | None:
    _, _, raw_pk = key.partition(":")
    if not raw_pk.isdigit():
        return None
    if kind == "pat":
        pat = PersonalAccessToken.objects.filter(pk=int(raw_pk)).first()
        if pat is None:
            return None
        return TokenInfo(name=pat.name, prefix=pat.prefix, expires_at=pat.expires_at)
    if kind == "oauth":
        from oauth2_provider.models import get_access_token_model

        access = (
            get_access_token_model()
            .objects.select_related("application")
            .filter(pk=int(raw_pk))
            .first()
        )
        if access is None:
            return None
        app = access.application
        return TokenInfo(
            application=(app.name or app.client_id) if app is not None else None,
            expires_at=access.expires,
        )
    return None


@router.get("/me", response=Me, summary="Who the caller is and what the token allows")
def me(request: HttpRequest) -> dict[str, Any]:
    """Answers for anonymous callers too (``kind: "anonymous"``, no scopes): they see what a
    visitor who is not signed in sees. ``scopes`` lists every scope the token carries,
    including the ones a higher scope implies (write includes read)."""
    who = principal(request)
    if who.is_anonymous:
        return {"kind": "anonymous", "authenticated": False, "scopes": []}
    return {
        "kind": who.kind,
        "authenticated": True,
        "scopes": [scope for scope in SCOPES if scope in who.scopes],
        "user": PersonRef.from_user(who.user),
        "token": _token_info(who.kind, who.key),
    }
