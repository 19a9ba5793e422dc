"""The probes' HTTP client against raw local servers: framings, interim replies, broken peers."""

import asyncio
import gzip
import socket
from typing import Any

import pytest
import uvloop

from tests.probes import http_monitor
from upwatch.domain.status import Outcome
from upwatch.domain.targets import TargetPolicy
from upwatch.probes.base import ProbeContext
from upwatch.probes.http import HttpProbe

PROBE = HttpProbe()
GZIPPED = gzip.compress(b"all systems nominal")


async def _serve_raw(reply: bytes, host: str = "127.0.0.1") -> tuple[asyncio.Server, str]:
    """A server that reads the request head, sends ``reply`` verbatim and hangs up."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(reply)
        await writer.drain()
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
