"""The DNS probe against a small authoritative UDP server on 127.0.0.1."""

import pytest

from tests.probes import dns_monitor
from upwatch.domain.status import Outcome
from upwatch.domain.targets import TargetPolicy
from upwatch.probes.base import ProbeContext
from upwatch.probes.dns import DnsProbe, normalised

PROBE = DnsProbe()


@pytest.mark.parametrize(
    ("hostname", "record_type", "expected", "outcome", "error"),
    [
        ("www.example.test", "A", [], Outcome.UP, None),
        ("www.example.test", "A", ["192.0.2.10"], Outcome.UP, None),
        ("www.example.test", "A", ["192.0.2.11", "192.0.2.10"], Outcome.UP, None),
        (
            "www.example.test",
            "A",
            ["192.0.2.10", "192.0.2.99"],
            Outcome.DOWN,
            "A answers lack 192.0.2.99; found 192.0.2.10, 192.0.2.11",
        ),
        ("www.example.test", "AAAA", ["2001:DB8:0::10"], Outcome.UP, None),
        ("alias.example.test", "CNAME", ["WWW.example.test"], Outcome.UP, None),
        ("alias.example.test", "CNAME", ["www.example.test."], Outcome.UP, None),
        ("example.test", "MX", ["10 mail.example.test."], Outcome.UP, None),
        ("example.test", "MX", ["10 Mail.Example.Test", "backup.example.test"], Outcome.UP, None),
        (
            "example.test",
            "MX",
            ["20 mail.example.test"],
            Outcome.DOWN,
            "MX answers lack 20 mail.example.test; "
            "found 10 mail.example.test., 20 backup.example.test.",
        ),
        ("example.test", "TXT", ["v=spf1 -all", "part one part two"], Outcome.UP, None),
        (
            "example.test",
            "TXT",
            ["V=SPF1 -all"],
            Outcome.DOWN,
            "TXT answers lack V=SPF1 -all; found part one part two, v=spf1 -all",
        ),
        ("example.test", "NS", ["NS1.Example.TEST", "ns2.example.test."], Outcome.UP, None),
        (
            "missing.example.test",
            "A",
            [],
            Outcome.DOWN,
            "missing.example.test does not exist (NXDOMAIN)",
        ),
        ("www.example.test", "MX", [], Outcome.DOWN, "www.example.test has no MX records"),
    ],
)
async def test_answers_must_hold_every_expected_value(
    dns_server: str,
    context: ProbeContext,
    hostname: str,
    record_type: str,
    expected: list[str],
    outcome: Outcome,
    error: str | None,
) -> None:
    spec = dns_monitor(hostname, record_type, expected=expected, resolver=dns_server)

    result = await PROBE.check(spec, context)

    assert (result.outcome, result.error) == (outcome, error)


@pytest.mark.parametrize(
    ("hostname", "record_type", "answers"),
    [
        ("www.example.test", "A", ["192.0.2.10", "192.0.2.11"]),
        ("example.test", "MX", ["10 mail.example.test.", "20 backup.example.test."]),
        ("example.test", "TXT", ["part one part two", "v=spf1 -all"]),
        ("example.test", "NS", ["ns1.example.test.", "ns2.example.test."]),
    ],
)
async def test_answers_and_latency_are_reported(
    dns_server: str, context: ProbeContext, hostname: str, record_type: str, answers: list[str]
) -> None:
    result = await PROBE.check(dns_monitor(hostname, record_type, resolver=dns_server), context)

    assert result.details["answers"] == answers
    assert result.details["ttl"] == 300
    assert result.latency_ms is not None
    assert result.latency_ms > 0


async def test_a_server_failure_is_down(dns_server: str, context: ProbeContext) -> None:
    spec = dns_monitor("servfail.example.test", "A", resolver=dns_server)

    result = await PROBE.check(spec, context)

    assert result.outcome is Outcome.DOWN
    assert result.error is not None
    assert result.error.startswith("DNS query failed: ")
    assert "SERVFAIL" in result.error


async def test_a_silent_server_times_out(dns_server: str, context: ProbeContext) -> None:
    spec = dns_monitor("silent.example.test", "A", resolver=dns_server, timeout=0.3)

    result = await PROBE.check(spec, context)

    assert (result.outcome, result.error) == (
        Outcome.DOWN,
        "timed out after 0.3 s waiting for a DNS answer",
    )


@pytest.mark.parametrize(
    ("policy", "resolver", "error"),
    [
        (TargetPolicy(allow_private=False), None, "target refused: 127.0.0.1 is a private"),
        (TargetPolicy(), "169.254.169.253", "target refused: 169.254.169.253 is a link-local"),
    ],
)
async def test_the_resolver_address_obeys_the_target_policy(
    dns_server: str, policy: TargetPolicy, resolver: str | None, error: str
) -> None:
    spec = dns_monitor("www.example.test", "A", resolver=resolver or dns_server)

    async with ProbeContext(policy=policy) as context:
        result = await PROBE.check(spec, context)

    assert result.outcome is Outcome.DOWN
    assert (result.error or "").startswith(error)


@pytest.mark.parametrize(
    ("record_type", "value", "form"),
    [
        ("A", " 192.0.2.1 ", "192.0.2.1"),
        ("AAAA", "2001:DB8:0:0::1", "2001:db8::1"),
        ("CNAME", "WWW.Example.COM.", "www.example.com"),
        ("NS", "ns1.example.com", "ns1.example.com"),
        ("MX", "010 Mail.Example.com.", "10 mail.example.com"),
        ("MX", "mail.example.com.", "mail.example.com"),
        ("TXT", "Case Matters", "Case Matters"),
    ],
)
def test_values_compare_in_a_normal_form(record_type: str, value: str, form: str) -> None:
    assert normalised(record_type, value) == form
