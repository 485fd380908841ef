"""The local outbox: the e-mail backend used when no mail server is configured, and /outbox/,
readable only from this machine or by staff, and only while it is the backend in use."""

from __future__ import annotations

import pytest
from django.core.mail import EmailMultiAlternatives, send_mail, send_mass_mail

from knowledgehub.core.models import OutboxMessage

pytestmark = pytest.mark.django_db

OUTBOX = "knowledgehub.core.mail.OutboxBackend"
ELSEWHERE = "203.0.113.9"


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = OUTBOX


def test_backend_stores_messages(outbox):
    sent = send_mail(
        "Please confirm your address",
        "Go to http://127.0.0.1:8000/accounts/confirm-email/abc/",
        "Knowledge Hub <hub@localhost>",
        ["erin@example.org"],
    )
    assert sent == 1
    message = OutboxMessage.objects.get()
    assert message.subject == "Please confirm your address"
    assert message.to == "erin@example.org"
    assert message.from_email == "Knowledge Hub <hub@localhost>"
    assert "confirm-email/abc/" in message.body
    assert message.html == ""


def test_backend_keeps_html_and_every_recipient(outbox):
    email = EmailMultiAlternatives(
        "Invitation", "Plain body", "hub@localhost", ["a@example.org"], cc=["b@example.org"],
        bcc=["c@example.org"],
    )  # fmt: skip
    email.attach_alternative("<p>HTML body</p>", "text/html")
    assert email.send() == 1
    message = OutboxMessage.objects.get()
    assert message.to == "a@example.org, b@example.org, c@example.org"
    assert message.html == "<p>HTML body</p>"


def test_backend_counts_several_messages(outbox):
    sent = send_mass_mail(
        [
            ("One", "Body", "hub@localhost", ["a@example.org"]),
            ("Two", "Body", "hub@localhost", ["b@example.org"]),
        ]
    )
    assert sent == 2
    assert list(OutboxMessage.objects.values_list("subject", flat=True)) == ["Two", "One"]


@pytest.fixture
def message(outbox):
    send_mail(
        "Hello <b>there</b>", "Visit http://example.org/x", "hub@localhost", ["e@example.org"]
    )
    return OutboxMessage.objects.get()


def test_outbox_is_readable_from_this_machine(client, message):
    for address in ("127.0.0.1", "::1"):
        response = client.get("/outbox/", REMOTE_ADDR=address)
        assert response.status_code == 200
        assert "Hello &lt;b&gt;there&lt;/b&gt;" in response.content.decode()
        page = client.get(f"/outbox/{message.pk}/", REMOTE_ADDR=address)
        assert page.status_code == 200
        assert 'href="http://example.org/x"' in page.content.decode()
        assert "no-store" in page["Cache-Control"]


def test_outbox_is_hidden_from_other_addresses(client, message, alice):
    assert client.get("/outbox/", REMOTE_ADDR=ELSEWHERE).status_code == 404
    assert client.get(f"/outbox/{message.pk}/", REMOTE_ADDR=ELSEWHERE).status_code == 404
    client.force_login(alice)
    assert client.get("/outbox/", REMOTE_ADDR=ELSEWHERE).status_code == 404
    assert client.get(f"/outbox/{message.pk}/", REMOTE_ADDR=ELSEWHERE).status_code == 404


def test_outbox_is_hidden_when_the_address_is_not_an_ip(client, message):
    assert client.get("/outbox/", REMOTE_ADDR="").status_code == 404
    assert client.get("/outbox/", REMOTE_ADDR="localhost").status_code == 404


def test_staff_can_read_the_outbox_from_anywhere(client, message, dave):
    client.force_login(dave)
    assert client.get("/outbox/", REMOTE_ADDR=ELSEWHERE).status_code == 200
    assert client.get(f"/outbox/{message.pk}/", REMOTE_ADDR=ELSEWHERE).status_code == 200


def test_outbox_is_404_when_mail_goes_out_by_smtp(client, message, dave, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert client.get("/outbox/", REMOTE_ADDR="127.0.0.1").status_code == 404
    assert client.get(f"/outbox/{message.pk}/", REMOTE_ADDR="127.0.0.1").status_code == 404
    client.force_login(dave)
    assert client.get("/outbox/", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_unknown_message_is_404(client, outbox):
    assert client.get("/outbox/999/", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_forwarded_for_header_does_not_unlock_the_outbox(client, message):
    response = client.get("/outbox/", REMOTE_ADDR=ELSEWHERE, HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 404
