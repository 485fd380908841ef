"""A small Knowledge Hub webhook receiver, standard library only.

Every delivery is a POST with a JSON body and these headers:

    X-KnowledgeHub-Event: item.created | member.joined | value.recorded | ping
    X-KnowledgeHub-Delivery: <uuid, the same for every retry of one delivery>
    X-KnowledgeHub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, b"<t>." + body)>

Check the signature over the raw body bytes before parsing them, with a constant-time compare,
and refuse timestamps older than 5 minutes (so a recorded delivery cannot be replayed). Answer
with any 2xx quickly; anything else is retried (1 min, 5 min, 30 min, 2 h, 12 h). Retries carry
the same delivery id, so remember the ids you have handled.

Run it:  python webhook_receiver.py 8000 whsec_your_secret
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOLERANCE_SECONDS = 300
MAX_BODY = 1024 * 1024


def verify(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """True when ``header`` (X-KnowledgeHub-Signature) signs ``body`` with ``secret`` and its
    timestamp is no more than 5 minutes from ``now``."""
    parts: dict[str, list[str]] = {}
    for piece in (header or "").split(","):
        name, sep, value = piece.strip().partition("=")
        if sep:
            parts.setdefault(name, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(
        secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    # Any v1 may match (more than one may be sent while a secret is being changed).
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._answer(413, "too large")
            return
        body = self.rfile.read(length)
        header = self.headers.get("X-KnowledgeHub-Signature", "")
        if not verify(self.server.secret, header, body):
            self.server.rejected.append(body)
            self._answer(401, "bad signature")
            return
        event = json.loads(body)
        self.server.accepted.append(event)
        self.server.handle_event(event)
        self._answer(204, "")

    def _answer(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class Receiver(ThreadingHTTPServer):
    """The HTTP server; ``accepted`` and ``rejected`` keep what arrived (handy in tests)."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], secret: str, verbose: bool = False) -> None:
        super().__init__(address, Handler)
        self.secret = secret
        self.verbose = verbose
        self.accepted: list[dict[str, Any]] = []
        self.rejected: list[bytes] = []
        self.seen: set[str] = set()

    def handle_event(self, event: dict[str, Any]) -> None:
        """Do your work here (quickly; hand slow work to a queue). Skips repeated deliveries."""
        if event.get("id") in self.seen:
            return
        self.seen.add(str(event.get("id")))
        if self.verbose:
            print(event.get("event"), json.dumps(event.get("data"))[:200])


def make_server(port: int, secret: str, host: str = "127.0.0.1", verbose: bool = False) -> Receiver:
    """A receiver bound to ``host:port`` (port 0 picks a free one), not yet serving."""
    return Receiver((host, port), secret, verbose=verbose)


def serve(port: int, secret: str, host: str = "127.0.0.1") -> None:
    """Serve until interrupted."""
    server = make_server(port, secret, host=host, verbose=True)
    print(f"Listening on http://{host}:{server.server_address[1]}/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python webhook_receiver.py PORT SECRET")
    serve(int(sys.argv[1]), sys.argv[2])
