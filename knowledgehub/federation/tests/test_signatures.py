"""signatures.py against the independent implementation in helpers.py, both ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from knowledgehub.federation.signatures import (
    SignatureError,
    generate_key_pair,
    parse_signature,
    sign,
    verify,
)

from .helpers import Received, new_key, public_pem, signed_headers, verify_received


def test_our_signature_verifies_independently() -> None:
    private_pem, public = generate_key_pair()
    body = b'{"type":"Create"}'
    headers = sign(
        method="POST",
        url="https://social.example:8443/users/x/inbox?a=1",
        body=body,
        private_key_pem=private_pem,
        key_id="https://hub.example.org/ap/people/a#main-key",
    )
    assert headers["Host"] == "social.example:8443"
    received = Received(
        "POST", "/users/x/inbox?a=1", {k.lower(): v for k, v in headers.items()}, body
    )
    params = verify_received(received, public)
    assert params["algorithm"] == "rsa-sha256"


def test_independent_signature_verifies_with_ours() -> None:
    key = new_key()
    body = b"{}"
    headers = signed_headers(key=key, key_id="https://x.example/a#k", path="/inbox", body=body)
    lower = {k.lower(): v for k, v in headers.items()}
    params = verify(
        method="POST",
        request_target="/inbox",
        headers=lower,
        body=body,
        public_key_pem=public_pem(key),
    )
    assert params.key_id == "https://x.example/a#k"
    with pytest.raises(SignatureError):
        verify(
            method="POST",
            request_target="/inbox",
            headers=lower,
            body=b"{ }",
            public_key_pem=public_pem(key),
        )
    with pytest.raises(SignatureError):
        verify(
            method="POST",
            request_target="/inbox",
            headers=lower,
            body=body,
            public_key_pem=public_pem(key),
            now=datetime.now(UTC) + timedelta(hours=13),
        )


def test_signature_must_cover_digest_and_date() -> None:
    key = new_key()
    headers = signed_headers(key=key, key_id="k", path="/inbox", body=b"")
    lower = {k.lower(): v for k, v in headers.items()}
    lower["signature"] = lower["signature"].replace("host date digest", "host")
    with pytest.raises(SignatureError, match="must cover"):
        verify(
            method="POST",
            request_target="/inbox",
            headers=lower,
            body=b"",
            public_key_pem=public_pem(key),
        )


@pytest.mark.parametrize(
    "value", ["", "garbage", 'keyId="k"', 'keyId="k",algorithm="hmac-sha1",signature="AA=="']
)
def test_malformed_headers(value: str) -> None:
    with pytest.raises(SignatureError):
        parse_signature(value)
