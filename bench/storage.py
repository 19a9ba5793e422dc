"""Storage: bytes per raw result and per rollup row on PostgreSQL, indexes included."""

import asyncio
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench.lib.monitors import Kind, insert_monitors
from bench.lib.proc import UPWATCH, Processes
from bench.lib.proc import run as run_command
from bench.lib.report import Figure, Section, table
from bench.lib.services import migrate, postgres_database, upwatch_env
from bench.lib.targets import Nginx, start_nginx
from bench.options import Options
from upwatch.domain.monitors import parse_monitor
from upwatch.domain.results import CheckResult
from upwatch.domain.state import FlapPolicy
from upwatch.engine.jobs import CheckJob
from upwatch.engine.runner import Runner
from upwatch.probes.base import ProbeContext
from upwatch.services.results import record_results
from upwatch.store.database import create_engine, session_factory
from upwatch.store.partitions import compact_finished_days
from upwatch.store.urls import to_async_url

NAME = "storage"
SINK_BATCH = 500  # the result sink's group-commit size (BatchWriter.max_items)
DAYS_WRITTEN = 2  # the slots end now, so they span today and perhaps yesterday
PACKED = "check_results, day finished (indexes packed)"
SIZES = """
SELECT coalesce(sum(pg_total_relation_size(relid)), 0),
       coalesce(sum(pg_relation_size(relid)), 0),
       coalesce(sum(pg_indexes_size(relid)), 0)
FROM (SELECT relid FROM pg_partition_tree(CAST(:table AS regclass))
      UNION SELECT CAST(:table AS regclass)) AS tree(relid)
"""


def _mix(nginx: Nginx) -> list[Kind]:
    return [
        Kind(0.8, {"kind": "http", "url": nginx.url}),
        Kind(0.2, {"kind": "tcp", "host": "127.0.0.1", "port": nginx.port}),
    ]


async def _real_results(url: str, nginx: Nginx, monitors: int) -> list[CheckResult]:
    """One real check of every monitor, run as the engine runs them."""
    now = datetime.now(UTC)
    mix = _mix(nginx)
    jobs = []
    for monitor_id in range(1, monitors + 1):
        config = mix[0].config if monitor_id <= monitors * mix[0].share else mix[1].config
        jobs.append(CheckJob(monitor_id, now, parse_monitor({"name": "m", **config})))
    async with ProbeContext() as context:
        runner = Runner(context=context, max_in_flight=500, clock=lambda: datetime.now(UTC))
        return await runner.run_batch(jobs)


async def _write_slots(url: str, results: list[CheckResult], slots: int) -> int:
    """The same results once per slot (a minute apart), through the real result sink."""
    engine = create_engine(to_async_url(url))
    sessions = session_factory(engine)
    flap = FlapPolicy(threshold=5, window=timedelta(minutes=10))
    first = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=slots)
    written = 0
    try:
        for slot in range(slots):
            at = first + timedelta(minutes=slot)
            shifted = [
                replace(r, scheduled_at=at, started_at=at + timedelta(milliseconds=3))
                for r in results
            ]
            for start in range(0, len(shifted), SINK_BATCH):
                async with sessions.begin() as session:
                    await record_results(
                        session=session, results=shifted[start : start + SINK_BATCH], flap=flap
                    )
                written += len(shifted[start : start + SINK_BATCH])
    finally:
        await engine.dispose()
    return written


async def _measure(url: str, table_name: str) -> tuple[int, int, int, int, float]:
    """Rows, total bytes (heap + TOAST + indexes, all partitions), heap, indexes, mean tuple
    bytes."""
    engine = create_engine(to_async_url(url))
    try:
        async with engine.connect() as connection:
            rows = int(await connection.scalar(text(f"SELECT count(*) FROM {table_name}")) or 0)  # noqa: S608
            total, heap, indexes = (
                await connection.execute(text(SIZES), {"table": table_name})
            ).one()
            payload = await connection.scalar(
                text(f"SELECT avg(pg_column_size(t.*)) FROM {table_name} AS t")  # noqa: S608
            )
    finally:
        await engine.dispose()
    return rows, int(total), int(heap), int(indexes), float(payload or 0)


async def _pack_as_finished(url: str) -> None:
    """What the prune job does to a day once it is over: its indexes rebuilt packed."""
    engine = create_engine(to_async_url(url))
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(
                lambda sync: compact_finished_days(sync, tomorrow, limit=DAYS_WRITTEN)
            )
    finally:
        await engine.dispose()


async def _rollup_tables(url: str) -> list[str]:
    engine = create_engine(to_async_url(url))
    try:
        async with engine.connect() as connection:
            names = await connection.scalars(
                text(
                    "SELECT c.relname FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') "
                    "AND c.relname LIKE 'rollups%' "
                    "AND NOT c.relispartition ORDER BY 1"
                )
            )
            return list(names)
    finally:
        await engine.dispose()


def _has_command(env: dict[str, str], name: str) -> bool:
    try:
        run_command([*UPWATCH, name, "--help"], env=env, timeout=60)
    except RuntimeError:
        return False
    return True


def run_benchmark(options: Options) -> Section:
    monitors, slots = (200, 50) if options.quick else (1_000, 200)
    section = Section("Storage: bytes per row on PostgreSQL")
    rows = []
    with tempfile.TemporaryDirectory(prefix="upwatch-bench-") as tmp, Processes(Path(tmp)) as procs:
        work = Path(tmp)
        nginx = start_nginx(procs, work)
        with postgres_database("storage") as url:
            env = upwatch_env(work, database_url=url)
            migrate(env)
            asyncio.run(insert_monitors(url, monitors, _mix(nginx)))
            results = asyncio.run(_real_results(url, nginx, monitors))
            asyncio.run(_write_slots(url, results, slots))
            rolled_up = _has_command(env, "rollup")
            if rolled_up:
                run_command([*UPWATCH, "rollup"], env=env, timeout=600)
            else:
                section.skipped.append("rollup rows: no `upwatch rollup` command in this version")
            run_command(["psql", url, "-qc", "VACUUM ANALYZE"], timeout=600)
            tables = [
                "check_results",
                *(asyncio.run(_rollup_tables(url)) if rolled_up else []),
                PACKED,
            ]
            for name in tables:
                if name == PACKED:
                    asyncio.run(_pack_as_finished(url))
                table_name = "check_results" if name == PACKED else name
                count, total, heap, indexes, payload = asyncio.run(_measure(url, table_name))
                if not count:
                    section.skipped.append(f"{name}: no rows after the run")
                    continue
                per_row = total / count
                rows.append(
                    [
                        name,
                        f"{count:,}",
                        f"{per_row:.0f}",
                        f"{heap / count:.0f}",
                        f"{indexes / count:.0f}",
                        f"{payload:.0f}",
                    ]
                )
                section.figures.append(
                    Figure(
                        f"{name}: bytes per row incl. indexes",
                        per_row,
                        "B",
                        payload,
                        "mean tuple size (pg_column_size)",
                        target=100 if name.startswith("check_results") else None,
                        higher_is_better=False,
                    )
                )
    section.tables.append(
        table(["table", "rows", "bytes/row total", "heap", "indexes", "tuple data"], rows)
    )
    section.method = [
        f"{monitors:,} monitors (80 % HTTP, 20 % TCP against nginx) checked once for real by the "
        f"engine's Runner; those results written {slots} times, a minute apart, through "
        f"`upwatch.services.results.record_results` in batches of {SINK_BATCH} (the result sink's "
        "path), so rows carry what the probes really record (details, timings).",
        "Sizes after VACUUM ANALYZE: `pg_total_relation_size` (heap + TOAST + every index), summed "
        "over the table's partitions if it is partitioned, divided by the row count. A freshly "
        "written table has no bloat; a long-running one with deletes has more.",
        f"`{PACKED}`: the same rows after the prune job's packing of a finished day "
        "(`compact_finished_days`: B-tree indexes rebuilt at fillfactor 100), which is what "
        "every day but the current one looks like in a long-running installation.",
    ]
    return section
