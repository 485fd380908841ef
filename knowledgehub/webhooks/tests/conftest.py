"""Fixtures for webhook tests: local receivers on 127.0.0.1 (the sample receiver from
docs/examples and a scripted one), a stub resolver so public-looking names never touch the
network, and helpers that make webhooks without the address check (to test delivery-time
refusals)."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from knowledgehub.lib import safehttp
from knowledgehub.webhooks import services
from knowledgehub.webhooks.models import Webhook

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "webhook_receiver.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("webhook_receiver_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def example() -> ModuleType:
    return load_example()


def _run(server: ThreadingHTTPServer) -> Iterator[ThreadingHTTPServer]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def loopback(settings: Any) -> None:
    settings.KH_FETCH_ALLOW_LOOPBACK = True


@pytest.fixture
def sample_receiver(example: ModuleType) -> Iterator[Any]:
    """The documented receiver, listening on 127.0.0.1 with secret "whsec_test"."""
    yield from _run(example.make_server(0, "whsec_test"))


class Scripted(BaseHTTPRequestHandler):
    server: ScriptedServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.requests.append((dict(self.headers.items()), body))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class ScriptedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Scripted)
        self.statuses: list[int] = []
        self.requests: list[tuple[dict[str, str], bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


@pytest.fixture
def scripted() -> Iterator[Any]:
    """A receiver answering with the statuses in ``.statuses`` in turn (200 when empty)."""
    yield from _run(ScriptedServer())


@pytest.fixture
def public_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names (other than localhost) resolve to a public address, for checks only: pair it with
    `queued` so nothing is ever sent there."""
    real = safehttp.resolve

    def fake(host: str, port: int) -> list[str]:
        if host == "localhost":
            return real(host, port)
        return ["93.184.216.34"]

    monkeypatch.setattr(safehttp, "resolve", fake)


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Deliveries are recorded, not sent: the ids that would have been queued."""
    ids: list[int] = []
    monkeypatch.setattr(services, "_queue", ids.append)
    return ids


def make_webhook(owner: Any, url: str = "https://hooks.example.com/in", **kwargs: Any) -> Webhook:
    """A webhook saved without the address check (tests of delivery-time refusals)."""
    events = kwargs.pop("events", ["item.created"])
    webhook = Webhook(owner=owner, url=url, **kwargs)
    webhook.set_events(events)
    webhook.save()
    return webhook
