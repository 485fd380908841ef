"""Project system checks."""

from __future__ import annotations

from knowledgehub.core.checks import loopback_fetches_in_production, outbox_in_production


def test_loopback_fetches_are_an_error_in_production(settings):
    settings.HTTPS = True
    settings.KH_FETCH_ALLOW_LOOPBACK = True
    assert [m.id for m in loopback_fetches_in_production()] == ["knowledgehub.E002"]
    settings.KH_FETCH_ALLOW_LOOPBACK = False
    assert loopback_fetches_in_production() == []


def test_the_outbox_is_a_warning_in_production(settings):
    settings.HTTPS = True
    settings.EMAIL_BACKEND = "knowledgehub.core.mail.OutboxBackend"
    assert [m.id for m in outbox_in_production()] == ["knowledgehub.W001"]
    settings.HTTPS = False
    assert outbox_in_production() == []
