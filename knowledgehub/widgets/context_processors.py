"""Open Graph / Twitter card metadata and oEmbed discovery links for public pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def social_meta(request: HttpRequest) -> dict[str, Any]:
    return {}
