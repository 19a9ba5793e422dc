"""The HTTP probe against a real aiohttp server on 127.0.0.1: assertions, errors, bodies."""

from typing import Any

import pytest

from tests.probes import http_monitor
from tests.probes.conftest import BASIC_PASSWORD, BASIC_USER, BEARER_TOKEN
from upwatch.domain.status import Outcome
from upwatch.probes.base import ProbeContext
from upwatch.probes.http import HttpProbe

PROBE = HttpProbe()

JSON_OK = [
    {"path": "$.status", "equals": "ok"},
    {"path": "$.count", "equals": 3},
    {"path": "$.items", "contains": "b"},
    {"path": "$.healthy", "equals": True},
]


@pytest.mark.parametrize(
    ("path", "fields", "outcome", "error"),
    [
        ("/status/200", {}, Outcome.UP, None),
        ("/status/204", {}, Outcome.UP, None),
        ("/status/500", {}, Outcome.DOWN, "status 500 not in 200-399"),
        ("/status/404", {"expect_status": ["404"]}, Outcome.UP, None),
        ("/text", {"body_contains": ["test target"]}, Outcome.UP, None),
        ("/text", {"body_contains": ["nope"]}, Outcome.DOWN, "body does not contain 'nope'"),
        ("/text", {"body_not_contains": ["hello"]}, Outcome.DOWN, "body contains 'hello'"),
        ("/text", {"body_regex": r"hello \w+ the"}, Outcome.UP, None),
        ("/json", {"json_assertions": JSON_OK}, Outcome.UP, None),
        (
            "/json",
            {"json_assertions": [{"path": "$.count", "equals": 4}]},
            Outcome.DOWN,
            "$.count is 3, expected 4",
        ),
        (
            "/not-json",
            {"json_assertions": [{"path": "$.status", "equals": "ok"}]},
            Outcome.DOWN,
            "body is not JSON: Expecting value at position 0",
        ),
        (
            "/headers",
            {"header_assertions": [{"name": "x-version", "regex": r"^1\.4\."}]},
            Outcome.UP,
            None,
        ),
        (
            "/headers",
            {"header_assertions": [{"name": "X-Version", "equals": "2.0"}]},
            Outcome.DOWN,
            "header X-Version is '1.4.2', expected '2.0'",
        ),
        ("/slow?ms=300", {"degraded_after_ms": 100}, Outcome.DEGRADED, "over 100 ms"),
        ("/slow?ms=5000", {"timeout": 0.3}, Outcome.DOWN, "timed out after 0.3 s"),
        ("/auth/basic", {}, Outcome.DOWN, "status 401 not in 200-399"),
        (
            "/auth/basic",
            {"auth": {"type": "basic", "username": BASIC_USER, "password": BASIC_PASSWORD}},
            Outcome.UP,
            None,
        ),
        (
            "/auth/basic",
            {"auth": {"type": "basic", "username": BASIC_USER, "password": "wrong"}},
            Outcome.DOWN,
            "status 401 not in 200-399",
        ),
        ("/auth/bearer", {"auth": {"type": "bearer", "token": BEARER_TOKEN}}, Outcome.UP, None),
        (
            "/auth/bearer",
            {"auth": {"type": "bearer", "token": "stale"}},
            Outcome.DOWN,
            "status 401 not in 200-399",
        ),
        (
            "/echo",
            {
                "method": "PUT",
                "body": "ping=1",
                "headers": {"X-Probe": "yes"},
                "json_assertions": [
                    {"path": "$.method", "equals": "PUT"},
                    {"path": "$.body", "equals": "ping=1"},
                    {"path": "$.x_probe", "equals": "yes"},
                ],
            },
            Outcome.UP,
            None,
        ),
    ],
)
async def test_assertions_decide_the_outcome(
    http_url: str,
    context: ProbeContext,
    path: str,
    fields: dict[str, Any],
    outcome: Outcome,
    error: str | None,
) -> None:
    result = await PROBE.check(http_monitor(http_url + path, **fields), context)

    assert result.outcome is outcome
    if error is None:
        assert result.error is None
    else:
        assert result.error is not None
        assert error in result.error


async def test_a_response_reports_status_latency_and_timings(
    http_url: str, context: ProbeContext
) -> None:
    result = await PROBE.check(http_monitor(f"{http_url}/status/200"), context)

    assert result.status_code == 200
    assert result.latency_ms is not None
    assert 0 < result.latency_ms < 5000
    assert result.details["final_url"] == f"{http_url}/status/200"
    assert result.details["redirects"] == 0
    assert set(result.details["timings"]) == {"connect_ms", "ttfb_ms"}
    assert "body_excerpt" not in result.details


async def test_a_refused_connection_is_down_with_a_clear_message(
    closed_port: int, context: ProbeContext
) -> None:
    result = await PROBE.check(http_monitor(f"http://127.0.0.1:{closed_port}/"), context)

    assert result.outcome is Outcome.DOWN
    assert result.error == f"cannot connect to 127.0.0.1:{closed_port}: connection refused"
    assert result.latency_ms is None


async def test_an_unknown_host_is_down_with_a_clear_message(context: ProbeContext) -> None:
    result = await PROBE.check(http_monitor("http://no-such-host.invalid/"), context)

    assert result.outcome is Outcome.DOWN
    assert result.error is not None
    assert result.error.startswith("could not resolve no-such-host.invalid: ")


@pytest.mark.parametrize(
    ("path", "fields", "excerpt"),
    [
        ("/status/500", {}, "status 500"),
        ("/gzipped-failure", {}, "maintenance: back soon"),
        ("/gzipped-failure", {"body_contains": ["welcome"]}, "maintenance: back soon"),
        ("/text", {"body_contains": ["absent"]}, "hello from the upwatch test target"),
    ],
)
async def test_a_failure_keeps_the_start_of_the_body(
    http_url: str, context: ProbeContext, path: str, fields: dict[str, Any], excerpt: str
) -> None:
    result = await PROBE.check(http_monitor(http_url + path, **fields), context)

    assert result.outcome is Outcome.DOWN
    assert result.details["body_excerpt"] == excerpt


async def test_the_body_is_read_up_to_one_mebibyte(http_url: str, context: ProbeContext) -> None:
    result = await PROBE.check(http_monitor(f"{http_url}/big", body_contains=["needle"]), context)

    assert (result.outcome, result.error) == (Outcome.DOWN, "body does not contain 'needle'")
    assert result.details["body_truncated_at"] == 1 << 20
    assert result.details["body_excerpt"] == "x" * 2048


async def test_connections_are_not_reused_between_checks(
    http_url: str, context: ProbeContext
) -> None:
    for _ in range(3):
        result = await PROBE.check(http_monitor(f"{http_url}/text"), context)
        assert "connect_ms" in result.details["timings"]
