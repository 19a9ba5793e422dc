"""Monitor specs and results for tests, with defaults that validate."""

from datetime import datetime
from typing import Any

from upwatch.domain.monitors import MonitorSpec, parse_monitor
from upwatch.domain.results import CheckResult, ProbeResult
from upwatch.domain.status import Outcome


def http_spec(**overrides: Any) -> MonitorSpec:
    return parse_monitor(
        {"kind": "http", "name": "web", "url": "http://127.0.0.1:9/", "interval": 60} | overrides
    )


def heartbeat_spec(**overrides: Any) -> MonitorSpec:
    return parse_monitor(
        {"kind": "heartbeat", "name": "cron job", "period": 300, "grace": 60} | overrides
    )


def check_result(
    monitor_id: int, at: datetime, outcome: Outcome = Outcome.UP, **fields: Any
) -> CheckResult:
    return CheckResult(
        monitor_id=monitor_id,
        scheduled_at=at,
        started_at=at,
        result=ProbeResult(outcome=outcome, latency_ms=fields.pop("latency_ms", 12.5), **fields),
    )
