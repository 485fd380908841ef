"""The one HTTP client for outbound fetches (feeds, autodiscovery): safe against SSRF.

Every fetch in the project goes through :func:`fetch`; user-entered addresses are checked before
they are saved with :func:`check_url`. The rules:

- Only ``http`` and ``https``. Addresses carrying a user name or password are refused (not
  stripped), so nothing a person typed is silently sent elsewhere or dropped.
- The host is resolved once (:func:`resolve`, which tests replace) and every address it resolves
  to must be a public internet address; the connection is then made to a checked address, so a
  second lookup can never point it somewhere else (no DNS rebinding). Numeric hosts in any
  spelling the C library accepts (``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``) are read
  as the addresses they denote and judged without any lookup.
- Refused: loopback (unless ``KH_FETCH_ALLOW_LOOPBACK``, for tests: 127.0.0.0/8 and ::1 only),
  private, shared (CGNAT), link-local, multicast, unspecified, reserved, broadcast,
  documentation and benchmarking ranges; in IPv6 also unique-local, site-local, NAT64,
  IPv4-compatible, Teredo and the rest of 2001::/23, anything outside 2000::/3; IPv4-mapped and
  6to4 addresses are judged by the IPv4 address inside them.
- Redirects (301, 302, 303, 307, 308) are followed at most :data:`MAX_REDIRECTS` times, and the
  scheme and address are checked again at every hop.
- ``KH_FETCH_TIMEOUT`` is a deadline for the whole fetch (connecting, TLS, every redirect and
  every read), so a server dripping a byte a second is cut off; each connection attempt also has
  its own shorter limit. ``KH_FETCH_MAX_BYTES`` caps the body, counted both as received and after
  gzip/deflate decoding, which is done a piece at a time so a compression bomb stops at the cap.
- Proxy settings in the environment are ignored: we always connect to the checked address.

Only GET is made (so a 303 needs no change of method). Errors are :class:`FetchError` (or its
:class:`FetchRefused` for policy) with a ``message`` in plain words for people.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import ipaddress
import re
import socket
import ssl
import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from django.conf import settings

__all__ = [
    "MAX_REDIRECTS",
    "FetchError",
    "FetchRefused",
    "Headers",
    "Response",
    "check_url",
    "fetch",
    "resolve",
]

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_STATUSES = frozenset({301, 308})
# Each connection attempt gets at most this long (within the overall deadline), so one dead
# address does not use up the time for the others.
CONNECT_TIMEOUT = 10.0
_CHUNK = 64 * 1024
# Headers the caller may not set: we decide the target, the framing and the encodings we decode.
_RESERVED_HEADERS = frozenset(
    {"host", "accept-encoding", "connection", "content-length", "transfer-encoding", "te"}
)
# Sent to the first host only: never passed on to a different site by a redirect.
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(Exception):
    """A fetch failed; ``message`` says why in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FetchRefused(FetchError):
    """We will not fetch this address (scheme, address range, too many redirects)."""


class Headers(Mapping[str, str]):
    """Response headers, looked up without regard to case (repeated headers joined by ", ")."""

    def __init__(self, items: list[tuple[str, str]] | None = None) -> None:
        self._store: dict[str, tuple[str, str]] = {}
        for name, value in items or []:
            key = name.lower()
            if key in self._store:
                value = f"{self._store[key][1]}, {value}"
            self._store[key] = (name, value)

    def __getitem__(self, name: str) -> str:
        return self._store[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._store

    def __repr__(self) -> str:
        return f"Headers({[pair for pair in self._store.values()]!r})"


@dataclass
class Response:
    url: str
    status: int
    headers: Headers
    content: bytes
    permanent_redirect: str | None = None
    redirects: list[tuple[int, str]] = field(default_factory=list)


# --- Address policy -----------------------------------------------------------------------------

_LOOPBACK = "The address points to this server itself, which we do not fetch"
_PRIVATE = "The address points inside a private network, which we do not fetch"
_LINK_LOCAL = "The address points to the local network link, which we do not fetch"
_MULTICAST = "The address is a multicast address, which we do not fetch"
_UNSPECIFIED = "The address is not a real destination (all zeros), which we do not fetch"
_RESERVED = "The address is in a reserved range, not the public internet, which we do not fetch"
_SIX_TO_FOUR_PRIVATE = (
    "The address is a 6to4 IPv6 address wrapping an IPv4 address that is not public, "
    "which we do not fetch"
)
_DOCUMENTATION = "The address is reserved for examples in documentation, so we do not fetch it"
_TRANSLATED = (
    "The address is a translated or tunnelled IPv6 address that can reach private networks, "
    "which we do not fetch"
)


def _nets(*specs: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(spec) for spec in specs]


# Checked in order; the first match decides the message.
_V4_RULES = [
    (_nets("0.0.0.0/8"), _UNSPECIFIED),
    (_nets("127.0.0.0/8"), _LOOPBACK),
    (_nets("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"), _PRIVATE),
    (_nets("169.254.0.0/16"), _LINK_LOCAL),
    (_nets("224.0.0.0/4"), _MULTICAST),
    (_nets("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"), _DOCUMENTATION),
    # IETF protocol assignments, the old 6to4 relay, benchmarking, reserved and broadcast.
    (_nets("192.0.0.0/24", "192.88.99.0/24", "198.18.0.0/15", "240.0.0.0/4"), _RESERVED),
]
_V6_RULES = [
    (_nets("::/128"), _UNSPECIFIED),
    (_nets("::1/128"), _LOOPBACK),
    # IPv4-compatible (deprecated): nothing legitimate lives there.
    (_nets("::/96"), _RESERVED),
    (_nets("64:ff9b::/96", "64:ff9b:1::/48"), _TRANSLATED),
    # Teredo (2001::/32) and the other IETF protocol assignments in 2001::/23.
    (_nets("2001::/23"), _TRANSLATED),
    (_nets("2001:db8::/32", "3fff::/20"), _DOCUMENTATION),
    (_nets("fc00::/7", "fec0::/10"), _PRIVATE),
    (_nets("fe80::/10"), _LINK_LOCAL),
    (_nets("ff00::/8"), _MULTICAST),
    (_nets("100::/64"), _RESERVED),
]
_V6_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")


def _policy_address(ip: IPAddress) -> IPAddress:
    """The address to judge and connect to: IPv4-mapped IPv6 becomes the IPv4 address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def refusal_reason(ip: IPAddress, *, allow_loopback: bool | None = None) -> str | None:
    """Why we will not connect to ``ip``, in plain words; ``None`` when it is allowed."""
    if allow_loopback is None:
        allow_loopback = bool(getattr(settings, "KH_FETCH_ALLOW_LOOPBACK", False))
    ip = _policy_address(ip)
    if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
        return _LINK_LOCAL
    rules = _V4_RULES if isinstance(ip, ipaddress.IPv4Address) else _V6_RULES
    for networks, reason in rules:
        if any(ip in net for net in networks):
            if reason is _LOOPBACK and allow_loopback:
                return None
            return reason
    if isinstance(ip, ipaddress.IPv6Address):
        if ip not in _V6_GLOBAL_UNICAST:
            return _RESERVED
        if ip.sixtofour is not None:
            inner = refusal_reason(ip.sixtofour, allow_loopback=False)
            if inner is not None:
                return _SIX_TO_FOUR_PRIVATE
    if ip.is_global or ip.is_multicast:  # multicast was refused above; is_global misses it
        return None
    return _RESERVED


# --- URLs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str  # ASCII host name, or an IP address without brackets
    port: int
    request_target: str  # path and query
    literal: IPAddress | None  # set when the host is a numeric address

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


_NUMBER_PART = re.compile(r"^(?:0[xX][0-9a-fA-F]*|[0-9]+)$")


def _parse_ipv4_number(part: str) -> int:
    if part[:2] in ("0x", "0X"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        if not part.isdigit() or any(digit in "89" for digit in part):
            raise ValueError(part)
        return int(part, 8)
    return int(part, 10)


def parse_ipv4_host(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a numeric host denotes in any of the spellings ``inet_aton`` accepts
    (``127.1``, ``0x7f.1``, ``0177.0.0.1``, ``2130706433``), ``None`` for a host name.

    Raises ValueError when the host ends in a number but is not a valid address (as browsers do,
    so ``1.2.3.999`` is never passed to a resolver)."""
    parts = host.split(".")
    if parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()  # a trailing dot
    if not parts or not _NUMBER_PART.match(parts[-1]):
        return None
    if len(parts) > 4 or not all(_NUMBER_PART.match(part) for part in parts):
        raise ValueError(host)
    numbers = [_parse_ipv4_number(part) for part in parts]
    last_limit = 256 ** (5 - len(numbers))
    if any(number > 255 for number in numbers[:-1]) or numbers[-1] >= last_limit:
        raise ValueError(host)
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


_BAD_ADDRESS = "That is not a valid web address"


def _parse_url(url: str) -> _Target:
    if not isinstance(url, str) or not url.strip():
        raise FetchRefused("No web address was given")
    url = url.strip()
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        raise FetchRefused(_BAD_ADDRESS)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchRefused(_BAD_ADDRESS) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchRefused("Only web addresses starting http:// or https:// can be fetched")
    if "@" in parts.netloc:
        raise FetchRefused(
            "Web addresses with a user name or password in them are not accepted; "
            "remove the part before the @"
        )
    raw_host = parts.hostname or ""
    if not raw_host:
        raise FetchRefused("The web address has no site name in it")
    literal: IPAddress | None = None
    if ":" in raw_host:
        try:
            literal = ipaddress.IPv6Address(raw_host)
        except ValueError as exc:
            raise FetchRefused(_BAD_ADDRESS) from exc
        host = raw_host
    else:
        try:
            host = raw_host.encode("idna").decode("ascii").lower()
        except UnicodeError as exc:
            raise FetchRefused(_BAD_ADDRESS) from exc
        try:
            literal = parse_ipv4_host(host)
        except ValueError as exc:
            raise FetchRefused(_BAD_ADDRESS) from exc
        if literal is not None:
            host = str(literal)
        elif not re.fullmatch(r"[a-z0-9_.-]+", host) or ".." in host:
            raise FetchRefused(_BAD_ADDRESS)
    if port is None:
        port = 443 if scheme == "https" else 80
    if not 0 < port < 65536:
        raise FetchRefused(_BAD_ADDRESS)
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    request_target = f"{path}?{query}" if query else path
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{port}"
    clean = urlunsplit((scheme, netloc, path, query, ""))
    return _Target(clean, scheme, host, port, request_target, literal)


# --- Resolving and checking ---------------------------------------------------------------------


def resolve(host: str, port: int) -> list[str]:
    """The IP addresses ``host`` resolves to, in the resolver's order. Tests replace this."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"We could not find the site {host} (the name does not resolve)") from exc
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _checked_addresses(target: _Target) -> list[IPAddress]:
    """Every address of the target, all checked; connect only to these."""
    if target.literal is not None:
        candidates: list[IPAddress] = [target.literal]
    else:
        resolved = resolve(target.host, target.port)
        if not resolved:
            raise FetchError(f"We could not find the site {target.host}")
        candidates = []
        for text in resolved:
            try:
                candidates.append(ipaddress.ip_address(text))
            except ValueError as exc:
                raise FetchError(f"We could not find the site {target.host}") from exc
    checked: list[IPAddress] = []
    for ip in candidates:
        reason = refusal_reason(ip)
        if reason is not None:
            raise FetchRefused(reason)
        ip = _policy_address(ip)
        if ip not in checked:
            checked.append(ip)
    return checked


def check_url(url: str) -> None:
    """Refuse (FetchRefused) an address we would not fetch; fetches nothing. For checking
    addresses people type before saving them. A name that does not resolve is refused too."""
    target = _parse_url(url)
    try:
        _checked_addresses(target)
    except FetchRefused:
        raise
    except FetchError as exc:
        raise FetchRefused(exc.message) from exc


# --- Connections --------------------------------------------------------------------------------


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left


class _DeadlineReader(io.RawIOBase):
    """Reads from the socket, never past the deadline (each read waits only for the time left)."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(self._deadline.remaining())
        return self._sock.recv_into(buffer)


class _DeadlineSocket:
    """The face http.client sees: sends and reads are bound by the deadline."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._deadline.remaining())
        self._sock.sendall(data)

    def makefile(self, mode: str, *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def close(self) -> None:
        # http.client closes the connection as soon as the headers say it will close, while the
        # body is still to be read; the real socket is closed by _one_request when done.
        pass


def _tls_context() -> ssl.SSLContext:
    """Certificates checked against the system store and the real host name. Tests replace it."""
    return ssl.create_default_context()


def _connect(ip: IPAddress, port: int, deadline: _Deadline) -> socket.socket:
    family = socket.AF_INET if isinstance(ip, ipaddress.IPv4Address) else socket.AF_INET6
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(min(CONNECT_TIMEOUT, deadline.remaining()))
        sock.connect((str(ip), port))
    except BaseException:
        sock.close()
        raise
    return sock


def _open(target: _Target, addresses: list[IPAddress], deadline: _Deadline) -> socket.socket:
    last_error: OSError | None = None
    for ip in addresses:
        try:
            sock = _connect(ip, target.port, deadline)
            break
        except TimeoutError as exc:
            last_error = exc
            deadline.remaining()  # out of time altogether: stop trying
        except OSError as exc:
            last_error = exc
    else:
        if isinstance(last_error, TimeoutError):
            raise FetchError(f"The site {target.host} did not answer (the connection timed out)")
        raise FetchError(f"We could not connect to the site {target.host}")
    if target.scheme == "https":
        try:
            sock.settimeout(deadline.remaining())
            # Certificate and SNI use the real host name, not the address we connected to.
            sock = _tls_context().wrap_socket(sock, server_hostname=target.host)
        except BaseException:
            sock.close()
            raise
    return sock


# --- Bodies -------------------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


class _Decoder:
    """Decodes gzip or deflate a piece at a time, never producing more than ``_CHUNK`` bytes per
    step, so the caller can stop as soon as the total passes the cap."""

    def __init__(self, encoding: str) -> None:
        self.gzip = encoding == "gzip"
        self._obj: Any = zlib.decompressobj(16 + zlib.MAX_WBITS) if self.gzip else None
        self._pending = b""

    def _choose_deflate(self, head: bytes) -> None:
        # "deflate" should be zlib-wrapped (RFC 9110), but some servers send raw deflate.
        wrapped = len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] * 256 + head[1]) % 31 == 0
        self._obj = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._obj is None:
            self._pending += data
            if len(self._pending) < 2:
                return
            data, self._pending = self._pending, b""
            self._choose_deflate(data)
        while True:
            if self._obj.eof:
                rest = self._obj.unused_data
                if not (self.gzip and rest.startswith(b"\x1f\x8b")):
                    return  # anything after the end of the stream is ignored
                self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)  # another gzip member
                data = rest
            out = self._obj.decompress(data, _CHUNK)
            if out:
                yield out
            data = self._obj.unconsumed_tail
            if not self._obj.eof and not data and len(out) < _CHUNK:
                return

    def finish(self) -> Iterator[bytes]:
        if self._obj is None:
            if not self._pending:
                return
            data, self._pending = self._pending, b""
            self._choose_deflate(data)
            yield from self.feed(data)
        tail = self._obj.flush()
        if tail:
            yield tail


def _read_body(response: http.client.HTTPResponse, max_bytes: int) -> bytes:
    length = response.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > max_bytes:
        raise _TooLarge
    encoding = (response.getheader("Content-Encoding") or "").strip().lower()
    if encoding == "x-gzip":
        encoding = "gzip"
    if encoding not in ("", "identity", "gzip", "deflate"):
        raise FetchError("The site sent the response compressed in a way we cannot read")
    decoder = _Decoder(encoding) if encoding in ("gzip", "deflate") else None
    body = bytearray()
    raw_total = 0

    def add(piece: bytes) -> None:
        body.extend(piece)
        if len(body) > max_bytes:
            raise _TooLarge

    while True:
        chunk = response.read1(_CHUNK)
        if not chunk:
            if response.length:  # read1 does not notice a body cut short of its Content-Length
                raise http.client.IncompleteRead(bytes(body), response.length)
            break
        raw_total += len(chunk)
        if raw_total > max_bytes:
            raise _TooLarge
        if decoder is None:
            add(chunk)
        else:
            for piece in decoder.feed(chunk):
                add(piece)
    if decoder is not None:
        for piece in decoder.finish():
            add(piece)
    return bytes(body)


# --- Fetching -----------------------------------------------------------------------------------


def _size_words(size: int) -> str:
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} bytes"


def _request_headers(target: _Target, caller: Mapping[str, str]) -> dict[str, str]:
    headers = {
        "Host": target.host_header,
        "User-Agent": str(settings.KH_FETCH_USER_AGENT),
        "Accept": "*/*",
        "Accept-Encoding": "gzip, deflate",
        "Connection": "close",
    }
    for name, value in caller.items():
        if name.lower() in _RESERVED_HEADERS:
            continue
        for existing in [key for key in headers if key.lower() == name.lower()]:
            del headers[existing]
        headers[name] = value
    return headers


def _one_request(
    target: _Target,
    headers: Mapping[str, str],
    deadline: _Deadline,
    max_bytes: int,
    method: str = "GET",
    body: bytes | None = None,
) -> tuple[int, Headers, bytes]:
    """One request on a fresh connection to a checked address. A redirect's body is not read."""
    addresses = _checked_addresses(target)
    sock = _open(target, addresses, deadline)
    connection = http.client.HTTPConnection(target.host, target.port)
    connection.sock = _DeadlineSocket(sock, deadline)
    try:
        try:
            connection.request(
                method, target.request_target, body=body, headers=_request_headers(target, headers)
            )
        except (ValueError, http.client.InvalidURL) as exc:
            raise FetchError(
                "A request header or the address contains characters not allowed"
            ) from exc
        response = connection.getresponse()
        status = response.status
        response_headers = Headers(list(response.getheaders()))
        is_redirect = status in REDIRECT_STATUSES and "Location" in response_headers
        content = b"" if is_redirect else _read_body(response, max_bytes)
        return status, response_headers, content
    finally:
        connection.close()
        sock.close()


@contextlib.contextmanager
def _fetch_errors(target: _Target, limit: int, seconds: float) -> Iterator[None]:
    """Turn every low-level failure of a request into a FetchError in plain English."""
    try:
        yield
    except FetchError:
        raise
    except _TooLarge:
        raise FetchError(
            f"The response is larger than the limit of {_size_words(limit)}, so we stopped"
        ) from None
    except TimeoutError:
        raise FetchError(
            f"The site took too long to respond (more than {seconds:g} seconds), so we stopped"
        ) from None
    except ssl.SSLCertVerificationError:
        raise FetchError(
            f"The security certificate of {target.host} could not be verified"
        ) from None
    except ssl.SSLError:
        raise FetchError(f"A secure connection to {target.host} could not be made") from None
    except http.client.RemoteDisconnected:
        raise FetchError(
            f"The site {target.host} closed the connection without answering"
        ) from None
    except http.client.IncompleteRead:
        raise FetchError(
            f"The site {target.host} stopped sending before the response was complete"
        ) from None
    except (http.client.HTTPException, ValueError):
        raise FetchError(
            f"The site {target.host} sent a response we could not understand"
        ) from None
    except zlib.error:
        raise FetchError(f"The site {target.host} sent a damaged compressed response") from None
    except OSError:
        raise FetchError(f"The connection to {target.host} failed") from None


def send(
    method: str,
    url: str,
    *,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
    timeout: float | None = None,
) -> Response:
    """Send one ``method`` request (POST, PUT, DELETE …) with ``body`` to ``url`` under the same
    policy as ``fetch``: only public addresses, the checked address is the one connected to, one
    deadline, a capped response. Redirects are returned, never followed (a webhook or an inbox
    that redirects is answered as it is). Raises FetchRefused / FetchError like ``fetch``."""
    if method.upper() not in {"POST", "PUT", "PATCH", "DELETE"}:
        raise ValueError(f"send() is for requests with a body, not {method}; use fetch()")
    limit = int(settings.KH_FETCH_MAX_BYTES if max_bytes is None else max_bytes)
    seconds = float(settings.KH_FETCH_TIMEOUT if timeout is None else timeout)
    deadline = _Deadline(seconds)
    target = _parse_url(url)
    caller_headers = dict(headers or {})
    with _fetch_errors(target, limit, seconds):
        status, response_headers, content = _one_request(
            target, caller_headers, deadline, limit, method=method.upper(), body=body
        )
        return Response(
            url=target.url,
            status=status,
            headers=response_headers,
            content=content,
            permanent_redirect=None,
            redirects=[],
        )
    raise AssertionError("unreachable")  # pragma: no cover (the context manager re-raises)


def fetch(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
    timeout: float | None = None,
) -> Response:
    """GET ``url`` safely (see the module docstring). Statuses other than 2xx, 304 included, are
    returned, not raised. Raises FetchRefused for policy, FetchError for everything else."""
    limit = int(settings.KH_FETCH_MAX_BYTES if max_bytes is None else max_bytes)
    seconds = float(settings.KH_FETCH_TIMEOUT if timeout is None else timeout)
    deadline = _Deadline(seconds)
    caller_headers = dict(headers or {})
    target = _parse_url(url)
    first_origin = target.origin
    redirects: list[tuple[int, str]] = []
    with _fetch_errors(target, limit, seconds):
        while True:
            hop_headers = caller_headers
            if target.origin != first_origin:
                hop_headers = {
                    name: value
                    for name, value in caller_headers.items()
                    if name.lower() not in _CREDENTIAL_HEADERS
                }
            status, response_headers, content = _one_request(target, hop_headers, deadline, limit)
            location = response_headers.get("Location", "").strip()
            if status in REDIRECT_STATUSES and location:
                if len(redirects) >= MAX_REDIRECTS:
                    raise FetchRefused(
                        f"The site redirected more than {MAX_REDIRECTS} times, so we stopped"
                    )
                next_url = urljoin(target.url, location)
                redirects.append((status, next_url))
                target = _parse_url(next_url)
                continue
            permanent = None
            if redirects and all(code in PERMANENT_STATUSES for code, _ in redirects):
                permanent = target.url
            return Response(
                url=target.url,
                status=status,
                headers=response_headers,
                content=content,
                permanent_redirect=permanent,
                redirects=redirects,
            )
    raise AssertionError("unreachable")  # pragma: no cover
