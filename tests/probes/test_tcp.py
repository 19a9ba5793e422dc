"""The TCP probe against a real asyncio server on 127.0.0.1."""

from ipaddress import IPv4Network
from typing import Any

import pytest

from tests.probes import tcp_monitor
from upwatch.domain.status import Outcome
from upwatch.domain.targets import TargetPolicy
from upwatch.probes.base import ProbeContext
from upwatch.probes.tcp import TcpProbe

PROBE = TcpProbe()


@pytest.mark.parametrize(
    ("fields", "outcome", "error"),
    [
        ({}, Outcome.UP, None),
        ({"expect": "220 upwatch"}, Outcome.UP, None),
        ({"send": "PING\r\n", "expect": "PONG"}, Outcome.UP, None),
        (
            {"send": "BYE\r\n", "expect": "PONG"},
            Outcome.DOWN,
            "reply does not contain 'PONG'; got '220 upwatch test ready\\r\\n221 bye\\r\\n'",
        ),
        (
            {"send": "HELLO\r\n", "expect": "PONG", "timeout": 0.3},
            Outcome.DOWN,
            "timed out after 0.3 s waiting for 'PONG'",
        ),
    ],
)
async def test_connect_send_and_expect(
    tcp_port: int,
    context: ProbeContext,
    fields: dict[str, Any],
    outcome: Outcome,
    error: str | None,
) -> None:
    result = await PROBE.check(tcp_monitor("127.0.0.1", tcp_port, **fields), context)

    assert (result.outcome, result.error) == (outcome, error)


async def test_a_success_reports_latency_and_connect_time(
    tcp_port: int, context: ProbeContext
) -> None:
    result = await PROBE.check(tcp_monitor("127.0.0.1", tcp_port, expect="ready"), context)

    assert result.outcome is Outcome.UP
    assert result.latency_ms is not None
    assert 0 < result.details["connect_ms"] <= result.latency_ms


async def test_a_timeout_keeps_what_the_server_said(tcp_port: int, context: ProbeContext) -> None:
    result = await PROBE.check(
        tcp_monitor("127.0.0.1", tcp_port, expect="PONG", timeout=0.2), context
    )

    assert result.details["reply_excerpt"] == "220 upwatch test ready\r\n"


async def test_a_refused_port_is_down(closed_port: int, context: ProbeContext) -> None:
    result = await PROBE.check(tcp_monitor("127.0.0.1", closed_port), context)

    assert result.outcome is Outcome.DOWN
    assert result.error == f"cannot connect to 127.0.0.1:{closed_port}: connection refused"


async def test_an_unknown_host_is_down(context: ProbeContext) -> None:
    result = await PROBE.check(tcp_monitor("no-such-host.invalid", 25), context)

    assert result.outcome is Outcome.DOWN
    assert result.error is not None
    assert result.error.startswith("could not resolve no-such-host.invalid: ")


@pytest.mark.parametrize(
    ("policy", "host", "error"),
    [
        (TargetPolicy(allow_private=False), "127.0.0.1", "target refused: 127.0.0.1 is a private"),
        (TargetPolicy(allow_private=False), "localhost", "target refused: 127.0.0.1 is a private"),
        (TargetPolicy(allowed_networks=(IPv4Network("127.0.0.0/8"),)), "127.0.0.1", None),
        (TargetPolicy(), "169.254.169.254", "target refused: 169.254.169.254 is a link-local"),
        (TargetPolicy(), "[fd00:ec2::254]", "target refused: fd00:ec2::254 is a link-local"),
    ],
)
async def test_the_target_policy_is_applied_before_connecting(
    tcp_port: int, policy: TargetPolicy, host: str, error: str | None
) -> None:
    async with ProbeContext(policy=policy) as context:
        result = await PROBE.check(tcp_monitor(host, tcp_port), context)

    assert (result.error or "").startswith(error or "")
    assert result.outcome is (Outcome.UP if error is None else Outcome.DOWN)
