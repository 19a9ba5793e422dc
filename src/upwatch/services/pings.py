"""Recording heartbeat pings in bulk and applying them to their monitors."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.monitors import HeartbeatMonitor, MonitorSpec
from upwatch.domain.results import CheckResult, ProbeResult
from upwatch.domain.schedule import heartbeat_deadline
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import Outcome, PingKind
from upwatch.services.results import insert_new_results, split_quiet
from upwatch.services.silencing import Silencing
from upwatch.services.transitions import Change, MonitorEvent, apply_to_monitors
from upwatch.store.database import insert_ignoring_conflicts
from upwatch.store.monitors import (
    HeartbeatFields,
    lock_heartbeats,
    lock_monitor_states,
    write_heartbeats,
)
from upwatch.store.tables import MonitorRow, PingRow

PING_BODY_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Ping:
    """One ping as received. ``intake_id`` makes recording it idempotent; ``monitor_id`` is
    ``None`` when the token could not be looked up at intake (the database was unreachable)."""

    intake_id: str
    token: str
    monitor_id: int | None
    received_at: datetime
    kind: PingKind
    method: str
    exit_code: int | None = None
    body: str = ""
    body_truncated: bool = False
    remote_addr: str | None = None
    user_agent: str | None = None


class SpecSource(Protocol):
    """Parsed monitor specs by ``(monitor id, updated_at)``, such as ``engine.specs.SpecCache``:
    parsing a stored monitor costs more than applying a ping to it."""

    async def load(
        self, session: AsyncSession, stamps: Iterable[tuple[int, datetime]]
    ) -> dict[int, MonitorSpec | None]: ...


def new_intake_id() -> str:
    return uuid.uuid4().hex


def ping_body(raw: bytes) -> tuple[str, bool]:
    """The body kept as the ping's log: at most 10 KB, and whether it was cut."""
    truncated = len(raw) > PING_BODY_LIMIT
    text = raw[:PING_BODY_LIMIT].decode("utf-8", errors="replace")
    # PostgreSQL text cannot hold NUL; one such byte must not stall the whole batch.
    return text.replace("\x00", "\ufffd"), truncated


async def record_pings(
    *, session: AsyncSession, pings: Sequence[Ping], flap: FlapPolicy, specs: SpecSource
) -> list[MonitorEvent]:
    """Store pings and move their monitors, each ping once however often it is delivered.

    Pings for unknown tokens or deleted monitors are dropped. The caller commits.

    A batch costs a fixed number of statements, whatever its size, and the ORM only for the
    monitors whose state changes: the monitors are locked with their state and heartbeat fields
    only, as plain values (their specs come from ``specs``, parsed again only after a monitor
    changed), the pings are inserted in one statement, the new ones walked in time order in
    memory (start times, durations, late deliveries), the monitors' heartbeat fields and their
    check results written in one statement each (the heartbeat fields with the last check time
    of the results that change nothing else: the monitor was UP and steady), and the other
    results applied together (``apply_to_monitors``), to their monitors' rows.
    """
    located = await _locate(session, pings)
    monitors = await lock_heartbeats(session, {monitor_id for _, monitor_id in located})
    silencing = await Silencing.load(
        session, monitors=monitors, times=[ping.received_at for ping, _ in located]
    )
    candidates: dict[str, tuple[Ping, HeartbeatFields]] = {}
    for ping, monitor_id in located:
        monitor = monitors.get(monitor_id)
        if monitor is not None:
            candidates.setdefault(ping.intake_id, (ping, monitor))
    # The insert itself says which pings are new: a concurrent delivery of the same pings
    # waits on the unique key, then skips them. (A lookup of the batch's keys first was a
    # sequential scan of the whole table whenever its statistics were behind its growth.)
    new = await _insert_new_pings(session, candidates.values())
    arrived = [pair for intake_id, pair in candidates.items() if intake_id in new]
    parsed = await specs.load(session, ((row.id, row.updated_at) for _, row in arrived))
    walk = _Walk(monitors, silencing, parsed)
    # Pings of the same instant keep the order they arrived in.
    for ping, monitor in sorted(arrived, key=lambda pair: pair[0].received_at):
        walk.step(monitor, ping)
    walk.set_deadlines()
    await _record_durations(session, walk.durations)
    inserted = await insert_new_results(session, walk.results)
    checked, eventful = split_quiet(
        [r for r in walk.results if (r.monitor_id, r.scheduled_at) in inserted],
        monitors,
        flap,
        keep_older=True,
    )
    for monitor_id, at in checked.items():
        monitors[monitor_id].last_checked_at = at
    # The quiet results' last check goes with the heartbeat fields: one statement, not two.
    await write_heartbeats(session, (monitors[monitor_id] for monitor_id in walk.pinged))
    if not eventful:
        return []
    # Rows after that write: a parent loaded by ``Silencing`` is read again, and stays the
    # object its children's checks look at.
    rows = await lock_monitor_states(
        session, {result.monitor_id for result in eventful}, refresh=True
    )
    changes = [
        Change(
            row=rows[result.monitor_id],
            outcome=result.outcome,
            at=result.scheduled_at,
            cause=result.cause_snapshot(),
            retries=walk.specs[result.monitor_id].retries,
        )
        for result in eventful
    ]
    return await apply_to_monitors(
        session=session, changes=changes, flap=flap, parent_down=silencing.parent_down
    )


class _Walk:
    """A batch's pings applied in time order to their monitors' heartbeat fields (start, last
    ping, deadline), collecting the check result each finished run makes."""

    def __init__(
        self,
        monitors: dict[int, HeartbeatFields],
        silencing: Silencing,
        specs: dict[int, MonitorSpec | None],
    ) -> None:
        self._monitors = monitors
        self._silencing = silencing
        self.specs = {
            monitor_id: spec
            for monitor_id, spec in specs.items()
            if isinstance(spec, HeartbeatMonitor)
        }
        """The pinged heartbeat monitors' specs. Pings to monitors of other kinds, or whose
        stored spec no longer validates, only stay in the log."""
        self.results: list[CheckResult] = []
        self._result_keys: set[tuple[int, datetime]] = set()
        self._last_pinged: dict[int, datetime] = {}
        self.pinged: set[int] = set()
        """Monitors whose heartbeat fields the walk changed."""
        self.durations: dict[str, float] = {}
        """Seconds from its start ping, by intake id, for each ping that finished a run."""

    def step(self, monitor: HeartbeatFields, ping: Ping) -> None:
        spec = self.specs.get(monitor.id)
        if spec is None or spec.paused:
            return
        if monitor.last_ping_at is not None and ping.received_at < monitor.last_ping_at:
            return  # delivered late: kept in the log, but a newer ping already decided
        self.pinged.add(monitor.id)
        if ping.kind is PingKind.START:
            monitor.last_start_at = ping.received_at
            return
        duration_s = None
        if monitor.last_start_at is not None:
            duration_s = (ping.received_at - monitor.last_start_at).total_seconds()
            self.durations[ping.intake_id] = duration_s
            monitor.last_start_at = None
        monitor.last_ping_at = ping.received_at
        self._last_pinged[monitor.id] = ping.received_at
        key = (monitor.id, ping.received_at)
        if key in self._result_keys:
            return  # a second ping at the same instant: its result would not be stored
        self._result_keys.add(key)
        result = _as_check_result(monitor.id, ping, duration_s)
        self.results.append(self._silencing.adjusted(result, monitor))

    def set_deadlines(self) -> None:
        """Each pinged monitor's next deadline, from its last ping (computed once, not per
        ping: only the last one counts)."""
        for monitor_id, last_ping_at in self._last_pinged.items():
            spec = self.specs[monitor_id]
            deadline = heartbeat_deadline(
                last_event_at=last_ping_at,
                grace=spec.grace,
                period=spec.period,
                cron=spec.cron,
                timezone=spec.timezone,
            )
            self._monitors[monitor_id].deadline_at = deadline


async def _locate(session: AsyncSession, pings: Sequence[Ping]) -> list[tuple[Ping, int]]:
    unresolved = {ping.token for ping in pings if ping.monitor_id is None}
    by_token: dict[str, int] = {}
    if unresolved:
        found = await session.execute(
            select(MonitorRow.ping_token, MonitorRow.id).where(
                MonitorRow.ping_token.in_(unresolved)
            )
        )
        by_token = {token: monitor_id for token, monitor_id in found if token}
    located = []
    for ping in pings:
        monitor_id = ping.monitor_id if ping.monitor_id is not None else by_token.get(ping.token)
        if monitor_id is not None:
            located.append((ping, monitor_id))
    return located


async def _insert_new_pings(
    session: AsyncSession, candidates: Iterable[tuple[Ping, HeartbeatFields]]
) -> set[str]:
    """Insert the pings not stored yet; the intake ids of those inserted."""
    rows = [_ping_row(ping, monitor.id) for ping, monitor in candidates]
    if not rows:
        return set()
    table = cast(Table, PingRow.__table__)
    inserted = await session.execute(
        insert_ignoring_conflicts(session, table, key=["intake_id"]).returning(table.c.intake_id),
        rows,
    )
    return {intake_id for (intake_id,) in inserted}


async def _record_durations(session: AsyncSession, durations: dict[str, float]) -> None:
    if not durations:
        return
    table = cast(Table, PingRow.__table__)
    await session.execute(
        update(table)
        .where(table.c.intake_id == bindparam("finished"))
        .values(duration_s=bindparam("seconds")),
        [{"finished": key, "seconds": seconds} for key, seconds in durations.items()],
    )


def _ping_row(ping: Ping, monitor_id: int) -> dict[str, Any]:
    return {
        "intake_id": ping.intake_id,
        "monitor_id": monitor_id,
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


def _as_check_result(monitor_id: int, ping: Ping, duration_s: float | None) -> CheckResult:
    failed = ping.kind is PingKind.FAIL
    error = None
    if failed:
        code = f" (exit code {ping.exit_code})" if ping.exit_code is not None else ""
        error = f"the job reported failure{code}"
    details: dict[str, Any] = {"ping": ping.kind.value, "log": ping.body[:2048]}
    if duration_s is not None:
        details["duration_s"] = duration_s
    return CheckResult(
        monitor_id=monitor_id,
        scheduled_at=ping.received_at,
        started_at=ping.received_at,
        result=ProbeResult(
            outcome=Outcome.DOWN if failed else Outcome.UP,
            latency_ms=None,
            error=error,
            details=details,
        ),
    )
