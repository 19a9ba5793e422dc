"""Monitor rows: conversion to and from domain specs, and the queries the engine needs."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Table, bindparam, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only
from sqlalchemy.sql.selectable import GenerativeSelect

from upwatch.domain.monitors import MonitorSpec, kind_fields, parse_monitor
from upwatch.domain.state import MonitorState
from upwatch.domain.status import MonitorStatus
from upwatch.store.database import dialect_of, hold_write_lock
from upwatch.store.tables import MonitorRow

Query = TypeVar("Query", bound=GenerativeSelect)


def spec_of(row: MonitorRow) -> MonitorSpec:
    return parse_monitor(
        {
            **row.config,
            "kind": row.kind,
            "name": row.name,
            "interval": row.interval,
            "timeout": row.timeout,
            "retries": row.retries,
            "tags": row.tags,
            "paused": row.paused,
            "channels": row.channel_ids,
            "alerts": row.alert_settings,
            "depends_on": row.depends_on,
        }
    )


def write_spec(row: MonitorRow, spec: MonitorSpec) -> None:
    row.name = spec.name
    row.kind = spec.kind
    row.interval = spec.interval
    row.timeout = spec.timeout
    row.retries = spec.retries
    row.tags = list(spec.tags)
    row.paused = spec.paused
    row.channel_ids = list(spec.channels)
    row.depends_on = list(spec.depends_on)
    row.alert_settings = spec.alerts.model_dump(mode="json") if spec.alerts else None
    row.config = kind_fields(spec)


class StateColumns(Protocol):
    """What decides whether a result changes a monitor and what silences it: a ``MonitorRow``
    or a ``HeartbeatFields``."""

    @property
    def id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def consecutive_failures(self) -> int: ...
    @property
    def recent_changes(self) -> list[str]: ...
    @property
    def flapping(self) -> bool: ...
    @property
    def incident_open(self) -> bool: ...
    @property
    def pending_cause(self) -> dict[str, Any] | None: ...
    @property
    def last_checked_at(self) -> datetime | None: ...
    @property
    def retries(self) -> int: ...
    @property
    def tags(self) -> list[str]: ...
    @property
    def depends_on(self) -> list[int]: ...


def state_of(row: StateColumns) -> MonitorState:
    return MonitorState(
        status=MonitorStatus(row.status),
        consecutive_failures=row.consecutive_failures,
        recent_changes=tuple(datetime.fromisoformat(t) for t in row.recent_changes),
        flapping=row.flapping,
        incident_open=row.incident_open,
    )


def write_state(row: MonitorRow, state: MonitorState) -> None:
    row.status = state.status.value
    row.consecutive_failures = state.consecutive_failures
    row.recent_changes = [t.isoformat() for t in state.recent_changes]
    row.flapping = state.flapping
    row.incident_open = state.incident_open


async def locked(statement: Query, session: AsyncSession, *, skip_locked: bool = False) -> Query:
    """The statement, made to lock the rows it selects until commit: on PostgreSQL with
    ``FOR UPDATE``; on SQLite, which has no row locks, by taking its write lock first."""
    if dialect_of(session) == "postgresql":
        return statement.with_for_update(skip_locked=skip_locked)
    await hold_write_lock(session)
    return statement


async def lock_monitors(session: AsyncSession, ids: set[int]) -> dict[int, MonitorRow]:
    statement = select(MonitorRow).where(MonitorRow.id.in_(ids)).order_by(MonitorRow.id)
    rows: Sequence[MonitorRow] = (await session.scalars(await locked(statement, session))).all()
    return {row.id: row for row in rows}


# What decides whether a result changes its monitor (see ``state_of``), what silences it,
# the name its change is reported under, and since when its status holds.
_STATE_COLUMNS = (
    MonitorRow.name,
    MonitorRow.status,
    MonitorRow.status_changed_at,
    MonitorRow.consecutive_failures,
    MonitorRow.recent_changes,
    MonitorRow.flapping,
    MonitorRow.incident_open,
    MonitorRow.pending_cause,
    MonitorRow.last_checked_at,
    MonitorRow.retries,
    MonitorRow.tags,
    MonitorRow.depends_on,
)


async def lock_monitor_states(
    session: AsyncSession, ids: set[int], *, refresh: bool = False
) -> dict[int, MonitorRow]:
    """Lock monitors like ``lock_monitors`` but load only their name, state, tags and
    dependencies: a fraction of the cost of whole rows, for deciding which results change
    anything and applying them (``apply_to_monitors``, which loads what announcing a change
    needs with ``load_announced``). Read nothing else from these rows unless a query of whole
    rows in the same session has loaded the rest of them. ``refresh`` reads the columns again
    for rows the session already holds, which a statement outside the unit of work changed."""
    return await _lock_only(session, ids, _STATE_COLUMNS, refresh=refresh)


async def _lock_only(
    session: AsyncSession, ids: set[int], columns: Sequence[Any], *, refresh: bool = False
) -> dict[int, MonitorRow]:
    statement = (
        select(MonitorRow)
        .options(load_only(*columns))
        .where(MonitorRow.id.in_(ids))
        .order_by(MonitorRow.id)
        .execution_options(populate_existing=refresh)
    )
    rows: Sequence[MonitorRow] = (await session.scalars(await locked(statement, session))).all()
    return {row.id: row for row in rows}


@dataclass(slots=True)
class HeartbeatFields:
    """A locked monitor as applying pings reads and moves it: its state (``StateColumns``),
    its heartbeat fields, and the ``updated_at`` its cached spec is kept by. Plain values, not
    an ORM row: the unit of work's bookkeeping per row cost more than the rest of the lock."""

    id: int
    status: str
    consecutive_failures: int
    recent_changes: list[str]
    flapping: bool
    incident_open: bool
    pending_cause: dict[str, Any] | None
    last_checked_at: datetime | None
    retries: int
    tags: list[str]
    depends_on: list[int]
    updated_at: datetime
    last_ping_at: datetime | None
    last_start_at: datetime | None
    deadline_at: datetime | None


# Read in the order of its fields, so that each row makes one positional call.
_HEARTBEAT_COLUMNS = tuple(getattr(MonitorRow, field.name) for field in fields(HeartbeatFields))


async def lock_heartbeats(session: AsyncSession, ids: set[int]) -> dict[int, HeartbeatFields]:
    """Lock monitors like ``lock_monitors``, reading what applying pings to them needs. Apply
    a change of state to the rows of ``lock_monitor_states`` (``refresh``, once the heartbeat
    fields are written)."""
    statement = select(*_HEARTBEAT_COLUMNS).where(MonitorRow.id.in_(ids)).order_by(MonitorRow.id)
    found = await session.execute(await locked(statement, session))
    return {heartbeat.id: heartbeat for heartbeat in (HeartbeatFields(*row) for row in found)}


# What announcing a monitor's change reads besides its state (see ``services.alerts``).
_ANNOUNCED_COLUMNS = (
    MonitorRow.kind,
    MonitorRow.config,
    MonitorRow.channel_ids,
    MonitorRow.alert_settings,
)
_ANNOUNCED_KEYS = frozenset(column.key for column in _ANNOUNCED_COLUMNS)


async def load_announced(session: AsyncSession, rows: Iterable[MonitorRow]) -> None:
    """Complete rows from ``lock_monitor_states`` (still locked by it) with what announcing
    their changes reads, in one query; whole rows are left alone. Only a change worth telling
    someone about pays for its monitor's configuration."""
    missing = {row.id for row in rows if _ANNOUNCED_KEYS & inspect(row).unloaded}
    if missing:
        await session.scalars(
            select(MonitorRow)
            .options(load_only(*_ANNOUNCED_COLUMNS))
            .where(MonitorRow.id.in_(missing))
            .order_by(MonitorRow.id)
        )


async def mark_checked(session: AsyncSession, checked: Mapping[int, datetime]) -> None:
    """Move monitors' ``last_checked_at``, in one statement, for checks that changed nothing
    else; the caller holds their locks and knows each time is newer. Rows already loaded keep
    their old value in memory."""
    await _update_each(
        session, {monitor_id: {"last_checked_at": at} for monitor_id, at in checked.items()}
    )


async def write_heartbeats(session: AsyncSession, rows: Iterable[HeartbeatFields]) -> None:
    """Store locked heartbeats' last ping, last start, deadline and last check, in one
    statement."""
    await _update_each(
        session,
        {
            row.id: {
                "last_ping_at": row.last_ping_at,
                "last_start_at": row.last_start_at,
                "deadline_at": row.deadline_at,
                "last_checked_at": row.last_checked_at,
            }
            for row in rows
        },
    )


async def _update_each(session: AsyncSession, values: Mapping[int, Mapping[str, Any]]) -> None:
    """Set columns of many monitors, by id, in one statement; every monitor's values name the
    same columns."""
    if not values:
        return
    columns = list(next(iter(values.values())))
    table = cast(Table, MonitorRow.__table__)
    # A bind parameter may not share its column's name in a SET clause.
    statement = (
        update(table)
        .where(table.c.id == bindparam("monitor_id"))
        .values({column: bindparam(f"new_{column}") for column in columns})
    )
    params: list[dict[str, Any]] = [
        {"monitor_id": monitor_id, **{f"new_{column}": row[column] for column in columns}}
        for monitor_id, row in values.items()
    ]
    await session.execute(statement, params)
