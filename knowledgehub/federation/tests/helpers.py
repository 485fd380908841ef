"""Test helpers: a remote fediverse server on 127.0.0.1 (an actor with its own key, an inbox and
a WebSub hub that record what they receive), and an INDEPENDENT HTTP-signature implementation
written here with cryptography primitives (not the app's signatures.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Remote:
    """What the remote server serves and what it has received."""

    key: rsa.RSAPrivateKey
    port: int = 0
    received: list[Received] = field(default_factory=list)
    status: int = 202

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def actor_id(self) -> str:
        return self.url("/users/remy")

    @property
    def key_id(self) -> str:
        return f"{self.actor_id}#main-key"

    def actor_document(self) -> dict[str, Any]:
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.actor_id,
            "type": "Person",
            "preferredUsername": "remy",
            "inbox": self.url("/users/remy/inbox"),
            "outbox": self.url("/users/remy/outbox"),
            "endpoints": {"sharedInbox": self.url("/inbox")},
            "publicKey": {
                "id": self.key_id,
                "owner": self.actor_id,
                "publicKeyPem": public_pem(self.key),
            },
        }

    def posts(self, path: str | None = None) -> list[Received]:
        return [r for r in self.received if r.method == "POST" and (path is None or r.path == path)]


def _handler(remote: Remote) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _reply(self, status: int, body: bytes = b"", ctype: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            remote.received.append(Received("GET", self.path, dict(self.headers.items()), b""))
            if self.path == "/users/remy":
                body = json.dumps(remote.actor_document()).encode()
                self._reply(200, body, "application/activity+json")
            elif self.path == "/impostor":  # claims to be an actor on another server
                doc = {**remote.actor_document(), "id": "https://social.example/users/victim"}
                doc["publicKey"] = {**doc["publicKey"], "id": remote.url("/impostor#main-key")}
                self._reply(200, json.dumps(doc).encode(), "application/activity+json")
            else:
                self._reply(404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            remote.received.append(Received("POST", self.path, headers, body))
            self._reply(remote.status)

    return Handler


def serve(remote: Remote) -> Iterator[Remote]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(remote))
    server.daemon_threads = True
    remote.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield remote
    finally:
        server.shutdown()
        server.server_close()


# --- An independent draft-cavage implementation -------------------------------------------------


def b64_sha256(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def signed_headers(
    *,
    key: rsa.RSAPrivateKey,
    key_id: str,
    path: str,
    body: bytes,
    host: str = "testserver",
    date: str | None = None,
) -> dict[str, str]:
    """Headers for a POST signed the way Mastodon signs."""
    date = date or formatdate(usegmt=True)
    digest = f"SHA-256={b64_sha256(body)}"
    text = f"(request-target): post {path}\nhost: {host}\ndate: {date}\ndigest: {digest}"
    signature = base64.b64encode(
        key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    ).decode()
    return {
        "Host": host,
        "Date": date,
        "Digest": digest,
        "Signature": (
            f'keyId="{key_id}",algorithm="rsa-sha256",'
            f'headers="(request-target) host date digest",signature="{signature}"'
        ),
    }


def verify_received(received: Received, public_key_pem: str) -> dict[str, str]:
    """Check a request our server sent, from scratch: parse the Signature header, rebuild the
    signing string from the headers as received, check the digest and the RSA signature."""
    params = dict(re.findall(r'(\w+)="([^"]*)"', received.headers["signature"]))
    names = params["headers"].split()
    assert {"(request-target)", "host", "date", "digest"} <= set(names)
    assert received.headers["digest"] == f"SHA-256={b64_sha256(received.body)}"
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {received.method.lower()} {received.path}")
        else:
            lines.append(f"{name}: {received.headers[name]}")
    key = serialization.load_pem_public_key(public_key_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(  # raises InvalidSignature
        base64.b64decode(params["signature"]),
        "\n".join(lines).encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    return params
