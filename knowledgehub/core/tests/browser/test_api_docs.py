"""The API's interactive documentation (Swagger UI at /api/v1/docs, served from django-ninja's
own static files) works under the site's strict Content-Security-Policy: it lists the
operations, and trying one out calls the API, with no CSP violation and no console error.

axe-core is not run here: Swagger UI's markup is third-party."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import unexpected

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_under_the_strict_csp(
    new_context: Any, live_server: Any, problems: Any
) -> None:
    page = new_context().new_page()
    response = page.goto("/api/v1/docs")
    assert response is not None and response.status == 200
    # The policy is the site's own, not loosened for this page.
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy + ";" and "style-src 'self';" in policy + ";"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy

    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    assert page.locator(".swagger-ui .opblock").count() > 5
    assert page.get_by_role("heading", name="Knowledge Hub API").count() == 1
    health = page.locator(".opblock", has=page.locator("[data-path='/api/v1/health']"))
    assert health.count() == 1, "GET /api/v1/health is not listed"

    # Try it out: Swagger UI calls the API (connect-src 'self') and shows the answer.
    health.locator(".opblock-summary").click()
    health.get_by_role("button", name="Try it out").click()
    health.get_by_role("button", name="Execute").click()
    health.locator(".live-responses-table .response-col_status", has_text="200").wait_for()
    assert '"ok"' in health.locator(".live-responses-table").inner_text()

    assert not unexpected(problems.errors, document_url=page.url), problems.errors
