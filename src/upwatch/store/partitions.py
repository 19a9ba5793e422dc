"""Daily range partitions of ``check_results`` on PostgreSQL.

Partitions live in a schema of their own (``check_result_partitions``), one per UTC day named
``dYYYYMMDD``, plus ``overflow``, the default partition, so that a result for a day without a
partition (far in the future, or long past) is still stored. Creating a day's partition moves
the overflow rows of that day into it. Finished days get their indexes rebuilt packed once;
old days are dropped whole, which frees their space at once, without the table and index bloat
of deleting rows.

These functions take a synchronous connection so that the migration and the prune job (through
``AsyncSession.run_sync``) share them.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection

SCHEMA = "check_result_partitions"
DEFAULT_PARTITION = f"{SCHEMA}.overflow"
PARENT = "check_results"
LOOSE_INDEXES = """
SELECT CAST(CAST(c.oid AS regclass) AS text) FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_am a ON a.oid = c.relam
WHERE i.indrelid = CAST(:table AS regclass) AND a.amname = 'btree'
  AND NOT coalesce(c.reloptions @> ARRAY['fillfactor=100'], false)
"""


def partition_name(day: date) -> str:
    return f"d{day:%Y%m%d}"


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def existing_days(connection: Connection) -> set[date]:
    names = connection.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE i.inhparent = CAST(:parent AS regclass) AND n.nspname = :schema"
        ),
        {"parent": PARENT, "schema": SCHEMA},
    )
    return {datetime.strptime(name, "d%Y%m%d").date() for name in names if name.startswith("d")}


def ensure_day_partitions(connection: Connection, days: Iterable[date]) -> list[date]:
    """Create the missing partitions among ``days``; returns the days created."""
    have = existing_days(connection)
    created = []
    for day in sorted(set(days) - have):
        _create(connection, day)
        created.append(day)
    return created


def _create(connection: Connection, day: date) -> None:
    start, end = _bounds(day)
    name = f"{SCHEMA}.{partition_name(day)}"
    in_range = "scheduled_at >= :start AND scheduled_at < :end"
    params = {"start": start, "end": end}
    waiting = connection.scalar(
        text(f"SELECT count(*) FROM {DEFAULT_PARTITION} WHERE {in_range}"),  # noqa: S608
        params,
    )
    # PostgreSQL refuses a new partition while the default one holds rows of its range.
    if waiting:
        connection.execute(
            text(
                f"CREATE TEMPORARY TABLE moving_results ON COMMIT DROP AS "  # noqa: S608
                f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE {in_range} RETURNING *) "
                "SELECT * FROM moved"
            ),
            params,
        )
    connection.execute(
        text(
            f"CREATE TABLE {name} PARTITION OF {PARENT} "
            f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
        )
    )
    if waiting:
        connection.execute(text(f"INSERT INTO {PARENT} SELECT * FROM moving_results"))  # noqa: S608
        connection.execute(text("DROP TABLE moving_results"))


def drop_partitions_before(connection: Connection, cutoff: date) -> list[date]:
    """Drop every day partition wholly before ``cutoff`` and delete older overflow rows."""
    dropped = []
    for day in sorted(existing_days(connection)):
        if day < cutoff:
            connection.execute(text(f"DROP TABLE {SCHEMA}.{partition_name(day)}"))
            dropped.append(day)
    start, _ = _bounds(cutoff)
    connection.execute(
        text(
            f"DELETE FROM {DEFAULT_PARTITION} "  # noqa: S608
            "WHERE scheduled_at < :cutoff"
        ),
        {"cutoff": start},
    )
    return dropped


def compact_finished_days(connection: Connection, today: date, *, limit: int) -> list[date]:
    """Rebuild the B-tree indexes of up to ``limit`` finished days (newest first) packed full.

    Results reach a day's primary key in (monitor, time) order one monitor at a time, so its
    pages split in the middle and stay a third empty; once the day is over, hardly anything is
    written to it, so one rebuild at fillfactor 100 keeps it about 30 % smaller for good. A
    packed index is marked by its fillfactor, so each day is rebuilt once. The rebuild blocks
    writes to that day and reads through its index while it runs.
    """
    compacted: list[date] = []
    for day in sorted((d for d in existing_days(connection) if d < today), reverse=True):
        if len(compacted) >= limit:
            break
        loose = list(connection.scalars(text(LOOSE_INDEXES), {"table": _qualified(day)}))
        for index in loose:
            connection.execute(text(f"ALTER INDEX {index} SET (fillfactor = 100)"))
            connection.execute(text(f"REINDEX INDEX {index}"))
        if loose:
            compacted.append(day)
    return compacted


def _qualified(day: date) -> str:
    return f"{SCHEMA}.{partition_name(day)}"


def days_ahead(today: date, count: int) -> list[date]:
    return [today + timedelta(days=n) for n in range(count + 1)]
