import re
import pytest
from django.core import mail
from django.test import Client

pytestmark = pytest.mark.django_db

def test_signup(client):
    r = client.post("/accounts/signup/", {"email": "eve@example.org", "username": "eve", "name": "Eve E", "password1": "a-long-pass-phrase-42", "password2": "a-long-pass-phrase-42"})
    print(r.status_code, r.get("Location"))
    print(len(mail.outbox), mail.outbox[0].subject, mail.outbox[0].body)
    link = re.search(r"http://\S+", mail.outbox[0].body).group(0)
    print(link)
    r = client.get(link.replace("http://testserver", ""))
    print(r.status_code)
    r = client.post(link.replace("http://testserver", ""))
    print(r.status_code, r.get("Location"))
    r = client.get("/")
    print(r.wsgi_request.user)

def test_login_unverified(client):
    client.post("/accounts/signup/", {"email": "eve@example.org", "username": "eve", "name": "Eve E", "password1": "a-long-pass-phrase-42", "password2": "a-long-pass-phrase-42"})
    c = Client()
    r = c.post("/accounts/login/", {"login": "eve@example.org", "password": "a-long-pass-phrase-42"})
    print(r.status_code, r.get("Location"), len(mail.outbox))
    print(c.get("/").wsgi_request.user.is_authenticated)

@pytest.mark.parametrize("email", ["not-an-email", "a@b", "alice@@example.org", "alice@example..org", "<script>@x.org", "alice @example.org", "a"*300 + "@example.org", "alice@exa mple.org", "alice@example.org\nBcc: x@y.org", "alice@-example.org"])
def test_bad_email(client, email):
    r = client.post("/accounts/signup/", {"email": email, "username": "eve", "name": "Eve E", "password1": "a-long-pass-phrase-42", "password2": "a-long-pass-phrase-42"})
    print(repr(email)[:40], r.status_code, r.context["form"].errors if r.context else r.get("Location"))

def test_dup(client, alice):
    r = client.post("/accounts/signup/", {"email": "ALICE@example.org", "username": "eve", "name": "Eve E", "password1": "a-long-pass-phrase-42", "password2": "a-long-pass-phrase-42"})
    print(r.status_code, r.get("Location"), r.context and r.context["form"].errors)
    print([ (m.to, m.subject, m.body[:300]) for m in mail.outbox])

@pytest.mark.parametrize("nxt", ["//evil.example", "/\\evil.example", "https://evil.example", "http:evil.example", "/people/", "///evil.example", "\\\\evil.example", "/%2F%2Fevil.example", " //evil.example"])
def test_next(client, alice, nxt):
    r = client.post("/accounts/login/?next=" , {"login": "alice@example.org", "password": "correct-horse-battery-staple", "next": nxt})
    print(repr(nxt), r.status_code, r.get("Location"))

def test_csrf(alice):
    c = Client(enforce_csrf_checks=True)
    c.force_login(alice)
    for url in ["/communities/new/", "/people/me/edit/", "/accounts/login/", "/organisations/new/"]:
        r = c.post(url, {"x": 1})
        print(url, r.status_code, "Your form could not be sent" in r.content.decode())
    c = Client(enforce_csrf_checks=True)
    r = c.post("/accounts/login/", {"login": "alice@example.org", "password": "x"})
    print("anon", r.status_code, "Your form could not be sent" in r.content.decode())

def test_reset(client, alice):
    r = client.post("/accounts/password/reset/", {"email": "alice@example.org"})
    print(r.status_code, r.get("Location"), [m.body for m in mail.outbox])
