"""Who is calling the API, and with what scope.

Every request is one of: a personal access token (``Authorization: Bearer khp_…``), an OAuth 2.0
access token issued by django-oauth-toolkit, or nobody (no ``Authorization`` header), who is
treated exactly like a visitor who is not signed in. Browser sessions are never used by the API:
a cookie must not turn a cross-site request into the viewer's own, and a script given a token
sees no more than the token allows.

A token that is unknown, revoked or expired is a 401 at once (revocation is read on every
request, nothing is cached). The rate limit is checked here, once per request, before the
endpoint runs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from . import ratelimit
from .errors import ApiError
from .models import SCOPE_RANK, TOKEN_PREFIX, PersonalAccessToken, hash_token

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# last_used_at is written at most this often per token (it is shown in the token list).
LAST_USED_RESOLUTION_SECONDS = 60


@dataclass(frozen=True)
class Principal:
    """The caller: ``user`` (AnonymousUser when no token), the highest scope granted, and a key
    for rate limiting."""

    user: Any
    scope_rank: int
    kind: str  # "pat", "oauth" or "anonymous"
    key: str
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_anonymous(self) -> bool:
        return self.kind == "anonymous"

    def has_scope(self, scope: str) -> bool:
        return not self.is_anonymous and self.scope_rank >= SCOPE_RANK[scope]


def _client_address(request: HttpRequest) -> str:
    """The caller's address for anonymous rate limits. Behind our reverse proxy
    (``BEHIND_PROXY=1``) every request comes from the proxy, so the address it appended last to
    ``X-Forwarded-For`` is used (earlier entries are whatever the client claimed)."""
    from django.conf import settings

    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1][:64]
    return str(request.META.get("REMOTE_ADDR", "unknown"))


# The person's columns a request needs up front; the rest load on first use.
_USER_COLUMNS = ("id", "username", "name", "is_active", "is_superuser", "is_staff")


def _personal_token_principal(raw: str) -> Principal | None:
    """One plain query (token and person together): this runs on every API request with a
    token, and the ORM's query building cost more than the query. The revocation and expiry
    are read from the row every time, never cached, so revoking is immediate."""
    from django.db import connection

    from knowledgehub.people.models import User

    token_table = PersonalAccessToken._meta.db_table
    user_table = User._meta.db_table
    # In the model's field order, as Model.from_db expects for a partial row.
    fields = [f for f in User._meta.concrete_fields if f.attname in _USER_COLUMNS]
    names = [f.attname for f in fields]
    user_columns = ", ".join(f'u."{f.column}"' for f in fields)
    with connection.cursor() as cursor:
        sql = (
            f'SELECT t."id", t."scope", t."revoked_at", t."expires_at", t."last_used_at", '  # noqa: S608 (our names; the hash is a parameter)
            f'{user_columns} FROM "{token_table}" t '
            f'JOIN "{user_table}" u ON u."id" = t."user_id" WHERE t."token_hash" = %s'
        )
        cursor.execute(
            sql,
            [hash_token(raw)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    token_id, scope, revoked_at, expires_at, last_used_at, *user_values = row
    now = timezone.now()
    revoked_at, expires_at, last_used_at = (
        _as_datetime(value) for value in (revoked_at, expires_at, last_used_at)
    )
    if revoked_at is not None or (expires_at is not None and expires_at <= now):
        return None
    user = User.from_db(connection.alias, names, user_values)
    if not user.is_active:
        return None
    if last_used_at is None or (now - last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
        PersonalAccessToken.objects.filter(pk=token_id).update(last_used_at=now)
    rank = SCOPE_RANK[scope]
    return Principal(
        user=user,
        scope_rank=rank,
        kind="pat",
        key=f"pat:{token_id}",
        scopes=frozenset(s for s, r in SCOPE_RANK.items() if r <= rank),
    )


def _as_datetime(value: Any) -> Any:
    """A datetime column from a plain cursor: SQLite gives naive UTC (text or datetime),
    PostgreSQL an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        from django.db import models

        value = models.DateTimeField().to_python(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def principal_for_token(raw: str) -> Principal | None:
    """The principal for a raw bearer token, or None when it is not a live token."""
    raw = raw.strip()
    if not raw or len(raw) > 512:
        return None
    if raw.startswith(TOKEN_PREFIX):
        return _personal_token_principal(raw)
    from oauth2_provider.models import get_access_token_model

    access_token_model = get_access_token_model()
    checksum = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    access = (
        access_token_model.objects.select_related("user", "application")
        .filter(token_checksum=checksum)
        .first()
    )
    if access is None or access.is_expired() or access.user is None or not access.user.is_active:
        return None
    granted = frozenset(access.scope.split()) & frozenset(SCOPE_RANK)
    rank = max((SCOPE_RANK[s] for s in granted), default=-1)
    if rank < 0:
        return None
    return Principal(
        user=access.user,
        scope_rank=rank,
        kind="oauth",
        key=f"oauth:{access.pk}",
        scopes=frozenset(s for s, r in SCOPE_RANK.items() if r <= rank),
    )


class BearerToken(HttpBearer):
    """A personal access token or an OAuth 2.0 access token; with ``scope``, one that must carry
    that scope (checked here, in the auth step, so the answer is a 403 before the body is
    validated: a 422 would tell a caller without the right how to write)."""

    def __init__(self, scope: str | None = None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        principal = principal_for_token(token)
        if principal is None:
            return None
        _admit(request, principal)
        needed = self.scope or ("write" if request.method not in SAFE_METHODS else None)
        if needed and not principal.has_scope(needed):
            raise ApiError(
                403,
                "Insufficient scope",
                f"This needs a token with the {needed} scope.",
                headers={
                    "WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{needed}"'
                },
            )
        return principal


class AnonymousAccess:
    """No ``Authorization`` header: the caller is an anonymous visitor. (A header that is present
    but wrong is never downgraded to anonymous: it is a 401.) In the OpenAPI document this
    makes the bearer token optional (``security: [{BearerToken: []}, {}]``)."""

    # Present so ninja lists it; KnowledgeHubAPI turns it into the empty requirement.
    openapi_security_schema = {"type": "http", "scheme": "bearer"}

    def __call__(self, request: HttpRequest) -> Principal | None:
        if request.META.get("HTTP_AUTHORIZATION") or request.method not in SAFE_METHODS:
            return None  # a wrong token is a 401; so is any change without a token
        principal = Principal(
            user=AnonymousUser(),
            scope_rank=-1,
            kind="anonymous",
            key=f"ip:{_client_address(request)}",
        )
        _admit(request, principal)
        return principal


def _admit(request: HttpRequest, principal: Principal) -> None:
    """Rate-limit the principal, then make it the request's user for the endpoint."""
    ratelimit.check(request, principal.key, anonymous=principal.is_anonymous)
    request.user = principal.user


bearer = BearerToken()
anonymous = AnonymousAccess()
# Reading: a token if one is sent, else anonymous. Writing: a token, always.
READ_AUTH: list[Any] = [bearer, anonymous]
TOKEN_AUTH: list[Any] = [bearer]
WRITE_AUTH: list[Any] = [BearerToken("write")]
ADMIN_AUTH: list[Any] = [BearerToken("admin")]


def principal(request: HttpRequest) -> Principal:
    """The principal the auth step attached to the request."""
    found = getattr(request, "auth", None)
    if not isinstance(found, Principal):
        raise ApiError(401, "Authentication required", "Send a token: Authorization: Bearer …")
    return found


def require_scope(request: HttpRequest, scope: str) -> Principal:
    """The principal, if its token carries ``scope`` (or a higher one); else 401 without a
    token and 403 ``insufficient_scope`` with one."""
    who = principal(request)
    if who.is_anonymous:
        raise ApiError(
            401,
            "Authentication required",
            f"This needs a token with the {scope} scope: Authorization: Bearer …",
            headers={"WWW-Authenticate": f'Bearer scope="{scope}"'},
        )
    if not who.has_scope(scope):
        raise ApiError(
            403,
            "Insufficient scope",
            f"This needs a token with the {scope} scope.",
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
        )
    return who
