import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}])
def test_probe(new_context, live_server, problems):
    page = new_context().new_page()
    r = page.goto("/api/v1/docs")
    print("status", r.status, r.headers.get("content-security-policy"))
    try:
        page.wait_for_selector(".opblock", timeout=15000)
    except Exception as e:
        print("no ops", e)
    page.wait_for_timeout(1500)
    print("ops", page.locator(".opblock").count())
    for e in problems.errors:
        print("ERR", e)
