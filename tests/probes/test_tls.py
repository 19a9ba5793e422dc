"""The TLS probe against a real TLS server with a certificate from a test CA."""

from datetime import timedelta
from typing import Any

import pytest

from tests.probes import tls_monitor
from tests.probes.conftest import HttpsTarget
from upwatch.domain.status import Outcome
from upwatch.domain.targets import TargetPolicy
from upwatch.probes.base import ProbeContext
from upwatch.probes.tls import TlsProbe

PROBE = TlsProbe()


@pytest.mark.parametrize(
    ("trusted", "host", "fields", "outcome", "error"),
    [
        (True, "127.0.0.1", {}, Outcome.UP, None),
        (True, "localhost", {}, Outcome.UP, None),
        (False, "127.0.0.1", {"verify": False}, Outcome.UP, None),
        (False, "127.0.0.1", {"verify": False, "sni": "wrong.example"}, Outcome.UP, None),
        (
            False,
            "127.0.0.1",
            {},
            Outcome.DOWN,
            "certificate verify failed: unable to get local issuer certificate",
        ),
        (
            True,
            "127.0.0.1",
            {"sni": "wrong.example"},
            Outcome.DOWN,
            "certificate verify failed: Hostname mismatch, certificate is not valid for "
            "'wrong.example'.",
        ),
    ],
)
async def test_verification_of_chain_and_name(
    https_target: HttpsTarget,
    trusted: bool,
    host: str,
    fields: dict[str, Any],
    outcome: Outcome,
    error: str | None,
) -> None:
    spec = tls_monitor(host, https_target.port, **fields)

    async with ProbeContext(tls_trust=https_target.ca_file if trusted else None) as context:
        result = await PROBE.check(spec, context)

    assert (result.outcome, result.error) == (outcome, error)


async def test_a_success_describes_the_certificate(https_target: HttpsTarget) -> None:
    now = https_target.not_after - timedelta(days=45, minutes=5)

    async with ProbeContext(tls_trust=https_target.ca_file, now=lambda: now) as context:
        result = await PROBE.check(tls_monitor("127.0.0.1", https_target.port), context)

    assert result.outcome is Outcome.UP
    assert result.details["days_left"] == 45
    assert result.details["not_after"] == https_target.not_after.isoformat()
    assert "O=trustme" in result.details["issuer"]
    assert result.details["subject"] != result.details["issuer"]
    assert result.latency_ms is not None
    assert 0 < result.details["connect_ms"] < result.latency_ms


@pytest.mark.parametrize(
    ("before_expiry", "outcome", "error"),
    [
        (timedelta(days=15), Outcome.UP, None),
        (timedelta(days=14), Outcome.UP, None),
        (timedelta(days=13, hours=23), Outcome.DEGRADED, "certificate expires in 13 days"),
        (timedelta(days=3), Outcome.DEGRADED, "certificate expires in 3 days"),
        (timedelta(days=2, hours=23), Outcome.DOWN, "certificate expires in 2 days"),
        (timedelta(seconds=1), Outcome.DOWN, "certificate expires in 0 days"),
        (-timedelta(seconds=1), Outcome.DOWN, "certificate expired on"),
    ],
)
async def test_expiry_thresholds(
    https_target: HttpsTarget, before_expiry: timedelta, outcome: Outcome, error: str | None
) -> None:
    spec = tls_monitor(
        "127.0.0.1", https_target.port, verify=False, warning_days=14, critical_days=3
    )
    now = https_target.not_after - before_expiry

    async with ProbeContext(now=lambda: now) as context:
        result = await PROBE.check(spec, context)

    assert result.outcome is outcome
    assert (result.error or "").startswith(error or "")


async def test_a_server_that_does_not_speak_tls_is_down(
    tcp_port: int, context: ProbeContext
) -> None:
    result = await PROBE.check(tls_monitor("127.0.0.1", tcp_port, verify=False), context)

    assert result.outcome is Outcome.DOWN
    assert result.error is not None
    assert result.error.startswith("TLS handshake failed: ")


async def test_a_refused_port_is_down(closed_port: int, context: ProbeContext) -> None:
    result = await PROBE.check(tls_monitor("127.0.0.1", closed_port), context)

    assert result.outcome is Outcome.DOWN
    assert result.error == f"cannot connect to 127.0.0.1:{closed_port}: connection refused"


@pytest.mark.parametrize(
    ("policy", "host", "error"),
    [
        (TargetPolicy(allow_private=False), "127.0.0.1", "target refused: 127.0.0.1 is a private"),
        (TargetPolicy(), "169.254.170.2", "target refused: 169.254.170.2 is a link-local"),
    ],
)
async def test_refused_targets_are_never_contacted(
    policy: TargetPolicy, host: str, error: str
) -> None:
    async with ProbeContext(policy=policy) as context:
        result = await PROBE.check(tls_monitor(host, 443), context)

    assert result.outcome is Outcome.DOWN
    assert (result.error or "").startswith(error)
