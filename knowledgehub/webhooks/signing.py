"""The signature on every delivery, in the ``X-KnowledgeHub-Signature`` header:

    t=<unix seconds>,v1=<hex HMAC-SHA256(secret, b"<t>." + body)>

The timestamp is inside the signed bytes, so a receiver that rejects old timestamps (we suggest
5 minutes) cannot be fed a recorded delivery again later. docs/examples/webhook_receiver.py
verifies it with the standard library only."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-KnowledgeHub-Signature"


def signature(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(
        secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for ``body`` sent now (or at ``timestamp``)."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={t},v1={signature(secret, body, t)}"
