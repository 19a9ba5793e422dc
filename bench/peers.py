"""Peers side by side: healthchecks.io under the same ping load, Uptime Kuma under the same
monitor load as Upwatch's `serve`.

Their code stays out of this repository: the harness takes a path to a peer installed elsewhere
(``--healthchecks PATH``, ``--uptime-kuma PATH``) and skips the comparison without one.
"""

import asyncio
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.lib.healthchecks import (
    PERSISTENT_CONNECTION_SECONDS,
    Healthchecks,
    healthchecks_python,
    healthchecks_version,
)
from bench.lib.monitors import Kind, first_slots, insert_monitors, schedule_monitors
from bench.lib.proc import Processes
from bench.lib.report import Figure, Section, table
from bench.lib.results import results_in_window
from bench.lib.sampling import Role, Sampler
from bench.lib.services import (
    migrate,
    postgres_database,
    postgres_role,
    sqlite_url,
    start_serve,
    upwatch_env,
)
from bench.lib.targets import start_nginx
from bench.lib.uptime_kuma import UptimeKuma, kuma_version, server_script
from bench.lib.wrk import WrkResult, wrk
from bench.options import Options
from bench.ping_intake import (
    CONNECTIONS,
    HEARTBEATS,
    THREADS,
    load,
    ms_per_ping,
    ping_script,
    run_intake,
)

NAME = "peers"
# The monitor load both run: HTTP checks of one local nginx page. 20 s is Kuma's shortest
# interval; its monitors start 0.3 to 1 s apart, so 600 take 6 to 7 minutes to be up.
KUMA_MONITORS, KUMA_MONITORS_QUICK = 600, 200
KUMA_INTERVAL = 20
CHECK_TIMEOUT = 10
# A check of a local page is stored well within this after it started (both batch their writes).
STORED_WITHIN_SECONDS = 5
# The harness's choice: one gunicorn sync worker per core, each serving one request at a time
# (its Docker image runs uWSGI with 4 processes instead).
HEALTHCHECKS_WORKERS = 2


@dataclass
class _PingRun:
    """One system under the ping load: who it is, wrk's report, and its CPU per ping."""

    name: str
    result: WrkResult
    intake_ms: float
    """CPU per ping of the process that answers the pings."""
    all_ms: float
    """CPU per ping of every process measured (web, workers, database, queue) until the
    answered pings were stored."""
    stored: int
    durable: bool
    """Every ping answered 2xx was stored."""


def _healthchecks(path: Path, seconds: int, section: Section) -> None:
    """healthchecks.io and Upwatch under the same wrk ping load, one after the other, on SQLite
    and on PostgreSQL: CPU per ping of each, and the ratios between them."""
    python = healthchecks_python(path)
    if python is None:
        section.skipped.append(f"healthchecks.io: no manage.py with .venv or venv in {path}")
        return
    with (
        tempfile.TemporaryDirectory(prefix="upwatch-bench-hc-") as tmp,
        Processes(Path(tmp)) as procs,
    ):
        work = Path(tmp)
        # Its sync workers answer one request at a time each: the harness's own nginx would
        # say nothing here, so the reference is Upwatch under the same load.
        runs = {
            "sqlite": _healthchecks_run(path, python, procs, work, None, seconds),
            "serve": _upwatch_run(procs, work, "serve", seconds),
        }
        with postgres_database("hc") as database_url:
            runs["postgres"] = _healthchecks_run(path, python, procs, work, database_url, seconds)
        runs["fleet"] = _upwatch_run(procs, work, "fleet", seconds)
    for peer, database, upwatch, reference in (
        ("sqlite", "SQLite", "serve", "Upwatch serve"),
        ("postgres", "PostgreSQL", "fleet", "Upwatch fleet api"),
    ):
        section.figures.append(
            Figure(
                f"healthchecks.io CPU per ping, web process ({database})",
                runs[peer].intake_ms,
                "ms",
                runs[upwatch].intake_ms,
                reference,
            )
        )
    section.figures.append(
        Figure(
            "healthchecks.io CPU per ping, every process measured (PostgreSQL)",
            runs["postgres"].all_ms,
            "ms",
            runs["fleet"].all_ms,
            "Upwatch fleet: api, scheduler, workers, Redis, PostgreSQL",
        )
    )
    section.tables.append(
        table(
            [
                "system",
                "pings/s",
                "p50 ms",
                "p99 ms",
                "CPU ms per ping (web process)",
                "CPU ms per ping (all measured)",
                "answers and storage",
            ],
            [
                [
                    run.name,
                    f"{run.result.requests_per_second:,.0f}",
                    f"{run.result.p50_ms:.1f}",
                    f"{run.result.p99_ms:.1f}",
                    f"{run.intake_ms:.3f}",
                    f"{run.all_ms:.3f}",
                    f"{run.result.ok:,} answered 2xx, {run.result.non_2xx:,} not, "
                    f"{run.result.socket_errors} socket errors; "
                    f"{run.stored:,} pings stored (incl. warm-up)",
                ]
                for run in runs.values()
            ],
        )
    )
    section.method += [
        f"{run.name}: only {run.stored:,} pings stored for {run.result.ok:,} answered 2xx."
        for run in runs.values()
        if not run.durable
    ]
    section.method.append(
        f"healthchecks.io {healthchecks_version(path)} at {path}: gunicorn with "
        f"{HEALTHCHECKS_WORKERS} sync workers (one per core), DEBUG off, on SQLite and then on "
        "a PostgreSQL database of its own with persistent connections (DB_CONN_MAX_AGE "
        f"{PERSISTENT_CONNECTION_SECONDS}), {HEARTBEATS:,} checks in one project. Upwatch: "
        f"`serve` on SQLite and the fleet (api, 1 scheduler, 2 workers, PostgreSQL + Redis), "
        f"{HEARTBEATS:,} heartbeat monitors. Each gets the ping-intake benchmark's load: wrk, "
        f"{THREADS} threads, {CONNECTIONS} connections, {seconds} s, POSTing a short body to "
        "/ping/<code> over all its checks in turn, after 2 s of warm-up. CPU per ping = CPU "
        "seconds ÷ pings answered 2xx: of the web process tree (gunicorn; `serve`; the api) "
        "while wrk ran, and of every process measured (with the workers, the scheduler, Redis "
        "and the run's PostgreSQL backends) until every answered ping was stored: the fleet's "
        "workers drain the queue after wrk ends. Ratios are healthchecks.io's over Upwatch's."
    )


def _healthchecks_run(
    path: Path,
    python: Path,
    procs: Processes,
    work: Path,
    database_url: str | None,
    seconds: int,
) -> _PingRun:
    label = "postgres" if database_url else "sqlite"
    site_work = work / f"hc-{label}"
    site_work.mkdir()
    site = Healthchecks(path, python, site_work, database_url)
    codes = site.create_checks(HEARTBEATS)
    name = f"healthchecks-{label}"
    base = site.start(procs, name, HEALTHCHECKS_WORKERS, codes[0])
    roles = [Role(name, root=procs.children[name].pid)]
    if database_url:
        roles.append(postgres_role(database_url))
    script = ping_script(site_work / "ping.lua", codes)
    wrk(f"{base}/", seconds=2, connections=8, script=script)
    result, cpu = load(base, script, seconds, roles)
    procs.stop(name)
    stored = site.stored_pings()
    return _PingRun(
        f"healthchecks.io ({'PostgreSQL' if database_url else 'SQLite'})",
        result,
        ms_per_ping(cpu[name], result),
        ms_per_ping(sum(cpu.values()), result),
        stored,
        # It stores each ping before answering; the count includes the warm-up's.
        stored >= result.ok,
    )


def _upwatch_run(procs: Processes, work: Path, mode: str, seconds: int) -> _PingRun:
    intake = run_intake(procs, work, mode, seconds)
    return _PingRun(
        "Upwatch `serve` (SQLite)" if mode == "serve" else "Upwatch fleet api (PostgreSQL + Redis)",
        intake.result,
        intake.intake_cpu_ms_per_ping(),
        intake.total_cpu_ms_per_ping(),
        intake.stored,
        intake.durable,
    )


def run_benchmark(options: Options) -> Section:
    section = Section("Peers side by side")
    seconds = 10 if options.quick else 30
    if options.healthchecks is None:
        section.skipped.append("healthchecks.io: no --healthchecks PATH given")
    else:
        _healthchecks(options.healthchecks, seconds, section)
    if options.uptime_kuma is None:
        section.skipped.append("Uptime Kuma: no --uptime-kuma PATH given")
    elif options.quick:
        _uptime_kuma(options.uptime_kuma, KUMA_MONITORS_QUICK, 40, section)
    else:
        _uptime_kuma(options.uptime_kuma, KUMA_MONITORS, 120, section)
    return section


def _uptime_kuma(path: Path, monitors: int, seconds: int, section: Section) -> None:
    """Kuma and Upwatch's `serve`, one after the other, checking the same page as often: CPU
    per check, from each process's CPU over a window and the checks each stored in it."""
    root = server_script(path)
    if root is None:
        section.skipped.append(f"Uptime Kuma: no server/server.js in {path}")
        return
    with (
        tempfile.TemporaryDirectory(prefix="upwatch-bench-kuma-") as tmp,
        Processes(Path(tmp)) as procs,
    ):
        work = Path(tmp)
        nginx = start_nginx(procs, work, workers=1)
        kuma = UptimeKuma(procs, root, work / "kuma")
        kuma.start()
        kuma.add_monitors(monitors, nginx.url, KUMA_INTERVAL, CHECK_TIMEOUT)
        # Every monitor reports once per start delay (up to 1 s each), then runs an interval.
        kuma.wait_all_reporting(monitors, timeout=monitors * 1.2 + 60)
        kuma_role = Role("uptime-kuma", root=procs.children["uptime-kuma"].pid)
        start, end = _window(kuma_role, seconds, procs)
        kuma_checks = kuma.heartbeats(start, end)
        kuma.stop()
        upwatch_role, upwatch_checks = _upwatch_serve_checks(
            procs, work, nginx.url, monitors, seconds
        )
    rows = []
    per_check = {}
    for name, role, outcomes in (
        ("Uptime Kuma", kuma_role, kuma_checks),
        ("Upwatch serve (SQLite)", upwatch_role, upwatch_checks),
    ):
        checks = sum(outcomes.values())
        per_check[name] = role.cpu_used() / max(checks, 1) * 1000
        rows.append(
            [
                name,
                f"{checks / seconds:,.1f} / {monitors / KUMA_INTERVAL:,.1f}",
                f"{per_check[name]:.3f}",
                f"{role.cpu_used() / seconds:.3f}",
                ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items())),
            ]
        )
    section.figures.append(
        Figure(
            "Uptime Kuma CPU per HTTP check",
            per_check["Uptime Kuma"],
            "ms",
            per_check["Upwatch serve (SQLite)"],
            "Upwatch serve, same monitors",
        )
    )
    section.tables.append(
        table(
            ["monitoring", "checks/s stored / due", "CPU ms per check", "CPU cores", "outcomes"],
            rows,
        )
    )
    section.method.append(
        f"Uptime Kuma {kuma_version(root)} at {root}: {monitors:,} HTTP monitors of one nginx "
        f"page every {KUMA_INTERVAL} s (timeout {CHECK_TIMEOUT} s, no retries) on SQLite, "
        "created through its socket.io API (one, then copied in its database while it is "
        f"stopped); measured once every monitor had reported, over {seconds} s. Then Upwatch's "
        "`serve` on SQLite with the same monitors, measured over the same length once each had "
        "run. CPU per check = the process tree's CPU in the window ÷ the checks it stored in "
        "the window (Kuma's heartbeats, Upwatch's results); the ratio is Kuma's over Upwatch's."
    )


def _window(role: Role, seconds: int, procs: Processes) -> tuple[datetime, datetime]:
    """``role``'s CPU over ``seconds`` from now; returns once the window's checks are stored."""
    sampler = Sampler([role]).start()
    start = datetime.now(UTC)
    procs.sleep_until(start + timedelta(seconds=seconds))
    sampler.stop()
    end = datetime.now(UTC)
    time.sleep(STORED_WITHIN_SECONDS)
    return start, end


def _upwatch_serve_checks(
    procs: Processes, work: Path, url: str, monitors: int, seconds: int
) -> tuple[Role, dict[str, int]]:
    upwatch = work / "upwatch"
    upwatch.mkdir()
    env = upwatch_env(upwatch)
    migrate(env)
    database = sqlite_url(upwatch)
    config = {"kind": "http", "url": url, "interval": KUMA_INTERVAL, "timeout": CHECK_TIMEOUT}
    asyncio.run(insert_monitors(database, monitors, [Kind(1, config)]))
    start_serve(procs, env)
    first_due = datetime.now(UTC) + timedelta(seconds=5)
    asyncio.run(schedule_monitors(database, monitors, first_slots(KUMA_INTERVAL, first_due)))
    # The window opens once every monitor has run once.
    procs.sleep_until(first_due + timedelta(seconds=KUMA_INTERVAL))
    role = Role("serve", root=procs.children["serve"].pid)
    start, end = _window(role, seconds, procs)
    found = asyncio.run(results_in_window(database, start, end))
    procs.stop("serve")
    return role, found.outcomes
