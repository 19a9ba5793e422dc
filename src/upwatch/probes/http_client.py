"""A lean HTTP/1.1 client for probes: one request on one new, checked connection, then close.

A monitor must open a new connection per check, so a general client's pooling, cookie and
tracing machinery is pure cost here; this one is an asyncio protocol around httptools' parser.
Every address is checked against the target policy before it is connected to.
"""

import asyncio
import ssl
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import httptools
from multidict import CIMultiDict
from yarl import URL

from upwatch import __version__
from upwatch.domain.targets import IPAddress, TargetPolicy
from upwatch.probes.guard import ensure_allowed, host_address, resolve_checked
from upwatch.probes.http_body import ZLIB_ENCODINGS
from upwatch.probes.http_timer import RequestTimer
from upwatch.probes.tcp import connect_error
from upwatch.probes.tls import describe_tls_error

USER_AGENT = f"Upwatch/{__version__} (uptime monitor)"
DEFAULT_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "close",
}
# A name's checked addresses serve its checks for this long (as aiohttp's DNS cache did).
DNS_CACHE_SECONDS = 10.0
_LOOKUPS_KEPT = 16_384
_lookups: dict[tuple[str, int], tuple[float, list[IPAddress]]] = {}
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_FORBIDDEN_IN_HEADERS = ("\r", "\n", "\0")
# Header bytes that are not UTF-8 survive as surrogates rather than failing the check.
_UNDECODABLE = "surrogateescape"


class HttpRequestError(Exception):
    """The target's failure to answer; the message is the check's error, for people."""


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    url: URL
    headers: Mapping[str, str]
    body: str | None
    tls: ssl.SSLContext | None
    """The context for https URLs; ignored for http."""


class HttpResponse:
    """A response whose headers have arrived; its body is read on demand, within a cap."""

    __slots__ = ("_exchange", "headers", "peer_certificate", "status", "url")

    def __init__(self, url: URL, exchange: "_Exchange", peer_certificate: bytes | None) -> None:
        self.url = url
        self.status = exchange.status
        self.headers = exchange.headers
        self.peer_certificate = peer_certificate
        self._exchange = exchange

    @property
    def charset(self) -> str | None:
        content_type = self.headers.get("Content-Type", "")
        for parameter in content_type.split(";")[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "charset":
                return value.strip().strip('"') or None
        return None

    async def read(self) -> tuple[bytes, bool]:
        """The body up to the cap the request was made with, and whether there was more.

        Raises ``HttpRequestError`` when the body cannot be read or decoded.
        """
        exchange = self._exchange
        await exchange.finished
        if exchange.error is not None:
            raise exchange.error
        return bytes(exchange.body[: exchange.body_limit]), exchange.truncated

    def close(self) -> None:
        self._exchange.close()


async def send(
    request: HttpRequest,
    *,
    policy: TargetPolicy,
    timer: RequestTimer,
    body_limit: int,
    decompress: bool,
) -> HttpResponse:
    """Connect, send ``request`` and wait for the response's headers; the caller closes it.

    Raises ``HttpRequestError`` for the target's failures and ``TargetRefusedError`` when the
    policy refuses an address the host resolves to.
    """
    url = request.url
    payload = _serialised(request)
    timer.start()
    exchange = _Exchange(
        asyncio.get_running_loop(),
        body_limit=body_limit,
        decompress=decompress,
        expects_body=request.method != "HEAD",
    )
    peer_certificate = await _connect(exchange, request, policy, timer)
    try:
        exchange.send(payload)
        timer.mark("headers_sent")
        await exchange.headers_received
        if exchange.error is not None:
            raise exchange.error
        timer.mark("response")
        return HttpResponse(url, exchange, peer_certificate)
    except BaseException:
        exchange.close()
        raise


async def _connect(
    exchange: "_Exchange", request: HttpRequest, policy: TargetPolicy, timer: RequestTimer
) -> bytes | None:
    """Open the connection to the first reachable allowed address; the peer's certificate."""
    url = request.url
    host = url.raw_host or ""
    port = url.port or 80
    tls = request.tls if url.scheme == "https" else None
    loop = asyncio.get_running_loop()
    timer.mark("connect_start")
    literal = host_address(host)
    try:
        if literal is not None:
            ensure_allowed(literal, policy)
            # The host spells the address already: no need to print it again.
            addresses = [host]
        else:
            addresses = await _resolved(host, port, policy, timer)
    except OSError as exc:
        raise HttpRequestError(connect_error(host, port, exc)) from exc
    last_error: OSError | None = None
    for address in addresses:
        try:
            transport, _ = await loop.create_connection(
                lambda: exchange,
                address,
                port,
                ssl=tls,
                server_hostname=host.rstrip(".") if tls else None,
            )
        except ssl.SSLError as exc:
            raise HttpRequestError(describe_tls_error(exc)) from exc
        except OSError as exc:
            last_error = exc
            continue
        timer.mark("connect_end")
        ssl_object = transport.get_extra_info("ssl_object") if tls else None
        return ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    error = last_error or OSError(f"{host} has no address")
    raise HttpRequestError(connect_error(host, port, error)) from error


async def _resolved(host: str, port: int, policy: TargetPolicy, timer: RequestTimer) -> list[str]:
    """The allowed addresses of ``host``, looked up at most every ``DNS_CACHE_SECONDS``.

    Remembered addresses are checked against the policy again at every use; the connection goes
    to a checked address, never to the name, so caching leaves nothing to rebind.
    """
    now = time.monotonic()
    remembered = _lookups.get((host, port))
    if remembered is not None and remembered[0] > now:
        for address in remembered[1]:
            ensure_allowed(address, policy)
        return [str(address) for address in remembered[1]]
    timer.mark("dns_start")
    addresses = await resolve_checked(host, port, policy)
    timer.mark("dns_end")
    if len(_lookups) >= _LOOKUPS_KEPT:
        _lookups.clear()
    _lookups[(host, port)] = (now + DNS_CACHE_SECONDS, addresses)
    return [str(address) for address in addresses]


def _serialised(request: HttpRequest) -> bytes:
    return _request_bytes(request.method, request.url, tuple(request.headers.items()), request.body)


@lru_cache(maxsize=16_384)
def _request_bytes(
    method: str, url: URL, chosen_headers: tuple[tuple[str, str], ...], text: str | None
) -> bytes:
    # A monitor sends the same request every interval: build its bytes once.
    headers = {"Host": url.host_port_subcomponent or "", **DEFAULT_HEADERS}
    chosen = {name.lower() for name, _ in chosen_headers}
    headers = {name: value for name, value in headers.items() if name.lower() not in chosen}
    headers.update(chosen_headers)
    body = text.encode() if text is not None else b""
    if text is not None or method in _BODY_METHODS:
        headers["Content-Length"] = str(len(body))
        if text is not None and "content-type" not in chosen:
            headers["Content-Type"] = "text/plain; charset=utf-8"
    lines = [f"{method} {url.raw_path_qs or '/'} HTTP/1.1"]
    for name, value in headers.items():
        if any(c in name or c in value for c in _FORBIDDEN_IN_HEADERS) or ":" in name:
            raise HttpRequestError(f"invalid request header {name!r}: control characters")
        lines.append(f"{name}: {value}")
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + body


class _Exchange(asyncio.Protocol):
    """One request's connection: parses the response, keeps its body up to the cap."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        body_limit: int,
        decompress: bool,
        expects_body: bool,
    ) -> None:
        self.headers_received: asyncio.Future[None] = loop.create_future()
        self.finished: asyncio.Future[None] = loop.create_future()
        self.status = 0
        self.headers: CIMultiDict[str] = CIMultiDict()
        self._raw_headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()
        self.body_limit = body_limit
        self.truncated = False
        self.error: HttpRequestError | None = None
        self._decompress = decompress
        self._expects_body = expects_body
        self._decoder: zlib._Decompress | None = None
        self._encoding = ""
        self._complete = False
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None

    # asyncio protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self.finished.done():
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            if self._complete:
                return
            reason = str(exc) or type(exc).__name__
            if self.headers_received.done():
                self._fail(f"the response body could not be read: {reason}")
            else:
                self._fail(f"invalid HTTP response: {reason}")

    def eof_received(self) -> bool | None:
        if self.headers_received.done() and not self.finished.done():
            if "Content-Length" in self.headers or "chunked" in self._transfer_encoding():
                self._fail("the response body could not be read: the body ended early")
            else:
                # Without a length, the body runs to the end of the connection.
                self._finish()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.headers_received.done():
            if exc is None:
                self._fail("the server closed the connection without a complete response")
            else:
                self._fail(f"connection lost: {getattr(exc, 'strerror', None) or exc}")
        elif not self.finished.done():
            self.eof_received()
            if not self.finished.done():
                self._fail(f"the response body could not be read: connection lost ({exc})")
        self._transport = None

    # httptools callbacks

    def on_header(self, name: bytes, value: bytes) -> None:
        self._raw_headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        raw, self._raw_headers = self._raw_headers, []
        if 100 <= status < 200:
            # An interim response (103 Early Hints): the final one follows.
            return
        self.headers = CIMultiDict(
            [
                (name.decode("utf-8", _UNDECODABLE), value.decode("utf-8", _UNDECODABLE))
                for name, value in raw
            ]
        )
        self.status = status
        self._encoding = self.headers.get("Content-Encoding", "identity").strip().lower()
        self.headers_received.set_result(None)
        if not self._expects_body:
            self._finish()

    def on_body(self, body: bytes) -> None:
        if self.finished.done():
            return
        if self._decompress and self._encoding in ZLIB_ENCODINGS:
            body = self._decoded(body)
        self.body += body
        if len(self.body) > self.body_limit:
            self.truncated = True
            self._finish()

    def on_message_complete(self) -> None:
        if self.status == 0:
            return
        self._complete = True
        if self._decoder is not None and not self.finished.done():
            self.body += self._decoder.flush()
            self.truncated = len(self.body) > self.body_limit
        self._finish()

    # the client's side

    def send(self, payload: bytes) -> None:
        if self._transport is None or self.finished.done():
            raise self.error or HttpRequestError("connection lost before the request was sent")
        self._transport.write(payload)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def _decoded(self, chunk: bytes) -> bytes:
        room = self.body_limit + 1 - len(self.body)
        try:
            if self._decoder is None:
                self._decoder = zlib.decompressobj(zlib.MAX_WBITS | 32)
                try:
                    return self._decoder.decompress(chunk, room)
                except zlib.error:
                    if self._encoding != "deflate":
                        raise
                    # Some servers send raw deflate without the zlib wrapper.
                    self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._decoder.decompress(chunk, room)
        except zlib.error:
            self._fail(f"the response body could not be read: invalid {self._encoding} data")
            return b""

    def _transfer_encoding(self) -> str:
        return self.headers.get("Transfer-Encoding", "").lower()

    def _finish(self) -> None:
        if not self.finished.done():
            self.finished.set_result(None)
        self.close()

    def _fail(self, message: str) -> None:
        if self.error is None and not self.finished.done():
            self.error = HttpRequestError(message)
        for future in (self.headers_received, self.finished):
            if not future.done():
                future.set_result(None)
        self.close()
