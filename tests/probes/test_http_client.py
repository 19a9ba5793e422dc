"""The probes' HTTP client (libcurl) against raw local servers: framings, interim replies,
broken and slow peers, the requests it sends, and the addresses it may reach."""

import asyncio
import gzip
import socket
import zlib
from ipaddress import IPv4Network
from typing import Any

import pytest
import uvloop

from tests.probes import http_monitor
from upwatch.domain.status import Outcome
from upwatch.domain.targets import TargetPolicy
from upwatch.probes.base import ProbeContext
from upwatch.probes.http import HttpProbe
from upwatch.probes.http_body import EXCERPT_LIMIT

PROBE = HttpProbe()
GZIPPED = gzip.compress(b"all systems nominal")


async def _serve_raw(
    reply: bytes,
    host: str = "127.0.0.1",
    *,
    received: list[bytes] | None = None,
    then_stall: bool = False,
) -> tuple[asyncio.Server, str]:
    """A server that reads the request head (and a declared body), sends ``reply`` verbatim and
    hangs up, or keeps the connection open without another byte when ``then_stall``."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        for line in head.lower().split(b"\r\n"):
            if line.startswith(b"content-length:"):
                head += await reader.readexactly(int(line.partition(b":")[2]))
        if received is not None:
            received.append(head)
        writer.write(reply)
        await writer.drain()
        if then_stall:
            await asyncio.sleep(30)
        writer.close()

    server = await asyncio.start_server(answer, host, 0)
    port = server.sockets[0].getsockname()[1]
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return server, f"http://{authority}/"


async def _check_raw(reply: bytes, **fields: Any) -> Any:
    server, url = await _serve_raw(reply)
    async with server, ProbeContext() as context:
        return await PROBE.check(http_monitor(url, **fields), context)


@pytest.mark.parametrize(
    ("reply", "fields", "outcome", "error"),
    [
        (b"HTTP/1.1 200 OK\r\n\r\nall systems nominal", {"body_contains": ["nominal"]}, "up", None),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"4\r\nall \r\n0f\r\nsystems nominal\r\n0\r\n\r\n",
            {"body_contains": ["systems nominal"]},
            "up",
            None,
        ),
        (
            b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Final: yes\r\n\r\nok",
            {"header_assertions": [{"name": "x-final", "equals": "yes"}]},
            "up",
            None,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
            + str(len(GZIPPED)).encode()
            + b"\r\n\r\n"
            + GZIPPED,
            {"body_contains": ["nominal"]},
            "up",
            None,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!",
            {"body_contains": ["nominal"]},
            "down",
            "the response body could not be read: invalid gzip data",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
            {"body_contains": ["short"]},
            "down",
            "the response body could not be read: ",
        ),
        (b"", {}, "down", "the server closed the connection without a complete response"),
        (b"SMTP ready\r\n\r\n", {}, "down", "invalid HTTP response: "),
        # Head text that is not UTF-8 is judged, not crashed on.
        (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=\xe9\r\n\r\nok", {}, "up", None),
        (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=\xe9\r\n\r\nok",
            {"body_contains": ["ok"]},
            "up",
            None,
        ),
    ],
)
async def test_response_framings_and_broken_replies(
    reply: bytes, fields: dict[str, Any], outcome: str, error: str | None
) -> None:
    result = await _check_raw(reply, **fields)

    assert (result.outcome.value, result.error and result.error[: len(error or "")]) == (
        outcome,
        error,
    )


PAGE = "<h1>Service unavailable</h1> " * 200


def _failing(body: bytes, *fields: bytes) -> bytes:
    head = [b"HTTP/1.1 503 Service Unavailable", b"Content-Length: %d" % len(body), *fields]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


@pytest.mark.parametrize(
    ("reply", "excerpt"),
    [
        (_failing(PAGE.encode()), PAGE[:EXCERPT_LIMIT]),
        (_failing(gzip.compress(PAGE.encode()), b"Content-Encoding: GZIP"), PAGE[:EXCERPT_LIMIT]),
        (
            _failing(zlib.compress(PAGE.encode()), b"Content-Encoding: deflate"),
            PAGE[:EXCERPT_LIMIT],
        ),
        (
            _failing("café".encode("latin-1"), b"Content-Type: text/plain; charset=latin-1"),
            "café",
        ),
        (
            _failing(b"\x1f\x8b garbage", b"Content-Encoding: gzip"),
            "(compressed body could not be decoded)",
        ),
        (_failing(b"\x0b\x02\x80", b"Content-Encoding: x-unknown"), "(body not shown: not text)"),
    ],
)
async def test_a_failed_check_shows_the_start_of_the_body_decoded(
    reply: bytes, excerpt: str
) -> None:
    result = await _check_raw(reply)

    assert (result.outcome, result.details["body_excerpt"]) == (Outcome.DOWN, excerpt)


async def test_bytes_beyond_ascii_in_a_redirect_target_are_percent_encoded() -> None:
    requested: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        path = (await reader.readuntil(b"\r\n\r\n")).split(b" ")[1]
        requested.append(path)
        if path == b"/old":
            target = b"http://127.0.0.1:%d/caf\xe9" % port
            writer.write(b"HTTP/1.1 302 Found\r\nLocation: " + target + b"\r\n\r\n")
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, ProbeContext() as context:
        result = await PROBE.check(http_monitor(f"http://127.0.0.1:{port}/old"), context)

    assert (result.outcome, requested) == (Outcome.UP, [b"/old", b"/caf%E9"])


async def test_a_head_request_does_not_wait_for_the_announced_body(http_url: str) -> None:
    async with ProbeContext() as context:
        result = await PROBE.check(http_monitor(f"{http_url}/text", method="HEAD"), context)

    assert (result.outcome, result.status_code) == (Outcome.UP, 200)


async def test_a_header_with_a_line_break_is_refused_before_sending(http_url: str) -> None:
    spec = http_monitor(f"{http_url}/text", headers={"X-Evil": "a\r\nHost: elsewhere"})

    async with ProbeContext() as context:
        result = await PROBE.check(spec, context)

    assert (result.outcome, result.error) == (
        Outcome.DOWN,
        "invalid request header 'X-Evil': control characters",
    )


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe_socket:
            probe_socket.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback on this machine")
async def test_an_ipv6_literal_target_is_checked() -> None:
    server, url = await _serve_raw(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", host="::1")

    async with server, ProbeContext() as context:
        result = await PROBE.check(http_monitor(url), context)

    assert (result.outcome, result.details["final_url"]) == (Outcome.UP, url)


def test_the_probe_runs_on_uvloop_as_the_engine_does() -> None:
    async def check() -> Any:
        server, url = await _serve_raw(b"HTTP/1.1 204 No Content\r\n\r\n")
        async with server, ProbeContext() as context:
            return await PROBE.check(http_monitor(url), context)

    result = uvloop.run(check())

    assert (result.outcome, result.status_code) == (Outcome.UP, 204)


async def test_a_name_is_looked_up_once_then_remembered(http_url: str) -> None:
    url = http_url.replace("127.0.0.1", "localhost") + "/text"

    async with ProbeContext() as context:
        first = await PROBE.check(http_monitor(url), context)
        second = await PROBE.check(http_monitor(url), context)

    assert (first.outcome, second.outcome) == (Outcome.UP, Outcome.UP)
    assert "dns_ms" in first.details["timings"]
    assert "dns_ms" not in second.details["timings"]


async def test_remembered_addresses_are_checked_against_each_policy(http_url: str) -> None:
    url = http_url.replace("127.0.0.1", "localhost") + "/text"
    strict = TargetPolicy(allow_private=False)

    async with ProbeContext() as context:
        allowed = await PROBE.check(http_monitor(url), context)
    async with ProbeContext(policy=strict) as context:
        refused = await PROBE.check(http_monitor(url), context)

    assert allowed.outcome is Outcome.UP
    assert (refused.outcome, (refused.error or "")[:16]) == (Outcome.DOWN, "target refused: ")


async def _request_sent(**fields: Any) -> bytes:
    received: list[bytes] = []
    server, url = await _serve_raw(b"HTTP/1.1 204 No Content\r\n\r\n", received=received)
    async with server, ProbeContext() as context:
        result = await PROBE.check(http_monitor(url, **fields), context)
    assert result.outcome is Outcome.UP
    return received[0]


async def test_a_get_says_who_asks_and_that_the_connection_closes() -> None:
    request = await _request_sent()

    assert request.startswith(b"GET / HTTP/1.1\r\n")
    assert b"\r\nUser-Agent: Upwatch/" in request
    assert b"\r\nConnection: close\r\n" in request
    assert b"\r\nAccept-Encoding: gzip, deflate\r\n" in request


@pytest.mark.parametrize(
    ("fields", "present", "absent"),
    [
        (
            {"method": "POST"},
            [b"POST / HTTP/1.1", b"Content-Length: 0"],
            [b"Content-Type", b"Expect"],
        ),
        (
            {"method": "PUT", "body": "state=on"},
            [b"PUT / HTTP/1.1", b"Content-Type: text/plain; charset=utf-8", b"\r\n\r\nstate=on"],
            [b"Expect"],
        ),
        (
            {"method": "DELETE", "headers": {"X-Empty": "", "Accept": "text/plain"}},
            [b"DELETE / HTTP/1.1", b"\r\nX-Empty:", b"Accept: text/plain"],
            [b"Accept: */*", b"Content-Length"],
        ),
    ],
)
async def test_the_request_is_the_monitors_method_body_and_headers(
    fields: dict[str, Any], present: list[bytes], absent: list[bytes]
) -> None:
    request = await _request_sent(**fields)

    assert [part for part in present if part not in request] == []
    assert [part for part in absent if part in request] == []


async def test_proxies_from_the_environment_are_not_used(
    monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    for name in ("http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{closed_port}")

    request = await _request_sent()

    assert request.startswith(b"GET / HTTP/1.1\r\n")


async def test_a_body_not_needed_is_cut_at_the_excerpt() -> None:
    reply = b"HTTP/1.1 503 Busy\r\nContent-Length: 1000000\r\n\r\n" + b"y" * 1_000_000

    result = await _check_raw(reply)

    assert (result.outcome, result.status_code) == (Outcome.DOWN, 503)
    assert result.details["body_excerpt"] == "y" * 2048


@pytest.mark.parametrize(
    ("fields", "outcome", "error"),
    [
        ({}, Outcome.UP, None),
        ({"body_contains": ["nominal"]}, Outcome.DOWN, "timed out after 0.3 s"),
    ],
)
async def test_a_body_that_stalls_matters_only_when_it_is_needed(
    fields: dict[str, Any], outcome: Outcome, error: str | None
) -> None:
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nall systems"
    server, url = await _serve_raw(reply, then_stall=True)

    async with server, ProbeContext() as context:
        result = await PROBE.check(http_monitor(url, timeout=0.3, **fields), context)

    assert (result.outcome, result.error) == (outcome, error)


async def test_a_silent_server_times_out_with_the_phases_it_reached() -> None:
    server, url = await _serve_raw(b"", then_stall=True)

    async with server, ProbeContext() as context:
        result = await PROBE.check(http_monitor(url, timeout=0.3), context)

    assert (result.outcome, result.error) == (Outcome.DOWN, "timed out after 0.3 s")
    assert set(result.details["timings"]) == {"connect_ms"}


async def test_a_cancelled_check_leaves_the_driver_working(http_url: str) -> None:
    async with ProbeContext() as context:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.1):
                await PROBE.check(http_monitor(f"{http_url}/slow?ms=2000"), context)
        result = await PROBE.check(http_monitor(f"{http_url}/text"), context)

    assert result.outcome is Outcome.UP


async def test_checks_in_flight_together_each_get_their_own_answer(http_url: str) -> None:
    codes = [200, 201, 404, 500, 503] * 20

    async with ProbeContext() as context:
        results = await asyncio.gather(
            *(PROBE.check(http_monitor(f"{http_url}/status/{code}"), context) for code in codes)
        )

    assert [result.status_code for result in results] == codes


async def test_a_redirect_to_a_name_of_a_refused_address_is_refused() -> None:
    only_this_address = TargetPolicy(
        allow_private=False, allowed_networks=(IPv4Network("127.0.0.2/32"),)
    )
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    reply = f"HTTP/1.1 302 Found\r\nLocation: http://localhost:{port}/\r\n\r\n".encode()
    server, url = await _serve_raw(reply, host="127.0.0.2")

    async with server, ProbeContext(policy=only_this_address) as context:
        result = await PROBE.check(http_monitor(url), context)

    assert result.outcome is Outcome.DOWN
    assert (result.error or "").startswith("target refused: 127.0.0.1 ")
