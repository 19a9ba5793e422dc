"""Recording heartbeat pings in bulk and applying them to their monitors."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.monitors import HeartbeatMonitor
from upwatch.domain.results import CheckResult, ProbeResult
from upwatch.domain.schedule import heartbeat_deadline
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import Outcome, PingKind
from upwatch.services.results import insert_new_results
from upwatch.services.transitions import MonitorEvent, apply_to_monitor
from upwatch.store.monitors import lock_monitors, spec_of
from upwatch.store.tables import PingRow

PING_BODY_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Ping:
    monitor_id: int
    received_at: datetime
    kind: PingKind
    method: str
    exit_code: int | None = None
    body: str = ""
    body_truncated: bool = False
    remote_addr: str | None = None
    user_agent: str | None = None


def ping_body(raw: bytes) -> tuple[str, bool]:
    """The body kept as the ping's log: at most 10 KB, and whether it was cut."""
    truncated = len(raw) > PING_BODY_LIMIT
    return raw[:PING_BODY_LIMIT].decode("utf-8", errors="replace"), truncated


async def record_pings(
    *, session: AsyncSession, pings: Sequence[Ping], flap: FlapPolicy
) -> list[MonitorEvent]:
    """Store pings and move their monitors; pings for deleted monitors are dropped."""
    monitors = await lock_monitors(session, {p.monitor_id for p in pings})
    rows: list[dict[str, Any]] = []
    events = []
    for ping in sorted(pings, key=lambda p: p.received_at):
        monitor = monitors.get(ping.monitor_id)
        if monitor is None:
            continue
        spec = spec_of(monitor)
        row = _ping_row(ping)
        rows.append(row)
        if not isinstance(spec, HeartbeatMonitor) or spec.paused:
            continue
        if ping.kind is PingKind.START:
            monitor.last_start_at = ping.received_at
            continue
        if monitor.last_start_at is not None:
            row["duration_s"] = (ping.received_at - monitor.last_start_at).total_seconds()
            monitor.last_start_at = None
        monitor.last_ping_at = ping.received_at
        monitor.deadline_at = heartbeat_deadline(
            last_event_at=ping.received_at,
            grace=spec.grace,
            period=spec.period,
            cron=spec.cron,
            timezone=spec.timezone,
        )
        result = _as_check_result(ping, row["duration_s"])
        if not await insert_new_results(session, [result]):
            continue
        event = await apply_to_monitor(
            session=session,
            row=monitor,
            outcome=result.outcome,
            at=ping.received_at,
            cause=result.cause_snapshot(),
            retries=spec.retries,
            flap=flap,
        )
        if event:
            events.append(event)
    if rows:
        await session.execute(insert(PingRow), rows)
    return events


def _ping_row(ping: Ping) -> dict[str, Any]:
    return {
        "monitor_id": ping.monitor_id,
        "received_at": ping.received_at,
        "kind": ping.kind.value,
        "exit_code": ping.exit_code,
        "body": ping.body,
        "body_truncated": ping.body_truncated,
        "duration_s": None,
        "method": ping.method,
        "remote_addr": ping.remote_addr,
        "user_agent": ping.user_agent,
    }


def _as_check_result(ping: Ping, duration_s: float | None) -> CheckResult:
    failed = ping.kind is PingKind.FAIL
    error = None
    if failed:
        code = f" (exit code {ping.exit_code})" if ping.exit_code is not None else ""
        error = f"the job reported failure{code}"
    details: dict[str, Any] = {"ping": ping.kind.value, "log": ping.body[:2048]}
    if duration_s is not None:
        details["duration_s"] = duration_s
    return CheckResult(
        monitor_id=ping.monitor_id,
        scheduled_at=ping.received_at,
        started_at=ping.received_at,
        result=ProbeResult(
            outcome=Outcome.DOWN if failed else Outcome.UP,
            latency_ms=None,
            error=error,
            details=details,
        ),
    )
