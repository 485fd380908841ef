import pytest
pytestmark = pytest.mark.browser

def test_probe(page, live_server):
    for url in ["/accounts/login/", "/accounts/signup/"]:
        page.goto(url)
        print(url, page.inner_html("main"))
