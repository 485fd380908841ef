"""Browser fixtures: one headless Debian Chromium per session, a fresh context per test.

Playwright drives the system browser at /usr/bin/chromium (no browser is ever downloaded). Django's
``live_server`` runs in a thread of this process, so tests read ``django.core.mail.outbox`` and the
database directly; ``live_server`` makes every test use ``transactional_db``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API keeps an event loop running in the main thread; the ORM calls that tests
# make between browser steps are still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {
    "mobile": {"width": 375, "height": 812},
    "desktop": {"width": 1280, "height": 900},
}

# Reports CSP violations to the test. Init scripts are injected by the DevTools protocol, so they
# run without loosening the page's Content-Security-Policy.
_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__khCspViolation(document.location.href,
    `CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'}`
    + ` (${e.sourceFile || 'document'}:${e.lineNumber})`);
});
"""


@dataclass
class BrowserProblems:
    """Console errors, uncaught exceptions and CSP violations seen by the test's browser contexts,
    as (URL, message) pairs."""

    errors: list[tuple[str, str]] = field(default_factory=list)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason + ": it must be installed in CI", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return VIEWPORTS[request.param]


@pytest.fixture
def problems() -> BrowserProblems:
    return BrowserProblems()


@pytest.fixture
def new_context(
    browser: Any, live_server: Any, viewport: dict[str, int], problems: BrowserProblems
) -> Iterator[Callable[..., Any]]:
    """Make a browser context at the test's viewport; every context is closed after the test.

    Console errors, page errors and CSP violations from all its pages go into ``problems``.
    """
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("viewport", viewport)
        context = browser.new_context(base_url=live_server.url, locale="en-GB", **options)
        context.set_default_timeout(10_000)
        if options.get("java_script_enabled", True):
            context.expose_binding(
                "__khCspViolation", lambda _source, url, text: problems.errors.append((url, text))
            )
            context.add_init_script(_CSP_LISTENER)

        def watch(page: Any) -> None:
            page.on(
                "console",
                lambda msg: (
                    msg.type == "error"
                    and problems.errors.append((msg.location.get("url") or page.url, msg.text))
                ),
            )
            page.on("pageerror", lambda exc: problems.errors.append((page.url, f"error: {exc}")))

        context.on("page", watch)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def context(new_context: Callable[..., Any]) -> Any:
    return new_context()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()
