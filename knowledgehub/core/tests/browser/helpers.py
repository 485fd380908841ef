"""Helpers shared by the browser tests: signing in and checking what the browser reported."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.test import Client

# A console error Chromium logs for any response with an error status, including the document.
_FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")


def log_in(context: Any, live_server: Any, user: Any) -> None:
    """Give the browser context a signed-in session for ``user`` (faster than the form)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def sign_in(page: Any, email: str, password: str) -> None:
    """Sign in through the real sign-in form."""
    page.goto("/accounts/login/")
    main = page.get_by_role("main")
    main.get_by_label("Email").fill(email)
    main.get_by_label("Password").fill(password)
    main.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def unexpected(
    errors: list[tuple[str, str]], *, document_url: str = "", status: int = 0
) -> list[str]:
    """The reported problems, less the one console error for a document served with the error
    status the test expects (a 404 page logs "Failed to load resource ... 404")."""
    left = []
    for where, text in errors:
        match = _FAILED_LOAD.search(text)
        if match and status and int(match.group(1)) == status and where == document_url:
            continue
        left.append(f"{text} ({where})")
    return left
