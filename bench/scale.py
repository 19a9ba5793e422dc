"""Scale: many monitors at a 60 s interval in `serve` (SQLite, PostgreSQL) and in the fleet."""

import asyncio
import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

from sqlalchemy import Table, func, select

from bench.lib.monitors import Kind, first_slots, insert_monitors, schedule_monitors
from bench.lib.proc import Processes
from bench.lib.report import Figure, Section, mib, table
from bench.lib.results import database_bytes, results_in_window
from bench.lib.sampling import Role, Sampler
from bench.lib.services import (
    migrate,
    postgres_database,
    postgres_role,
    sqlite_url,
    start_fleet,
    start_redis,
    start_serve,
    upwatch_env,
)
from bench.lib.stats import percentile
from bench.lib.targets import Nginx, start_nginx
from bench.options import Options
from upwatch.store.database import create_engine
from upwatch.store.tables import MonitorRow
from upwatch.store.urls import to_async_url

NAME = "scale"
INTERVAL = 60
DRAIN_SECONDS = 15  # checks scheduled at the window's end finish (timeout 10 s) before counting
SETUPS = (("serve", "sqlite"), ("serve", "postgresql"), ("fleet", "postgresql"))


@dataclass(frozen=True)
class Plan:
    monitors: int
    window: int  # seconds, a whole number of intervals: each monitor has window/60 slots in it
    start_after: int  # seconds from the roles' start to the monitors' first slot


def plans(options: Options) -> list[Plan]:
    if options.scale_sizes:
        return [Plan(size, 60, 10 if size < 100_000 else 20) for size in options.scale_sizes]
    if options.quick:
        return [Plan(1_000, 60, 10)]
    return [Plan(10_000, 60, 10), Plan(100_000, 60, 20)]


def setups(options: Options) -> list[tuple[str, str]]:
    chosen = set(options.scale_setups)
    return [s for s in SETUPS if not chosen or f"{s[0]}-{s[1]}" in chosen]


def _mix(nginx: Nginx, options: Options) -> list[Kind]:
    if options.scale_mix == "tcp":
        return [
            Kind(
                1.0, {"kind": "tcp", "host": "127.0.0.1", "port": nginx.port, "interval": INTERVAL}
            )
        ]
    return [
        Kind(0.8, {"kind": "http", "url": nginx.url, "interval": INTERVAL}),
        Kind(0.2, {"kind": "tcp", "host": "127.0.0.1", "port": nginx.port, "interval": INTERVAL}),
    ]


@contextmanager
def _database(kind: str, work: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield sqlite_url(work)
    else:
        with postgres_database("scale") as url:
            yield url


async def _all_checked(
    url: str, until: datetime, processes: Processes, poll_seconds: float = 1.0
) -> datetime | None:
    """When every monitor first had a result applied (``last_checked_at`` set), to within a
    poll; ``None`` if some still had none at ``until``."""
    table = cast(Table, MonitorRow.__table__)
    unchecked = select(func.count()).select_from(table).where(table.c.last_checked_at.is_(None))
    engine = create_engine(to_async_url(url))
    try:
        while (now := datetime.now(UTC)) < until:
            processes.ensure_running()
            async with engine.connect() as connection:
                if not await connection.scalar(unchecked):
                    return now
            await asyncio.sleep(poll_seconds)
    finally:
        await engine.dispose()
    return None


def _one(
    mode: str, database: str, plan: Plan, options: Options
) -> tuple[list[str], list[Figure], list[list[str]]]:
    with tempfile.TemporaryDirectory(prefix="upwatch-bench-") as tmp, Processes(Path(tmp)) as procs:
        work = Path(tmp)
        nginx = start_nginx(procs, work, workers=2)
        with _database(database, work) as url:
            settings: dict[str, str] = {}
            if mode == "fleet":
                settings["broker_url"] = start_redis(procs, work)
            env = upwatch_env(work, database_url=url if database != "sqlite" else None, **settings)
            migrate(env)
            asyncio.run(insert_monitors(url, plan.monitors, _mix(nginx, options)))
            if mode == "serve":
                start_serve(procs, env)
            else:
                start_fleet(procs, env)
            # Scheduled only now that every role is up: inserting 100,000 monitors and starting
            # the roles take longer than a first slot planned before them would wait.
            first_due = (datetime.now(UTC) + timedelta(seconds=plan.start_after)).replace(
                microsecond=0
            )
            asyncio.run(schedule_monitors(url, plan.monitors, first_slots(INTERVAL, first_due)))
            roles = [Role(name, root=child.pid) for name, child in procs.children.items()]
            if database == "postgresql":
                roles.append(postgres_role(url))
            sampler = Sampler(roles).start()
            # The first round (every slot in the first interval) turns each monitor from
            # pending to up; the window measures the sustained state after it. Both hold a
            # whole number of intervals: window/60 slots per monitor.
            window_start = first_due + timedelta(seconds=INTERVAL)
            window_end = window_start + timedelta(seconds=plan.window)
            try:
                first_checked = asyncio.run(_all_checked(url, window_start, procs))
                procs.sleep_until(window_start)
                size_before = asyncio.run(database_bytes(url))
                sampler.window()
                if first_checked is None:
                    first_checked = asyncio.run(_all_checked(url, window_end, procs))
                procs.sleep_until(window_end)
                sampler.stop()
                size_after = asyncio.run(database_bytes(url))
                procs.sleep_until(window_end + timedelta(seconds=DRAIN_SECONDS))
            finally:
                if sampler._thread.is_alive():
                    sampler.stop()
                procs.stop_all()
            found = asyncio.run(results_in_window(url, window_start, window_end))
            first = asyncio.run(results_in_window(url, first_due, window_start))
    mix = "" if options.scale_mix == "standard" else f" ({options.scale_mix} only)"
    label = f"{mode} {database} {plan.monitors:,}{mix}"
    expected = plan.monitors * plan.window // INTERVAL
    ran = sum(n for outcome, n in found.outcomes.items() if outcome != "not_run")
    lateness = found.lateness_seconds
    p50, p99 = percentile(lateness, 50), percentile(lateness, 99)
    worst = max(lateness) if lateness else math.nan
    missed = expected - ran
    growth = (size_after - size_before) * 3600 / plan.window
    due_rate = plan.monitors / INTERVAL
    first_ran = sum(n for outcome, n in first.outcomes.items() if outcome != "not_run")
    first_lateness = first.lateness_seconds
    first_done = (
        f"{(first_checked - first_due).total_seconds():.0f} s"
        if first_checked
        else f"not by the window's end ({first.monitors_with_results:,} with a first-round run)"
    )
    summary = [
        f"{first_done}; p99 {percentile(first_lateness, 99):.3f} s; "
        f"missed {plan.monitors - first_ran:,}",
        f"{ran / plan.window:,.0f} / {due_rate:,.0f}",
        f"{p50:.3f} / {percentile(lateness, 99):.3f} / {worst:.3f}",
        f"{missed:,} of {expected:,}",
        ", ".join(f"{k} {v:,}" for k, v in sorted(found.outcomes.items())),
        "; ".join(
            f"{r.name} {r.cpu_used() / plan.window:.2f} CPU, {mib(r.peak_rss)}" for r in roles
        ),
        f"{growth / 1024 / 1024:,.0f} MiB/h",
    ]
    figures = [
        Figure(
            f"{label}: first round, every monitor checked after",
            (first_checked - first_due).total_seconds() if first_checked else math.nan,
            "s",
            INTERVAL,
            "interval",
            higher_is_better=False,
        ),
        Figure(f"{label}: checks/s achieved", ran / plan.window, "checks/s", due_rate, "due"),
        Figure(f"{label}: lateness p99", p99, "s", target=1.0, higher_is_better=False),
        Figure(
            f"{label}: missed checks",
            missed,
            "checks",
            expected,
            "due in the window",
            target=0,
            higher_is_better=False,
        ),
    ]
    if mode == "serve":
        serve_rss = next(r.peak_rss for r in roles if r.name == "serve")
        figures.append(
            Figure(
                f"{label}: serve peak RSS",
                serve_rss / 1024 / 1024,
                "MiB",
                target=1024,
                higher_is_better=False,
            )
        )
    return [label, *summary], figures, []


def run_benchmark(options: Options) -> Section:
    section = Section("Scale: monitors at a 60 s interval")
    rows = []
    for plan in plans(options):
        for mode, database in setups(options):
            try:
                row, figures, _ = _one(mode, database, plan, options)
            except Exception as exc:
                section.skipped.append(
                    f"{mode} {database} {plan.monitors:,}: failed: "
                    f"{type(exc).__name__}: {str(exc)[:1500]}"
                )
                continue
            rows.append(row)
            section.figures += figures
    section.tables.append(
        table(
            [
                "setup",
                "first round: all checked after; lateness p99; missed",
                "checks/s achieved / due",
                "lateness p50 / p99 / max (s)",
                "missed",
                "outcomes",
                "CPU (cores) and peak RSS per role",
                "database growth",
            ],
            rows,
        )
    )
    section.method = [
        "Monitors are inserted straight into the database (80 % HTTP GET of a small nginx page, "
        "20 % TCP connect to nginx; 60 s interval, 10 s timeout), each with its first run at its "
        "own phase slot (`upwatch.domain.schedule.slots_for`) so the load is even from the start; "
        "the first slots are set once every role is up.",
        "`serve` runs alone; the fleet is api + 2 schedulers + 2 workers (one Celery process each) "
        "on PostgreSQL and a Redis of the benchmark's own, as Procfile.fleet starts them. "
        "nginx has "
        "2 workers. Nothing is pinned: everything shares the machine's cores.",
        "The first round is the first interval after the first slot: each monitor's first check, "
        "which turns it from pending to up. It is reported apart: the time from the first slot "
        "until every monitor has a result applied (its last_checked_at set; polled every "
        "second), and that round's lateness p99 and missed slots. The window measures the "
        "sustained state: it starts one whole interval after the first slot, when the first "
        "round is due to be over, and lasts a whole number of intervals, so each monitor has "
        "exactly window/60 slots in it. Results are read from check_results "
        f"after {DRAIN_SECONDS} s of drain: lateness = started_at - scheduled_at of checks run; "
        "missed = slots with no run result (absent, or recorded `not_run`).",
        "CPU = CPU seconds of the role's process tree in the window ÷ window seconds; peak RSS = "
        "the highest sum of RSS over the tree, sampled every 0.5 s from /proc. `postgres (this "
        "database)` counts the run's own backends and the server's shared processes "
        "(checkpointer, WAL writer, ...), not other databases' backends.",
        "Database growth = size change over the window (PostgreSQL `pg_database_size`; SQLite "
        "pages in use, WAL included), scaled to an hour.",
    ]
    return section
