"""HTTP/1.1 requests for probes through libcurl: one new, checked connection per request.

libcurl connects, parses, decodes and times the exchange in C, on the driver's thread
(``curl_driver``); this module decides where it may connect. Every address is checked against the
target policy here and libcurl is pinned to the checked address: it never resolves a name
itself, follows no redirect, uses no proxy and speaks nothing but HTTP(S).
"""

import asyncio
import errno
import os
import re
import ssl
import time
from functools import lru_cache
from typing import NamedTuple

import pycurl
from yarl import URL

from upwatch import __version__
from upwatch.domain.targets import IPAddress, TargetPolicy
from upwatch.probes.base import MONITORS_KEPT, ProbeContext, TrustStore
from upwatch.probes.guard import ensure_allowed, host_address, resolve_checked
from upwatch.probes.http_response import (
    UNDECODABLE,
    HttpRequestError,
    HttpResponse,
    ResponseHeaders,
)
from upwatch.probes.http_timer import RequestTimer
from upwatch.probes.tcp import connect_error

USER_AGENT = f"Upwatch/{__version__} (uptime monitor)"
DEFAULT_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "close",
}
# A name's checked addresses serve its checks for this long (as aiohttp's DNS cache did).
DNS_CACHE_SECONDS = 10.0
_lookups: dict[tuple[str, int], tuple[float, list[IPAddress]]] = {}
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_FORBIDDEN_IN_HEADERS = ("\r", "\n", "\0")
_WEB_PROTOCOLS = pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS
_WEIRD_SERVER_REPLY = 8
# Failures of the body after the final response's head arrived: the head still counts.
_BODY_FAILURES = frozenset(
    {
        pycurl.E_PARTIAL_FILE,
        pycurl.E_RECV_ERROR,
        pycurl.E_BAD_CONTENT_ENCODING,
        pycurl.E_WRITE_ERROR,
        pycurl.E_OPERATION_TIMEDOUT,
    }
)
_TLS_FAILURES = frozenset(
    {
        pycurl.E_SSL_CONNECT_ERROR,
        pycurl.E_SSL_CERTPROBLEM,
        pycurl.E_SSL_CIPHER,
        pycurl.E_SSL_ISSUER_ERROR,
    }
)
_BEYOND_ASCII = re.compile(rb"[\x80-\xff]")
# libcurl wraps OpenSSL's reason: "SSL certificate OpenSSL verify result: <reason> (20)".
_CERTIFICATE_PROBLEM = re.compile(
    r"SSL certificate (?:problem|OpenSSL verify result): (.*?)(?: \(\d+\))?"
)


class HttpRequest(NamedTuple):
    method: str
    url: URL
    headers: tuple[tuple[str, str], ...]
    body: str | None
    verify_tls: bool
    """For https URLs: check the chain against the context's trust store, and the host name."""


class _Body:
    """Collects a body on the driver's thread, aborting the transfer past the cap."""

    __slots__ = ("chunks", "limit", "size", "truncated")

    def __init__(self, limit: int) -> None:
        self.chunks: list[bytes] = []
        self.limit = limit
        self.size = 0
        self.truncated = False

    def write(self, chunk: bytes) -> int | None:
        self.chunks.append(chunk)
        self.size += len(chunk)
        if self.size > self.limit:
            self.truncated = True
            return 0  # fewer bytes taken than given: libcurl stops the transfer
        return None

    def content(self) -> bytes:
        if len(self.chunks) == 1 and not self.truncated:
            return self.chunks[0]
        return b"".join(self.chunks)[: self.limit]


async def send(
    request: HttpRequest,
    *,
    context: ProbeContext,
    timer: RequestTimer,
    body_limit: int,
    read_headers: bool,
    decompress: bool,
    deadline: float,
) -> HttpResponse:
    """Connect to the first reachable allowed address of the URL's host and make the request.

    The response's header fields are collected only with ``read_headers``: libcurl hands them
    over a line at a time, each a call into Python from its thread, which together cost as much
    as a sixth of a check. Its status, redirect target and content type come without them.
    libcurl decodes the body only with ``decompress``: inflating would cost every check of a
    compressing server CPU (~8 µs for the first 16 KB of a gzipped page, measured) for a body
    nobody reads unless the check fails.

    ``deadline`` (``time.monotonic()``) bounds the whole request. Raises ``HttpRequestError``
    for the target's failures, ``TimeoutError`` past the deadline and ``TargetRefusedError``
    when the policy refuses an address the host resolves to.
    """
    url = request.url
    host = url.raw_host or ""
    port = url.port or 80
    timer.start()
    addresses = await _addresses(host, port, context.policy, timer, deadline)
    driver = context.http_driver()
    trust = context.trust_store() if request.verify_tls else None
    options = _request_options(request, decompress, trust)
    last_error: OSError | None = None
    for address in addresses:
        remaining_ms = int((deadline - time.monotonic()) * 1000)
        if remaining_ms <= 0:
            raise TimeoutError
        handle = driver.handle(options)
        body = _Body(body_limit)
        head = bytearray()
        handle.setopt(pycurl.CONNECT_TO, [_connect_to(address, port)])
        handle.setopt(pycurl.TIMEOUT_MS, remaining_ms)
        if read_headers:
            handle.setopt(pycurl.HEADERFUNCTION, head.extend)
        handle.setopt(pycurl.WRITEFUNCTION, body.write)
        code, message = await driver.perform(handle)
        try:
            if code == pycurl.E_COULDNT_CONNECT:
                last_error = OSError(handle.getinfo(pycurl.OS_ERRNO) or None, message)
                continue
            headers = ResponseHeaders(bytes(head)) if read_headers else None
            return _response(handle, url, code, message, headers, body, timer)
        finally:
            # The handle keeps its body callback until its next use: it must not keep the body.
            body.chunks.clear()
            if read_headers:
                handle.unsetopt(pycurl.HEADERFUNCTION)
            driver.release(handle, options)
    error = last_error or OSError(errno.EADDRNOTAVAIL, f"{host} has no address")
    raise HttpRequestError(connect_error(host, port, error)) from error


async def _addresses(
    host: str, port: int, policy: TargetPolicy, timer: RequestTimer, deadline: float
) -> list[str]:
    """The allowed addresses of ``host``, looked up at most every ``DNS_CACHE_SECONDS``.

    Remembered addresses are checked against the policy again at every use; libcurl connects to
    a checked address, never to the name, so caching leaves nothing to rebind.
    """
    literal = host_address(host)
    if literal is not None:
        ensure_allowed(literal, policy)
        return [host]
    now = time.monotonic()
    remembered = _lookups.get((host, port))
    if remembered is not None and remembered[0] > now:
        for address in remembered[1]:
            ensure_allowed(address, policy)
        return [str(address) for address in remembered[1]]
    try:
        async with asyncio.timeout_at(_loop_time(deadline)):
            addresses = await resolve_checked(host, port, policy)
    except OSError as exc:
        raise HttpRequestError(connect_error(host, port, exc)) from exc
    timer.resolved(time.monotonic() - now)
    if len(_lookups) >= MONITORS_KEPT:
        _lookups.clear()
    _lookups[(host, port)] = (now + DNS_CACHE_SECONDS, addresses)
    return [str(address) for address in addresses]


def _loop_time(deadline: float) -> float:
    return asyncio.get_running_loop().time() + deadline - time.monotonic()


def _connect_to(address: str, port: int) -> str:
    # Empty host and port fields match whatever the URL says: every connection of the
    # transfer goes to the checked address.
    literal = f"[{address}]" if ":" in address else address
    return f"::{literal}:{port}"


def _response(
    handle: pycurl.Curl,
    url: URL,
    code: int,
    message: str,
    headers: ResponseHeaders | None,
    body: _Body,
    timer: RequestTimer,
) -> HttpResponse:
    status: int = handle.getinfo(pycurl.RESPONSE_CODE)
    tls = url.scheme == "https"
    connected = (tls and handle.getinfo(pycurl.APPCONNECT_TIME_T)) or handle.getinfo(
        pycurl.CONNECT_TIME_T
    )
    started_transfer = handle.getinfo(pycurl.STARTTRANSFER_TIME_T)
    ttfb = started_transfer - handle.getinfo(pycurl.PRETRANSFER_TIME_T)
    timer.transferred(
        connect=connected / 1e6 if connected else None,
        ttfb=ttfb / 1e6 if started_transfer else None,
    )
    final = status >= 200
    if code and not (final and code in _BODY_FAILURES):
        raise _failure(handle, url, code, message, final=final)
    body_error: Exception | None = None
    if code == pycurl.E_OPERATION_TIMEDOUT:
        body_error = TimeoutError()
    elif code == pycurl.E_BAD_CONTENT_ENCODING and headers is not None:
        encoding = headers.get("Content-Encoding", "").strip().lower()
        body_error = HttpRequestError(
            f"the response body could not be read: invalid {encoding} data"
        )
    elif code and not body.truncated:
        body_error = HttpRequestError(f"the response body could not be read: {message}")
    dns = timer.dns or 0.0
    return HttpResponse(
        url=url,
        status=status,
        headers=headers,
        location=_redirect_target(handle),
        content_type=_info_text(handle, pycurl.CONTENT_TYPE),
        body=body.content(),
        truncated=body.truncated,
        body_error=body_error,
        peer_certificate=_peer_certificate(handle) if tls else None,
        waited=dns + started_transfer / 1e6,
        duration=dns + handle.getinfo(pycurl.TOTAL_TIME_T) / 1e6,
    )


def _redirect_target(handle: pycurl.Curl) -> str | None:
    """Where a redirect leads, as libcurl resolved it against the URL.

    libcurl percent-encodes the bytes beyond ASCII of a relative target but passes an absolute
    one on as sent: they are encoded here the same way (as browsers do), since the URL parser
    would drop them undecoded and the probe would follow another URL than the server named.
    """
    raw: bytes | None = handle.getinfo_raw(pycurl.REDIRECT_URL)
    if raw is None:
        return None
    return _BEYOND_ASCII.sub(_percent_encoded, raw).decode("ascii")


def _percent_encoded(byte: re.Match[bytes]) -> bytes:
    return b"%%%02X" % byte[0][0]


def _info_text(handle: pycurl.Curl, info: int) -> str | None:
    """Text libcurl took from the response's head: bytes that are not UTF-8 survive as
    surrogates, as in the header fields (``getinfo`` would raise on them)."""
    raw: bytes | None = handle.getinfo_raw(info)
    return None if raw is None else raw.decode("utf-8", UNDECODABLE)


def _failure(handle: pycurl.Curl, url: URL, code: int, message: str, *, final: bool) -> Exception:
    """The exception for a request that got no usable response, its message for people."""
    if code == pycurl.E_OPERATION_TIMEDOUT:
        return TimeoutError()
    if code == pycurl.E_PEER_FAILED_VERIFICATION:
        reason = _CERTIFICATE_PROBLEM.fullmatch(message)
        return HttpRequestError(f"certificate verify failed: {reason[1] if reason else message}")
    if code in _TLS_FAILURES:
        return HttpRequestError(f"TLS handshake failed: {message}")
    if code == pycurl.E_GOT_NOTHING:
        return HttpRequestError("the server closed the connection without a complete response")
    if code in (pycurl.E_UNSUPPORTED_PROTOCOL, _WEIRD_SERVER_REPLY):
        return HttpRequestError(f"invalid HTTP response: {message}")
    if code in (pycurl.E_SEND_ERROR, pycurl.E_RECV_ERROR):
        os_error = handle.getinfo(pycurl.OS_ERRNO)
        return HttpRequestError(
            f"connection lost: {os.strerror(os_error) if os_error else message}"
        )
    if final:
        return HttpRequestError(f"the response body could not be read: {message}")
    return HttpRequestError(message or f"libcurl error {code}")


def _peer_certificate(handle: pycurl.Curl) -> bytes | None:
    """The server's own certificate (DER), the first of the chain libcurl reports."""
    chain = handle.getinfo(pycurl.INFO_CERTINFO)
    for name, value in chain[0] if chain else ():
        if name == "Cert":
            return ssl.PEM_cert_to_DER_cert(value)
    return None


@lru_cache(maxsize=MONITORS_KEPT)
def _request_options(
    request: HttpRequest, decompress: bool, trust: TrustStore | None
) -> tuple[tuple[int, object], ...]:
    # A monitor sends the same request every interval: work its options out once.
    method, url, chosen_headers, text, _ = request
    options: list[tuple[int, object]] = [
        (pycurl.URL, str(url)),
        (pycurl.PROTOCOLS, _WEB_PROTOCOLS),
        (pycurl.PROXY, ""),
        (pycurl.NOSIGNAL, 1),
        # A new connection per check, closed after it; not even looking for one to reuse
        # (libcurl would compare every connection in flight to this request's).
        (pycurl.FRESH_CONNECT, 1),
        (pycurl.FORBID_REUSE, 1),
        (pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1),
    ]
    chosen = {name.lower() for name, _ in chosen_headers}
    headers = {
        name: value
        for name, value in DEFAULT_HEADERS.items()
        if name.lower() not in chosen and not (decompress and name == "Accept-Encoding")
    }
    if decompress:
        # libcurl asks for these encodings itself, and decodes them.
        options.append((pycurl.ACCEPT_ENCODING, DEFAULT_HEADERS["Accept-Encoding"]))
    # "Name:" tells libcurl not to send a header it would add by itself.
    withheld: list[bytes] = []
    if method == "HEAD":
        options.append((pycurl.NOBODY, 1))
    elif text is not None or method in _BODY_METHODS:
        options.append((pycurl.POSTFIELDS, text.encode() if text is not None else b""))
        # libcurl would declare a form and, for a large body, wait for 100 Continue first.
        withheld.append(b"Expect:")
        if "content-type" not in chosen:
            if text is not None:
                headers["Content-Type"] = "text/plain; charset=utf-8"
            else:
                withheld.append(b"Content-Type:")
    if method not in ("GET", "HEAD", "POST") or (method == "GET" and text is not None):
        options.append((pycurl.CUSTOMREQUEST, method))
    headers.update(chosen_headers)
    lines = [_header_line(name, value) for name, value in headers.items()]
    options.append((pycurl.HTTPHEADER, lines + withheld))
    if url.scheme == "https":
        options += _tls_options(trust)
    return tuple(options)


def _header_line(name: str, value: str) -> bytes:
    if any(c in name or c in value for c in _FORBIDDEN_IN_HEADERS) or ":" in name:
        raise HttpRequestError(f"invalid request header {name!r}: control characters")
    # libcurl drops a header given as "Name:" and sends an empty one given as "Name;".
    return f"{name}: {value}".encode() if value else f"{name};".encode()


def _tls_options(trust: TrustStore | None) -> list[tuple[int, object]]:
    # Sessions are not resumed: a resumed session would not show the certificate again.
    options: list[tuple[int, object]] = [
        (pycurl.SSL_SESSIONID_CACHE, 0),
        (pycurl.OPT_CERTINFO, 1),
    ]
    if trust is None:
        return [*options, (pycurl.SSL_VERIFYPEER, 0), (pycurl.SSL_VERIFYHOST, 0)]
    if trust.cafile is not None:
        options.append((pycurl.CAINFO, trust.cafile))
    if trust.capath is not None:
        options.append((pycurl.CAPATH, trust.capath))
    return options
