"""Monitors written straight into the database in bulk, as Upwatch itself would store them."""

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, text, update

from upwatch.domain.monitors import MonitorSpec, kind_fields, parse_monitor
from upwatch.domain.schedule import slots_for
from upwatch.store.database import create_engine
from upwatch.store.tables import MonitorRow
from upwatch.store.urls import to_async_url

CHUNK = 2000


@dataclass(frozen=True)
class Kind:
    """A monitor kind in a mix: its share and its configuration."""

    share: float
    config: dict[str, Any]


def now() -> datetime:
    return datetime.now(UTC)


def first_slots(interval: int, not_before: datetime) -> Callable[[int], datetime]:
    """Each monitor's first run: its own phase slot after ``not_before``, so the load is even
    from the start instead of a burst of everything at once."""
    return lambda monitor_id: slots_for(monitor_id, interval).after(not_before)


def _row(
    monitor_id: int, name: str, spec: MonitorSpec, config: dict[str, Any], at: datetime
) -> dict[str, Any]:
    return {
        "id": monitor_id,
        "name": name,
        "kind": spec.kind,
        "interval": spec.interval,
        "timeout": spec.timeout,
        "retries": spec.retries,
        "tags": list(spec.tags),
        "paused": False,
        "config": config,
        "channel_ids": list(spec.channels),
        "status": "pending",
        "status_changed_at": at,
        "consecutive_failures": 0,
        "recent_changes": [],
        "flapping": False,
        "pending_cause": None,
        "last_checked_at": None,
        "next_run_at": None,
        "ping_token": None,
        "last_ping_at": None,
        "last_start_at": None,
        "deadline_at": None,
        "created_at": at,
        "updated_at": at,
    }


async def insert_monitors(
    database_url: str,
    count: int,
    mix: Sequence[Kind],
    *,
    next_run_at: Callable[[int], datetime] | None = None,
    heartbeat_deadline: datetime | None = None,
) -> list[str]:
    """Insert monitors 1..count, kinds in the proportions of ``mix``; returns the ping tokens
    of heartbeat monitors (in id order)."""
    at = now()
    specs = [parse_monitor({"name": "template", **kind.config}) for kind in mix]
    bounds, total = [], 0.0
    for kind in mix:
        total += kind.share
        bounds.append(total)
    tokens: list[str] = []
    rows = []
    for monitor_id in range(1, count + 1):
        position = (monitor_id - 1) / count * total
        index = next(i for i, bound in enumerate(bounds) if position < bound)
        spec = specs[index]
        row = _row(monitor_id, f"bench-{spec.kind}-{monitor_id}", spec, kind_fields(spec), at)
        if spec.kind == "heartbeat":
            row["ping_token"] = secrets.token_urlsafe(16)
            row["deadline_at"] = heartbeat_deadline or at + timedelta(days=1)
            tokens.append(row["ping_token"])
        elif next_run_at is not None:
            row["next_run_at"] = next_run_at(monitor_id)
        rows.append(row)
    engine = create_engine(to_async_url(database_url))
    try:
        async with engine.begin() as connection:
            for start in range(0, len(rows), CHUNK):
                await connection.execute(insert(MonitorRow), rows[start : start + CHUNK])
            if engine.dialect.name == "postgresql":
                await connection.execute(
                    text("SELECT setval(pg_get_serial_sequence('monitors', 'id'), :last)"),
                    {"last": count},
                )
            inserted = await connection.scalar(select(func.count()).select_from(MonitorRow))
        assert inserted == count, f"{inserted} monitors stored, {count} meant"
    finally:
        await engine.dispose()
    return tokens


async def schedule_monitors(url: str, count: int, first_run: Callable[[int], datetime]) -> None:
    """Give monitors 1..count their first run, in bulk."""
    table = cast(Table, MonitorRow.__table__)
    statement = (
        update(table)
        .where(table.c.id == bindparam("monitor_id"))
        .values(next_run_at=bindparam("first_run"))
    )
    engine = create_engine(to_async_url(url))
    try:
        async with engine.begin() as connection:
            for start in range(1, count + 1, 5000):
                moves = [
                    {"monitor_id": n, "first_run": first_run(n)}
                    for n in range(start, min(start + 5000, count + 1))
                ]
                await connection.execute(statement, moves)
    finally:
        await engine.dispose()
