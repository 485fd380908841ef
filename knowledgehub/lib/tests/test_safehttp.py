"""lib.safehttp: the one outbound HTTP client. Policy (schemes, address ranges, numeric host
spellings), resolving once, redirects re-checked at every hop, size and time caps, and headers,
all against a local server on 127.0.0.1 and stub resolvers: never the outside network."""

from __future__ import annotations

import contextlib
import datetime
import gzip
import ipaddress
import json
import socket
import ssl
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from knowledgehub.lib import safehttp
from knowledgehub.lib.safehttp import FetchError, FetchRefused, check_url, fetch

BOMB_SIZE = 64 * 1024 * 1024
_bomb: list[bytes] = []


def bomb() -> bytes:
    """64 MB of zeros, gzipped (about 64 KB on the wire)."""
    if not _bomb:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        block = bytes(1024 * 1024)
        parts = [compressor.compress(block) for _ in range(BOMB_SIZE // len(block))]
        _bomb.append(b"".join(parts) + compressor.flush())
    return _bomb[0]


class Handler(BaseHTTPRequestHandler):
    server: LocalServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = {"Content-Length": str(len(body)), **(headers or {})}
        for name, value in headers.items():
            if value is not None:
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.seen.append(self.path)
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        segments = path.strip("/").split("/")
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.route(path, segments, query)

    def route(self, path: str, segments: list[str], query: dict[str, list[str]]) -> None:
        if path == "/text":
            self.send(200, b"hello world", {"Content-Type": "text/plain", "X-Thing": "yes"})
        elif path == "/echo":
            body = json.dumps({"headers": dict(self.headers.items()), "path": self.path})
            self.send(200, body.encode(), {"Content-Type": "application/json"})
        elif path == "/gzip":
            self.send(200, gzip.compress(b"feed " * 1000), {"Content-Encoding": "gzip"})
        elif path == "/gzip-members":
            body = gzip.compress(b"first ") + gzip.compress(b"second")
            self.send(200, body, {"Content-Encoding": "gzip"})
        elif path == "/deflate":
            self.send(200, zlib.compress(b"wrapped " * 500), {"Content-Encoding": "deflate"})
        elif path == "/rawdeflate":
            compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
            body = compressor.compress(b"raw " * 500) + compressor.flush()
            self.send(200, body, {"Content-Encoding": "deflate"})
        elif path == "/brotli":
            self.send(200, b"\x00\x01", {"Content-Encoding": "br"})
        elif path == "/bomb":
            self.send(200, bomb(), {"Content-Encoding": "gzip"})
        elif path == "/bomb-chunked":
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            data = bomb()
            for start in range(0, len(data), 8192):
                piece = data[start : start + 8192]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/big":
            self.send(200, b"x" * 300_000)
        elif path == "/big-nolength":
            self.send_response(200)
            self.end_headers()
            for _ in range(30):
                self.wfile.write(b"y" * 10_000)
        elif path == "/etag":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send(304, headers={"ETag": '"v1"', "Content-Length": None})  # type: ignore[dict-item]
            else:
                self.send(200, b"fresh", {"ETag": '"v1"'})
        elif segments[0] == "status":
            self.send(int(segments[1]), b"status body")
        elif segments[0] == "hop":
            # /hop/301,302,308 redirects with each code in turn (relative Location), then /text.
            codes = [code for code in (segments[1] if len(segments) > 1 else "").split(",") if code]
            if not codes:
                self.send(200, b"arrived")
            else:
                rest = ",".join(codes[1:])
                self.send(int(codes[0]), b"moved", {"Location": f"/hop/{rest}"})
        elif segments[0] == "relative":
            self.send(302, headers={"Location": "../text"})
        elif path == "/to":
            self.send(int(query.get("code", ["302"])[0]), headers={"Location": query["url"][0]})
        elif path == "/loop":
            self.send(302, headers={"Location": "/loop"})
        elif path == "/no-location":
            self.send(302, b"nowhere")
        elif path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(1)
        elif path == "/drip-headers":
            self.wfile.write(b"HTTP/1.0 200 OK\r\n")
            for _ in range(100):
                self.wfile.write(b"X-Slow: 1\r\n")
                self.wfile.flush()
                time.sleep(0.25)
        else:
            self.send(404, b"not found")


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen: list[str] = []

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


def _serve(server: ThreadingHTTPServer) -> Iterator[ThreadingHTTPServer]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def _module_server() -> Iterator[LocalServer]:
    server = LocalServer()
    yield from _serve(server)  # type: ignore[misc]


@pytest.fixture
def server(_module_server: LocalServer, settings) -> LocalServer:  # type: ignore[no-untyped-def]
    settings.KH_FETCH_ALLOW_LOOPBACK = True
    _module_server.seen.clear()
    return _module_server


class Resolver:
    """A stub for safehttp.resolve: answers from a table (a list of answers is used in turn)."""

    def __init__(self, table: dict[str, list[str] | list[list[str]]]) -> None:
        self.table = table
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append((host, port))
        answer = self.table[host]
        if answer and isinstance(answer[0], list):
            turn = sum(1 for called, _ in self.calls if called == host) - 1
            return list(answer[min(turn, len(answer) - 1)])
        return list(answer)  # type: ignore[arg-type]


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    stub = Resolver({})
    monkeypatch.setattr(safehttp, "resolve", stub)
    return stub


@pytest.fixture
def no_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(host: str, port: int) -> list[str]:
        raise AssertionError(f"{host!r} was passed to the resolver")

    monkeypatch.setattr(safehttp, "resolve", fail)


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a connection is attempted to."""
    attempts: list[str] = []
    real = safehttp._connect

    def spy(ip, port, deadline):  # type: ignore[no-untyped-def]
        attempts.append(str(ip))
        return real(ip, port, deadline)

    monkeypatch.setattr(safehttp, "_connect", spy)
    return attempts


# --- Schemes and URL forms ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/feed.xml",
        "file:///etc/passwd",
        "gopher://example.com/",
        "javascript:alert(1)",
        "data:text/plain,hello",
        "dict://example.com:11211/",
        "//example.com/feed",
        "example.com/feed",
        "",
        "http:///feed",
        "http://exa mple.com/",
        "http://example.com:99999/",
        "http://example.com\r\nX: y/",
        "http://[::1/",
    ],
)
def test_refuses_other_schemes_and_malformed_addresses(url: str, no_resolver: None) -> None:
    with pytest.raises(FetchRefused) as caught:
        check_url(url)
    assert caught.value.message
    with pytest.raises(FetchRefused):
        fetch(url)


@pytest.mark.parametrize(
    "url", ["http://user:secret@example.com/", "https://user@example.com/", "http://@example.com/"]
)
def test_refuses_user_names_and_passwords(url: str, no_resolver: None) -> None:
    with pytest.raises(FetchRefused, match="user name or password"):
        check_url(url)


def test_public_addresses_are_accepted(resolver: Resolver) -> None:
    resolver.table["feeds.example.org"] = [
        "93.184.215.14",
        "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
    ]
    check_url("https://feeds.example.org/rss")
    check_url("HTTP://Feeds.Example.org:8080/rss?x=1")
    assert resolver.calls == [("feeds.example.org", 443), ("feeds.example.org", 8080)]
    check_url("http://93.184.215.14/")
    check_url("http://[2606:4700:4700::1111]/")


# --- Address ranges -------------------------------------------------------------------------------

REFUSED_ADDRESSES = [
    ("127.0.0.1", "this server"),
    ("127.255.255.254", "this server"),
    ("10.0.0.1", "private network"),
    ("10.255.255.255", "private network"),
    ("172.16.0.1", "private network"),
    ("172.31.255.254", "private network"),
    ("192.168.1.1", "private network"),
    ("100.64.0.1", "private network"),  # CGNAT
    ("100.127.255.254", "private network"),
    ("169.254.169.254", "local network link"),  # cloud metadata
    ("0.0.0.0", "all zeros"),  # noqa: S104
    ("0.1.2.3", "all zeros"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("255.255.255.255", "reserved"),
    ("240.0.0.1", "reserved"),
    ("192.0.0.8", "reserved"),
    ("198.18.0.1", "reserved"),  # benchmarking
    ("192.88.99.1", "reserved"),
    ("192.0.2.1", "documentation"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.9", "documentation"),
    ("::1", "this server"),
    ("::", "all zeros"),
    ("fe80::1", "local network link"),
    ("febf::1", "local network link"),
    ("fc00::1", "private network"),
    ("fd12:3456:789a::1", "private network"),
    ("fec0::1", "private network"),  # site-local (deprecated)
    ("ff02::1", "multicast"),
    ("ff0e::1", "multicast"),
    ("::ffff:127.0.0.1", "this server"),  # IPv4-mapped: judged as the IPv4 address
    ("::ffff:10.0.0.1", "private network"),
    ("::ffff:169.254.169.254", "local network link"),
    ("::127.0.0.1", "reserved"),  # IPv4-compatible
    ("::8.8.8.8", "reserved"),
    ("64:ff9b::a00:1", "translated"),  # NAT64 of 10.0.0.1
    ("64:ff9b::808:808", "translated"),
    ("64:ff9b:1::1", "translated"),
    ("2002:7f00:1::", "6to4"),  # 6to4 wrapping 127.0.0.1
    ("2002:a00:1::1", "6to4"),  # 6to4 wrapping 10.0.0.1
    ("2002:c0a8:101::1", "6to4"),  # 6to4 wrapping 192.168.1.1
    ("2001::1", "translated"),  # Teredo
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "translated"),
    ("2001:db8::1", "documentation"),
    ("3fff::1", "documentation"),
    ("100::1", "reserved"),  # discard-only
    ("4000::1", "reserved"),  # outside global unicast
    ("::2", "reserved"),
]


@pytest.mark.parametrize(("address", "words"), REFUSED_ADDRESSES)
def test_refuses_non_public_address_literals(address: str, words: str, no_resolver: None) -> None:
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(FetchRefused, match=words) as caught:
        check_url(f"http://{host}/feed")
    assert "we do not fetch" in caught.value.message
    with pytest.raises(FetchRefused):
        fetch(f"https://{host}:8443/feed", timeout=1)


@pytest.mark.parametrize(("address", "words"), REFUSED_ADDRESSES)
def test_refuses_names_resolving_to_non_public_addresses(
    address: str, words: str, resolver: Resolver, connections: list[str]
) -> None:
    resolver.table["sneaky.example"] = [address]
    with pytest.raises(FetchRefused, match=words):
        check_url("http://sneaky.example/")
    with pytest.raises(FetchRefused, match=words):
        fetch("http://sneaky.example/", timeout=1)
    assert connections == []


@pytest.mark.parametrize(
    "address", ["::ffff:8.8.8.8", "2002:808:808::1", "2a00:1450:4009:81f::200e", "1.1.1.1"]
)
def test_mapped_and_6to4_addresses_are_judged_by_the_ipv4_inside(
    address: str, no_resolver: None
) -> None:
    host = f"[{address}]" if ":" in address else address
    check_url(f"http://{host}/")


def test_a_scope_id_is_refused(resolver: Resolver) -> None:
    resolver.table["scoped.example"] = ["fe80::1%eth0"]
    with pytest.raises(FetchRefused):
        check_url("http://scoped.example/")


# --- Numeric host spellings -----------------------------------------------------------------------

NUMERIC_LOOPBACK = [
    "2130706433",
    "0x7f.1",
    "0x7f000001",
    "0X7F000001",
    "0177.0.0.1",
    "0177.1",
    "127.1",
    "127.0.1",
    "0x7f.0.0.1",
    "0x7f.0x0.0x0.0x1",
    "017700000001",
    "127.0.0.1.",
]


@pytest.mark.parametrize("host", NUMERIC_LOOPBACK)
def test_numeric_spellings_are_the_addresses_they_denote(host: str) -> None:
    expected = socket.inet_ntoa(socket.inet_aton(host.rstrip(".")))
    assert expected == "127.0.0.1"
    assert safehttp.parse_ipv4_host(host) == ipaddress.IPv4Address("127.0.0.1")


@pytest.mark.parametrize("host", NUMERIC_LOOPBACK)
def test_numeric_spellings_of_loopback_are_refused_without_a_lookup(
    host: str, no_resolver: None
) -> None:
    with pytest.raises(FetchRefused, match="this server"):
        check_url(f"http://{host}/")
    with pytest.raises(FetchRefused, match="this server"):
        fetch(f"http://{host}:8080/admin")


@pytest.mark.parametrize(
    ("host", "words"),
    [
        ("167772161", "private network"),  # 10.0.0.1
        ("0xa.1", "private network"),
        ("012.0.0.1", "private network"),  # octal 10
        ("0xc0.0xa8.1.1", "private network"),
        ("3232235777", "private network"),  # 192.168.1.1
        ("0xa9fea9fe", "local network link"),  # 169.254.169.254
        ("0", "all zeros"),
        ("0x0", "all zeros"),
    ],
)
def test_numeric_spellings_of_other_ranges_are_refused(
    host: str, words: str, no_resolver: None
) -> None:
    with pytest.raises(FetchRefused, match=words):
        check_url(f"http://{host}/")


@pytest.mark.parametrize("host", ["1.2.3.256", "1.2.65536", "4294967296", "08.1.1.1", "1.2.3.4.5"])
def test_malformed_numeric_hosts_are_refused_not_resolved(host: str, no_resolver: None) -> None:
    with pytest.raises(FetchRefused, match="not a valid web address"):
        check_url(f"http://{host}/")


def test_numbers_inside_names_are_names(resolver: Resolver) -> None:
    resolver.table["1.2.3.4.example.com"] = ["93.184.215.14"]
    resolver.table["0x7f.example"] = ["93.184.215.14"]
    check_url("http://1.2.3.4.example.com/")
    check_url("http://0x7f.example/")
    assert [host for host, _ in resolver.calls] == ["1.2.3.4.example.com", "0x7f.example"]


# --- The loopback switch --------------------------------------------------------------------------


def test_allow_loopback_allows_loopback_only(settings, no_resolver: None) -> None:  # type: ignore[no-untyped-def]
    settings.KH_FETCH_ALLOW_LOOPBACK = True
    check_url("http://127.0.0.1/")
    check_url("http://127.8.9.10/")
    check_url("http://[::1]/")
    check_url("http://127.1/")
    for refused in ["10.0.0.1", "192.168.0.1", "172.16.0.1", "169.254.169.254", "0.0.0.0"]:  # noqa: S104
        with pytest.raises(FetchRefused):
            check_url(f"http://{refused}/")
    with pytest.raises(FetchRefused):  # 6to4 wrapping loopback stays refused
        check_url("http://[2002:7f00:1::]/")


def test_loopback_is_refused_by_default(settings, no_resolver: None) -> None:  # type: ignore[no-untyped-def]
    assert settings.KH_FETCH_ALLOW_LOOPBACK is False
    with pytest.raises(FetchRefused, match="this server"):
        check_url("http://127.0.0.1/")


# --- Resolving once -------------------------------------------------------------------------------


def test_every_resolved_address_must_be_allowed(
    server: LocalServer,
    resolver: Resolver,
    settings,
    connections: list[str],  # type: ignore[no-untyped-def]
) -> None:
    settings.KH_FETCH_ALLOW_LOOPBACK = False
    resolver.table["mixed.example"] = ["93.184.215.14", "127.0.0.1"]
    with pytest.raises(FetchRefused, match="this server"):
        fetch(server.url("/text", host="mixed.example"))
    with pytest.raises(FetchRefused):
        check_url("http://mixed.example/")
    assert connections == []


def test_resolves_once_and_connects_to_the_checked_address(
    server: LocalServer, resolver: Resolver, connections: list[str]
) -> None:
    # A rebinding name: loopback (allowed in tests) at first, then a private address.
    resolver.table["rebind.example"] = [["127.0.0.1"], ["10.0.0.1"], ["10.0.0.1"]]
    response = fetch(server.url("/echo", host="rebind.example"))
    assert response.status == 200
    assert resolver.calls == [("rebind.example", server.port)]
    assert connections == ["127.0.0.1"]
    # The real host name is sent, though we connected to the address.
    assert json.loads(response.content)["headers"]["Host"] == f"rebind.example:{server.port}"


def test_resolve_uses_getaddrinfo_and_reports_unknown_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fake(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host == "known.example":
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
                (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2606:2800::1", port, 0, 0)),
            ]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    assert safehttp.resolve("known.example", 443) == ["93.184.215.14", "2606:2800::1"]
    with pytest.raises(FetchError, match=r"could not find the site nowhere\.example"):
        fetch("http://nowhere.example/")
    with pytest.raises(FetchRefused, match="could not find"):
        check_url("http://nowhere.example/")


# --- Fetching -------------------------------------------------------------------------------------


def test_fetches_and_returns_a_response(server: LocalServer) -> None:
    response = fetch(server.url("/text#fragment"))
    assert response.status == 200
    assert response.content == b"hello world"
    assert response.url == server.url("/text")
    assert response.headers["content-type"] == "text/plain"
    assert response.headers["X-THING"] == "yes"
    assert "x-thing" in response.headers
    assert response.redirects == []
    assert response.permanent_redirect is None
    assert server.seen == ["/text"]


def test_sends_user_agent_encodings_and_caller_headers(server: LocalServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KH_FETCH_USER_AGENT = "KnowledgeHub/1.0 (KnowledgeHub feed fetcher)"
    response = fetch(
        server.url("/echo?q=a b"),
        headers={
            "If-None-Match": '"abc"',
            "If-Modified-Since": "Wed, 21 Oct 2015 07:28:00 GMT",
            "Accept": "application/rss+xml",
            "Host": "evil.example",
            "Accept-Encoding": "br",
        },
    )
    sent = json.loads(response.content)
    headers = sent["headers"]
    assert headers["User-Agent"] == "KnowledgeHub/1.0 (KnowledgeHub feed fetcher)"
    assert headers["Accept-Encoding"] == "gzip, deflate"
    assert headers["If-None-Match"] == '"abc"'
    assert headers["If-Modified-Since"] == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert headers["Accept"] == "application/rss+xml"
    assert headers["Host"] == f"127.0.0.1:{server.port}"
    assert sent["path"] == "/echo?q=a%20b"


def test_304_is_returned_not_raised(server: LocalServer) -> None:
    first = fetch(server.url("/etag"))
    assert (first.status, first.content, first.headers["ETag"]) == (200, b"fresh", '"v1"')
    again = fetch(server.url("/etag"), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 304
    assert again.content == b""


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_error_statuses_are_returned(server: LocalServer, status: int) -> None:
    response = fetch(server.url(f"/status/{status}"))
    assert response.status == status
    assert response.content == b"status body"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/gzip", b"feed " * 1000),
        ("/gzip-members", b"first second"),
        ("/deflate", b"wrapped " * 500),
        ("/rawdeflate", b"raw " * 500),
    ],
)
def test_decodes_gzip_and_deflate(server: LocalServer, path: str, expected: bytes) -> None:
    assert fetch(server.url(path)).content == expected


def test_unknown_content_encoding_is_an_error(server: LocalServer) -> None:
    with pytest.raises(FetchError, match="compressed in a way we cannot read"):
        fetch(server.url("/brotli"))


# --- Redirects ------------------------------------------------------------------------------------


def test_follows_redirects_and_reports_permanent_ones(server: LocalServer) -> None:
    response = fetch(server.url("/hop/301,308"))
    assert response.status == 200
    assert response.content == b"arrived"
    assert response.redirects == [(301, server.url("/hop/308")), (308, server.url("/hop/"))]
    assert response.url == server.url("/hop/")
    assert response.permanent_redirect == server.url("/hop/")


@pytest.mark.parametrize("codes", ["302", "303", "307", "301,302", "302,301", "308,307"])
def test_any_temporary_hop_means_no_permanent_redirect(server: LocalServer, codes: str) -> None:
    response = fetch(server.url(f"/hop/{codes}"))
    assert response.content == b"arrived"
    assert [code for code, _ in response.redirects] == [int(code) for code in codes.split(",")]
    assert response.permanent_redirect is None


def test_relative_locations_resolve_against_the_current_url(server: LocalServer) -> None:
    response = fetch(server.url("/relative/deeper"))
    assert response.url == server.url("/text")
    assert response.content == b"hello world"


def test_at_most_five_redirects(server: LocalServer) -> None:
    assert fetch(server.url("/hop/301,302,303,307,308")).content == b"arrived"
    server.seen.clear()
    with pytest.raises(FetchRefused, match="more than 5 times"):
        fetch(server.url("/hop/301,302,303,307,308,302"))
    assert len(server.seen) == 6
    with pytest.raises(FetchRefused, match="redirected"):
        fetch(server.url("/loop"))


def test_a_redirect_without_location_is_returned(server: LocalServer) -> None:
    response = fetch(server.url("/no-location"))
    assert (response.status, response.content) == (302, b"nowhere")


@pytest.mark.parametrize(
    "location",
    [
        "http://10.0.0.1/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:192.168.0.1]/",
        "http://0xa9fea9fe/",
        "http://internal.example/",
        "file:///etc/passwd",
        "ftp://example.com/",
        "http://user:pw@example.com/",
    ],
)
def test_every_redirect_hop_is_checked(
    server: LocalServer, resolver: Resolver, connections: list[str], location: str
) -> None:
    resolver.table["internal.example"] = ["192.168.10.10"]
    with pytest.raises(FetchRefused):
        fetch(server.url(f"/to?url={location}"))
    assert connections == ["127.0.0.1"]  # only the first hop was connected to


def test_redirect_to_another_site_drops_credentials(
    server: LocalServer, resolver: Resolver
) -> None:
    resolver.table["other.example"] = ["127.0.0.1"]
    target = server.url("/echo", host="other.example")
    response = fetch(
        server.url(f"/to?url={target}"),
        headers={"Authorization": "Bearer secret", "If-None-Match": '"x"'},
    )
    headers = json.loads(response.content)["headers"]
    assert "Authorization" not in headers
    assert headers["If-None-Match"] == '"x"'
    same_site = fetch(server.url("/to?url=/echo"), headers={"Authorization": "Bearer secret"})
    assert json.loads(same_site.content)["headers"]["Authorization"] == "Bearer secret"


# --- Size caps ------------------------------------------------------------------------------------


def test_size_cap_by_content_length(server: LocalServer) -> None:
    assert len(fetch(server.url("/big"), max_bytes=300_000).content) == 300_000
    with pytest.raises(FetchError, match="larger than the limit of 97 KB"):
        fetch(server.url("/big"), max_bytes=100_000)


def test_size_cap_while_reading(server: LocalServer) -> None:
    with pytest.raises(FetchError, match="larger than the limit"):
        fetch(server.url("/big-nolength"), max_bytes=100_000)
    assert len(fetch(server.url("/big-nolength")).content) == 300_000


def test_size_cap_default_comes_from_settings(server: LocalServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KH_FETCH_MAX_BYTES = 1024 * 1024
    assert settings.KH_FETCH_MAX_BYTES
    with pytest.raises(FetchError, match="larger than the limit of 1 MB"):
        fetch(server.url("/bomb"))


@pytest.mark.parametrize("path", ["/bomb", "/bomb-chunked"])
def test_gzip_bomb_stops_at_the_cap_without_inflating_it(server: LocalServer, path: str) -> None:
    bomb()  # built before measuring
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="larger than the limit of 1 MB"):
            fetch(server.url(path), max_bytes=1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 64 MB of zeros inflated in full would need 64 MB; the cap keeps it near 1 MB.
    assert peak < 8 * 1024 * 1024, peak


def test_decoded_size_is_what_counts(server: LocalServer) -> None:
    # /gzip is ~50 bytes on the wire and 5,000 decoded.
    with pytest.raises(FetchError, match="larger than the limit"):
        fetch(server.url("/gzip"), max_bytes=4_000)
    assert len(fetch(server.url("/gzip"), max_bytes=5_000).content) == 5_000


# --- Time -----------------------------------------------------------------------------------------


def test_slow_drip_body_is_cut_off_by_the_deadline(server: LocalServer) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="took too long") as caught:
        fetch(server.url("/drip"), timeout=1.5)
    elapsed = time.monotonic() - started
    assert 1.4 < elapsed < 3, elapsed
    assert "1.5 seconds" in caught.value.message


def test_slow_drip_headers_are_cut_off_by_the_deadline(server: LocalServer) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="took too long"):
        fetch(server.url("/drip-headers"), timeout=1)
    assert time.monotonic() - started < 2.5


def test_the_deadline_covers_redirects(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    # Only safehttp's clock: four seconds pass at every hop.
    monkeypatch.setattr(safehttp, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    real = safehttp._one_request

    def slow_hop(*args, **kwargs):  # type: ignore[no-untyped-def]
        clock[0] += 4  # each hop "takes" four seconds
        return real(*args, **kwargs)

    monkeypatch.setattr(safehttp, "_one_request", slow_hop)
    assert fetch(server.url("/hop/302"), timeout=10).content == b"arrived"
    with pytest.raises(FetchError, match="took too long"):
        fetch(server.url("/hop/302,302,302"), timeout=10)


def test_connect_timeout(monkeypatch: pytest.MonkeyPatch, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KH_FETCH_ALLOW_LOOPBACK = True
    # A listener that never accepts, with its queue full: further connections are not answered.
    listener = socket.socket()
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        probe = socket.socket()
        probe.settimeout(0.3)
        try:
            probe.connect(("127.0.0.1", port))
        except TimeoutError:
            pass
        else:
            pytest.skip("this system answers connections past the listen queue")
        finally:
            probe.close()
        monkeypatch.setattr(safehttp, "CONNECT_TIMEOUT", 0.4)
        started = time.monotonic()
        with pytest.raises(FetchError, match="did not answer"):
            fetch(f"http://127.0.0.1:{port}/", timeout=10)
        assert time.monotonic() - started < 2
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def test_connection_refused_is_a_plain_error(settings) -> None:  # type: ignore[no-untyped-def]
    settings.KH_FETCH_ALLOW_LOOPBACK = True
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(FetchError) as caught:
        fetch(f"http://127.0.0.1:{port}/")
    assert caught.value.message == "We could not connect to the site 127.0.0.1"
    assert not isinstance(caught.value, FetchRefused)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (b"SSH-2.0-OpenSSH_9.6\r\n", "sent a response we could not understand"),
        (b"", "closed the connection without answering"),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\nabc", "stopped sending before"),
        (b"HTTP/1.0 200 OK\r\nContent-Encoding: gzip\r\n\r\nnot gzip", "damaged compressed"),
    ],
)
def test_broken_responses_are_plain_errors(settings, answer: bytes, words: str) -> None:  # type: ignore[no-untyped-def]
    settings.KH_FETCH_ALLOW_LOOPBACK = True
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def respond() -> None:
        connection, _ = listener.accept()
        connection.recv(65536)
        connection.sendall(answer)
        connection.close()

    thread = threading.Thread(target=respond, daemon=True)
    thread.start()
    try:
        with pytest.raises(FetchError, match=words) as caught:
            fetch(f"http://127.0.0.1:{port}/", timeout=3)
        assert "Traceback" not in caught.value.message
        assert caught.value.__cause__ is None
    finally:
        thread.join(2)
        listener.close()


# --- TLS ------------------------------------------------------------------------------------------


def _certificates(tmp_path) -> tuple[bytes, object]:  # type: ignore[no-untyped-def]
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "feeds.test")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("feeds.test")]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_file = tmp_path / "leaf.pem"
    key_file = tmp_path / "leaf.key"
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_file, key_file)
    return ca.public_bytes(serialization.Encoding.PEM), server_context


def test_https_checks_the_certificate_against_the_real_host_name(
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,
    resolver: Resolver,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.KH_FETCH_ALLOW_LOOPBACK = True
    ca_pem, server_context = _certificates(tmp_path)
    names: list[str | None] = []
    server_context.sni_callback = lambda sock, name, ctx: names.append(name)  # type: ignore[attr-defined]
    monkeypatch.setattr(
        safehttp, "_tls_context", lambda: ssl.create_default_context(cadata=ca_pem.decode())
    )
    httpd = LocalServer()
    httpd.socket = server_context.wrap_socket(httpd.socket, server_side=True)
    resolver.table["feeds.test"] = ["127.0.0.1"]
    resolver.table["wrong.test"] = ["127.0.0.1"]
    for running in _serve(httpd):
        response = fetch(f"https://feeds.test:{httpd.port}/echo")
        assert response.status == 200
        assert json.loads(response.content)["headers"]["Host"] == f"feeds.test:{httpd.port}"
        assert names[0] == "feeds.test"
        with pytest.raises(FetchError, match=r"certificate of wrong\.test could not be verified"):
            fetch(f"https://wrong.test:{httpd.port}/echo", timeout=3)
        assert running
