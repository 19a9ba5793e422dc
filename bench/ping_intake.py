"""Ping intake: pings/s, latency and CPU per ping with wrk, in `serve` and the fleet's api role."""

import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.lib.monitors import Kind, insert_monitors
from bench.lib.proc import Processes
from bench.lib.report import Figure, Section, table
from bench.lib.results import count
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
from bench.lib.targets import start_nginx
from bench.lib.wrk import WrkResult, wrk
from bench.options import Options

NAME = "pings"
HEARTBEATS = 1_000
CONNECTIONS, THREADS = 64, 2
DRAIN_TIMEOUT = 120.0


def ping_script(path: Path, tokens: list[str], prefix: str = "/ping/") -> Path:
    """A wrk script that POSTs to the tokens' ping URLs in turn."""
    listed = ",".join(f'"{token}"' for token in tokens)
    path.write_text(
        f"local tokens = {{{listed}}}\n"
        "local n = #tokens\n"
        "local i = math.random(n)\n"
        "request = function()\n"
        "  i = i % n + 1\n"
        f'  return wrk.format("POST", "{prefix}" .. tokens[i], '
        '{["Content-Type"] = "text/plain"}, "job output")\n'
        "end\n"
    )
    return path


def load(
    base: str, script: Path, seconds: int, roles: list[Role]
) -> tuple[WrkResult, dict[str, float]]:
    """The wrk ping load on ``base`` for ``seconds``, and each role's CPU seconds under it."""
    sampler = Sampler(roles).start()
    try:
        result = _ping_load(base, script, seconds)
    finally:
        cpu = sampler.stop()
    return result, cpu


def _ping_load(base: str, script: Path, seconds: int) -> WrkResult:
    return wrk(f"{base}/", seconds=seconds, connections=CONNECTIONS, threads=THREADS, script=script)


def ms_per_ping(cpu_seconds: float, result: WrkResult) -> float:
    """CPU milliseconds per ping answered 2xx."""
    return cpu_seconds / max(result.ok, 1) * 1000


def _stored_pings(url: str, at_least: int, wait: bool) -> int:
    """Pings in the database; in the fleet, wait for the workers to drain the queue."""
    deadline = time.monotonic() + (DRAIN_TIMEOUT if wait else 0)
    while True:
        stored = asyncio.run(count(url, "SELECT count(*) FROM pings"))
        if stored >= at_least or time.monotonic() > deadline:
            return stored
        time.sleep(1)


@dataclass
class IntakeRun:
    """One intake under the wrk ping load: wrk's report, CPU seconds per role while wrk ran and
    until every answered ping was stored (the fleet's workers drain the queue after wrk ends),
    and the pings stored as wrk ended and once drained."""

    mode: str
    result: WrkResult
    cpu: dict[str, float]
    cpu_until_stored: dict[str, float]
    stored: int
    stored_as_load_ended: int

    @property
    def intake_role(self) -> str:
        return "serve" if self.mode == "serve" else "api"

    def intake_cpu_ms_per_ping(self) -> float:
        """CPU of the intake role per ping answered 2xx, in ms."""
        return ms_per_ping(self.cpu[self.intake_role], self.result)

    def total_cpu_ms_per_ping(self) -> float:
        """CPU of every role measured, until the pings were stored, per ping answered 2xx."""
        return ms_per_ping(sum(self.cpu_until_stored.values()), self.result)

    @property
    def durable(self) -> bool:
        return self.stored >= self.stored_as_load_ended and self.stored >= self.result.ok


def run_intake(procs: Processes, work: Path, mode: str, seconds: int) -> IntakeRun:
    """Upwatch's ``serve`` (SQLite) or fleet (api, scheduler, workers on PostgreSQL and Redis)
    with ``HEARTBEATS`` heartbeat monitors, under the wrk ping load for ``seconds``."""
    mode_work = work / mode
    mode_work.mkdir()
    with postgres_database("pings") if mode == "fleet" else _nothing() as pg_url:
        url = pg_url or sqlite_url(mode_work)
        settings = {"broker_url": start_redis(procs, mode_work)} if mode == "fleet" else {}
        env = upwatch_env(mode_work, database_url=pg_url, **settings)
        migrate(env)
        tokens = asyncio.run(
            insert_monitors(
                url,
                HEARTBEATS,
                [Kind(1, {"kind": "heartbeat", "period": 86_400, "grace": 3_600})],
            )
        )
        before = set(procs.children)
        base = start_serve(procs, env) if mode == "serve" else start_fleet(procs, env, schedulers=1)
        started = [name for name in procs.children if name not in before]
        roles = [Role(name, root=procs.children[name].pid) for name in started]
        if pg_url:
            roles += [postgres_role(pg_url), Role("redis", root=procs.children["redis"].pid)]
        script = ping_script(mode_work / "ping.lua", tokens)
        # A short warm-up: first requests fill the token cache and the connection pools.
        wrk(f"{base}/", seconds=2, connections=8, script=script)
        sampler = Sampler(roles).start()
        try:
            result = _ping_load(base, script, seconds)
            cpu = sampler.read()
            stored_as_load_ended = asyncio.run(count(url, "SELECT count(*) FROM pings"))
            stored = _stored_pings(url, result.ok, wait=mode == "fleet")
        finally:
            cpu_until_stored = sampler.stop()
        for name in [*started, *(["redis"] if pg_url else [])]:
            procs.stop(name)
    return IntakeRun(mode, result, cpu, cpu_until_stored, stored, stored_as_load_ended)


def run_benchmark(options: Options) -> Section:
    seconds = 10 if options.quick else 30
    section = Section("Ping intake: /ping/<token> under wrk")
    rows = []
    with tempfile.TemporaryDirectory(prefix="upwatch-bench-") as tmp, Processes(Path(tmp)) as procs:
        work = Path(tmp)
        nginx = start_nginx(procs, work, workers=1)
        reference = wrk(nginx.url, seconds=seconds, connections=CONNECTIONS, threads=THREADS)
        for mode in ("serve", "fleet"):
            intake = run_intake(procs, work, mode, seconds)
            result, cpu = intake.result, intake.cpu
            cpu_ms = intake.intake_cpu_ms_per_ping()
            rows.append(
                [
                    f"`{mode}`" + (" (SQLite)" if mode == "serve" else " api (PostgreSQL + Redis)"),
                    f"{result.requests_per_second:,.0f}",
                    f"{result.p50_ms:.1f}",
                    f"{result.p99_ms:.1f}",
                    f"{cpu_ms:.3f}",
                    "; ".join(
                        f"{name} {seconds_used / result.seconds:.2f}"
                        for name, seconds_used in cpu.items()
                    ),
                    f"{result.ok:,} answered 2xx, {result.non_2xx:,} not, "
                    f"{result.socket_errors} socket errors; "
                    f"{intake.stored:,} stored (incl. warm-up)",
                ]
            )
            label = "serve" if mode == "serve" else "fleet api"
            section.figures += [
                Figure(
                    f"{label}: pings/s",
                    result.requests_per_second,
                    "pings/s",
                    reference.requests_per_second,
                    "nginx static page, same wrk load",
                    target=5000,
                ),
                Figure(
                    f"{label}: p99 latency",
                    result.p99_ms,
                    "ms",
                    reference.p99_ms,
                    "nginx",
                    target=50,
                    higher_is_better=False,
                ),
                Figure(
                    f"{label}: CPU per ping ({intake.intake_role})",
                    cpu_ms,
                    "ms",
                    target=0.5,
                    higher_is_better=False,
                ),
            ]
            if not intake.durable:
                section.method.append(
                    f"{label}: only {intake.stored:,} pings stored for {result.ok:,} answered 2xx."
                )
    section.tables.append(
        table(
            [
                "intake",
                "pings/s",
                "p50 ms",
                "p99 ms",
                "CPU ms per ping (intake role)",
                "CPU cores used per role",
                "answers and storage",
            ],
            rows,
        )
    )
    section.method = [
        f"wrk, {THREADS} threads, {CONNECTIONS} keep-alive connections, {seconds} s, a Lua script "
        f"POSTing a short body to /ping/<token> over {HEARTBEATS:,} heartbeat monitors in turn; "
        "2 s of warm-up first. wrk runs on the same 2 cores as Upwatch (nothing pinned).",
        "Reference: the same wrk load on a static nginx page (1 worker) in the same run.",
        "CPU per ping = CPU seconds of the intake role's process tree during the run ÷ pings "
        "answered 2xx. In the fleet the api role only enqueues; the workers' CPU to store the "
        "pings is listed beside it.",
        "Durability: pings in the database after the run (for the fleet, once the workers have "
        "drained the queue) must be at least the 2xx answers.",
        *section.method,
    ]
    return section


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None
