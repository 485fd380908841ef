"""HTTP Signatures (draft-cavage-http-signatures-12, as Mastodon and most of the fediverse use
them), with RSA PKCS#1 v1.5 over SHA-256 from ``cryptography``.

We sign ``(request-target) host date digest`` (``digest`` is ``SHA-256=<base64>`` of the body);
``algorithm`` is ``rsa-sha256`` when we sign, and ``rsa-sha256`` or ``hs2019`` (with an RSA key)
is accepted when we verify. Verifying also checks that the ``Date`` is within 12 hours and that
the ``Digest`` matches the body, and insists that the signed headers include those.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .constants import SIGNATURE_MAX_SKEW

SIGNED_HEADERS = ("(request-target)", "host", "date", "digest")
REQUIRED_HEADERS = frozenset(SIGNED_HEADERS)
_PARAM = re.compile(r'\s*([a-zA-Z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


class SignatureError(Exception):
    """The request's signature is missing, malformed, stale or does not verify."""


@dataclass(frozen=True)
class SignatureParams:
    key_id: str
    algorithm: str
    headers: tuple[str, ...]
    signature: bytes


def generate_key_pair() -> tuple[str, str]:
    """A new RSA 2048 key pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return private_pem, public_pem


def digest_header(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def http_date(when: datetime | None = None) -> str:
    return format_datetime((when or datetime.now(UTC)).astimezone(UTC), usegmt=True)


def host_of(url: str) -> str:
    """The Host header for ``url`` as safehttp sends it (default ports left out)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").encode("idna").decode("ascii").lower()
    if ":" in host:
        host = f"[{host}]"
    default = 443 if parts.scheme == "https" else 80
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def signing_string(
    method: str, request_target: str, headers: Mapping[str, str], names: tuple[str, ...]
) -> str:
    """The text that is signed; ``headers`` keys must be lower case."""
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {request_target}")
        else:
            if name not in headers:
                raise SignatureError(f"the signed header {name!r} is missing")
            lines.append(f"{name}: {headers[name].strip()}")
    return "\n".join(lines)


def sign(
    *,
    method: str,
    url: str,
    body: bytes,
    private_key_pem: str,
    key_id: str,
    when: datetime | None = None,
) -> dict[str, str]:
    """Headers (Date, Digest, Signature, Host) for a signed request of ``body`` to ``url``."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"host": host_of(url), "date": http_date(when), "digest": digest_header(body)}
    text = signing_string(method, target, headers, SIGNED_HEADERS)
    key = serialization.load_pem_private_key(private_key_pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SignatureError("only RSA keys can sign")
    signature = key.sign(text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    value = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(SIGNED_HEADERS)}",'
        f'signature="{base64.b64encode(signature).decode("ascii")}"'
    )
    return {
        "Host": headers["host"],
        "Date": headers["date"],
        "Digest": headers["digest"],
        "Signature": value,
    }


def parse_signature(value: str) -> SignatureParams:
    """Read a ``Signature`` header (or the value of ``Authorization: Signature …``)."""
    if value.lower().startswith("signature "):
        value = value[len("signature ") :]
    params: dict[str, str] = {}
    position = 0
    value = value.strip()
    while position < len(value):
        match = _PARAM.match(value, position)
        if match is None:
            raise SignatureError("the Signature header is malformed")
        params[match.group(1).lower()] = match.group(2)
        position = match.end()
    if "keyid" not in params or "signature" not in params:
        raise SignatureError("the Signature header has no keyId or signature")
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in ("rsa-sha256", "hs2019"):
        raise SignatureError(f"the signature algorithm {algorithm!r} is not supported")
    names = tuple(params.get("headers", "date").lower().split())
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except ValueError as exc:
        raise SignatureError("the signature is not base64") from exc
    return SignatureParams(params["keyid"], algorithm, names, signature)


def verify(
    *,
    method: str,
    request_target: str,
    headers: Mapping[str, str],
    body: bytes,
    public_key_pem: str,
    params: SignatureParams | None = None,
    now: datetime | None = None,
) -> SignatureParams:
    """Check a signed request; raises SignatureError. ``headers`` keys must be lower case."""
    if params is None:
        params = parse_signature(headers.get("signature", ""))
    missing = REQUIRED_HEADERS - set(params.headers)
    if missing:
        raise SignatureError(f"the signature must cover {', '.join(sorted(missing))}")
    try:
        sent = parsedate_to_datetime(headers.get("date", ""))
    except (TypeError, ValueError) as exc:
        raise SignatureError("the Date header is missing or malformed") from exc
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    skew = abs(((now or datetime.now(UTC)) - sent).total_seconds())
    if skew > SIGNATURE_MAX_SKEW:
        raise SignatureError("the Date header is too far from now")
    digest = headers.get("digest", "")
    algorithm, _, value = digest.partition("=")
    if algorithm.strip().upper() != "SHA-256" or value != digest_header(body).partition("=")[2]:
        raise SignatureError("the Digest header does not match the body")
    text = signing_string(method, request_target, headers, params.headers)
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode("ascii"))
    except ValueError as exc:
        raise SignatureError("the sender's public key is unreadable") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("only RSA keys are supported")
    try:
        key.verify(params.signature, text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise SignatureError("the signature does not verify") from exc
    return params
