"""The aiohttp session HTTP probes share: guarded, cookie-less, one new connection per request."""

import time
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Self

from aiohttp import (
    ClientResponse,
    ClientSession,
    DummyCookieJar,
    TCPConnector,
    TraceConfig,
)
from aiohttp.connector import Connection

from upwatch import __version__
from upwatch.domain.targets import TargetPolicy
from upwatch.probes.guard import GuardedResolver

USER_AGENT = f"Upwatch/{__version__} (uptime monitor)"

TraceHook = Callable[[ClientSession, SimpleNamespace, object], Awaitable[None]]


class CertifiedResponse(ClientResponse):
    """A response that keeps the server's certificate (DER), if the connection used TLS.

    Read at the start: a small body arrives with the headers and releases the connection, after
    which ``response.connection`` is gone.
    """

    peer_certificate: bytes | None = None

    async def start(self, connection: Connection) -> Self:
        transport = connection.transport
        ssl_object = transport.get_extra_info("ssl_object") if transport else None
        if ssl_object is not None:
            self.peer_certificate = ssl_object.getpeercert(binary_form=True)
        await super().start(connection)
        return self


class RequestTimer:
    """Moments of one request, recorded by the session's trace hooks; the last request wins."""

    __slots__ = ("marks",)

    def __init__(self) -> None:
        self.marks: dict[str, float] = {}

    def breakdown(self) -> dict[str, float]:
        """Milliseconds spent resolving, connecting (TLS handshake included), waiting."""
        marks = self.marks
        timings: dict[str, float] = {}
        dns = _span(marks, "dns_start", "dns_end")
        if dns is not None:
            timings["dns_ms"] = dns
        connect = _span(marks, "connect_start", "connect_end")
        if connect is not None:
            timings["connect_ms"] = round(connect - (dns or 0.0), 3)
        ttfb = _span(marks, "headers_sent", "response")
        if ttfb is not None:
            timings["ttfb_ms"] = ttfb
        return timings


def open_http_session(policy: TargetPolicy) -> ClientSession:
    """A session for probes; call inside the running event loop that will use it."""
    connector = TCPConnector(
        resolver=GuardedResolver(policy),
        force_close=True,
        # The runner bounds probes in flight; a connector queue would count as target slowness.
        limit=0,
    )
    return ClientSession(
        connector=connector,
        cookie_jar=DummyCookieJar(),
        response_class=CertifiedResponse,
        trace_configs=[_timing_trace()],
        headers={"User-Agent": USER_AGENT},
        auto_decompress=False,
    )


def _timing_trace() -> TraceConfig:
    trace = TraceConfig()
    trace.on_request_start.append(_mark("start"))
    trace.on_dns_resolvehost_start.append(_mark("dns_start"))
    trace.on_dns_resolvehost_end.append(_mark("dns_end"))
    trace.on_connection_create_start.append(_mark("connect_start"))
    trace.on_connection_create_end.append(_mark("connect_end"))
    trace.on_request_headers_sent.append(_mark("headers_sent"))
    trace.on_request_end.append(_mark("response"))
    return trace


def _mark(name: str) -> TraceHook:
    async def record(_session: ClientSession, trace: SimpleNamespace, _params: object) -> None:
        timer = trace.trace_request_ctx
        if isinstance(timer, RequestTimer):
            if name == "start":
                timer.marks.clear()
            timer.marks[name] = time.perf_counter()

    return record


def _span(marks: dict[str, float], start: str, end: str) -> float | None:
    if start in marks and end in marks:
        return round((marks[end] - marks[start]) * 1000, 3)
    return None
