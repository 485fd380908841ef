"""Shared pieces for the polling tests: a local feed server (http.server in a thread on
127.0.0.1), generated RSS feeds, and a scratch project directory for subprocess tests.
(No tests here.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def rss(n: int, *, prefix: str = "item", title: str = "Test feed", start: int = 0) -> bytes:
    """An RSS 2.0 feed of ``n`` items with stable guids ``{prefix}-{i}``."""
    items = "".join(
        f"<item><title>{prefix} number {i}</title>"
        f"<link>https://example.org/{prefix}/{i}</link>"
        f'<guid isPermaLink="false">{prefix}-{i}</guid>'
        f"<description>Body of {prefix} {i}.</description>"
        f"<pubDate>{formatdate(1_700_000_000 + i * 60, usegmt=True)}</pubDate></item>"
        for i in range(start, start + n)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://example.org/</link>"
        f"<description>About {title}</description>{items}</channel></rss>"
    ).encode()


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str = ""  # when set: sent, and If-None-Match matching it answers 304
    last_modified: str = ""  # when set: sent, and an equal If-Modified-Since answers 304
    delay: float = 0.0  # seconds to sleep before answering (a hanging feed)
    location: str = ""  # for redirects


@dataclass
class FeedServer:
    port: int
    routes: dict[str, Route]
    requests: list[tuple[str, dict[str, str]]]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == path]


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            server.requests.append((self.path, {k: v for k, v in self.headers.items()}))
            route = server.routes.get(self.path)
            if route is None:
                return self._send(404, b"not here", {})
            if route.delay:
                time.sleep(route.delay)
            headers = dict(route.headers)
            if route.location:
                headers["Location"] = route.location
            if route.status == 200:
                if route.etag:
                    headers["ETag"] = route.etag
                if route.last_modified:
                    headers["Last-Modified"] = route.last_modified
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                if (route.etag and inm == route.etag) or (
                    not route.etag and route.last_modified and ims == route.last_modified
                ):
                    return self._send(304, b"", headers)
                headers.setdefault("Content-Type", "application/rss+xml; charset=utf-8")
            self._send(route.status, route.body, headers)

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


@pytest.fixture
def feed_server(settings) -> Iterator[FeedServer]:  # type: ignore[no-untyped-def]
    """A threaded HTTP server on 127.0.0.1 serving ``routes``; loopback fetching allowed."""
    settings.KH_FETCH_ALLOW_LOOPBACK = True
    state = FeedServer(port=0, routes={}, requests=[])
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


# --- a project directory of its own, for subprocesses ----------------------------------------

BLANKED = ("DATABASE_URL", "REDIS_URL", "KH_FEED_POLL_LEASE_SECONDS")


def subprocess_env(var_dir: Path, settings_dir: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    for name in BLANKED:
        env[name] = ""
        env.pop(f"{name}_FILE", None)
    env["KH_VAR_DIR"] = str(var_dir)
    env["HUEY_IMMEDIATE"] = "0"
    paths = [str(ROOT)] + ([str(settings_dir)] if settings_dir else [])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["DJANGO_SETTINGS_MODULE"] = "kh_test_settings" if settings_dir else "knowledgehub.settings"
    return env


@pytest.fixture(scope="session")
def migrated_var_dir(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """A KH_VAR_DIR with a migrated SQLite database, made once per session (copy it per test)."""
    var_dir = tmp_path_factory.mktemp("kh-var-template")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=subprocess_env(var_dir),
        check=True,
        timeout=300,
    )
    return var_dir


@pytest.fixture
def project_dir(migrated_var_dir, tmp_path) -> Callable[..., dict[str, str]]:  # type: ignore[no-untyped-def]
    """A fresh copy of the migrated database in its own KH_VAR_DIR; returns a function giving
    the environment for ``manage.py`` subprocesses (extra settings become a settings module)."""
    var_dir = tmp_path / "var"
    shutil.copytree(migrated_var_dir, var_dir)

    def env(**extra_settings: object) -> dict[str, str]:
        settings_dir = None
        if extra_settings:
            settings_dir = tmp_path / "settings"
            settings_dir.mkdir(exist_ok=True)
            lines = ["from knowledgehub.settings import *  # noqa: F403"]
            lines += [f"{name} = {value!r}" for name, value in extra_settings.items()]
            (settings_dir / "kh_test_settings.py").write_text("\n".join(lines) + "\n")
        return subprocess_env(var_dir, settings_dir)

    env.var_dir = var_dir  # type: ignore[attr-defined]
    return env
