from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Notification


def unread(request: HttpRequest) -> dict[str, Any]:
    """``NOTIFICATIONS_UNREAD``: the signed-in person's unread count, counted only when a template
    uses it (and only over items they may still see)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"NOTIFICATIONS_UNREAD": 0}
    return {
        "NOTIFICATIONS_UNREAD": SimpleLazyObject(
            lambda: Notification.objects.for_user(user).shown().unread().count()
        )
    }
