"""Small request helpers shared by views."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def local_path(request: HttpRequest, target: str, fallback: str = "/") -> str:
    """``target`` if it is a path on this site, else ``fallback`` (no open redirects:
    ``//evil``, ``/\\evil`` and ``https://evil`` are all refused)."""
    if (
        target
        and target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return fallback


def safe_next(request: HttpRequest, fallback: str = "/") -> str:
    """The ``next`` target if it is a local path, else ``fallback``."""
    return local_path(request, request.POST.get("next") or request.GET.get("next") or "", fallback)


def is_loopback(request: HttpRequest) -> bool:
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def outbox_allowed(request: HttpRequest) -> bool:
    """The local outbox is readable from this machine or by staff, and only while it is the
    e-mail backend in use."""
    if settings.EMAIL_BACKEND != "knowledgehub.core.mail.OutboxBackend":
        return False
    user = getattr(request, "user", None)
    if bool(user and user.is_authenticated and user.is_staff):
        return True
    # Behind a reverse proxy every request arrives from loopback, so the address proves nothing.
    return not settings.BEHIND_PROXY and is_loopback(request)
