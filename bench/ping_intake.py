"""Ping intake: pings/s, latency and CPU per ping with wrk, in `serve` and the fleet's api role."""

import asyncio
import tempfile
import time
from pathlib import Path

from bench.lib.monitors import Kind, insert_monitors
from bench.lib.proc import Processes
from bench.lib.report import Figure, Section, table
from bench.lib.results import count
from bench.lib.sampling import Role, Sampler
from bench.lib.services import (
    migrate,
    postgres_database,
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


def _load(
    base: str, script: Path, seconds: int, roles: list[Role]
) -> tuple[WrkResult, dict[str, float]]:
    sampler = Sampler(roles).start()
    try:
        result = wrk(
            f"{base}/", seconds=seconds, connections=CONNECTIONS, threads=THREADS, script=script
        )
    finally:
        sampler.stop()
    return result, {role.name: role.cpu_used() for role in roles}


def _stored_pings(url: str, at_least: int, wait: bool) -> int:
    """Pings in the database; in the fleet, wait for the workers to drain the queue."""
    deadline = time.monotonic() + (DRAIN_TIMEOUT if wait else 0)
    while True:
        stored = asyncio.run(count(url, "SELECT count(*) FROM pings"))
        if stored >= at_least or time.monotonic() > deadline:
            return stored
        time.sleep(1)


def run_benchmark(options: Options) -> Section:
    seconds = 10 if options.quick else 30
    section = Section("Ping intake: /ping/<token> under wrk")
    rows = []
    with tempfile.TemporaryDirectory(prefix="upwatch-bench-") as tmp, Processes(Path(tmp)) as procs:
        work = Path(tmp)
        nginx = start_nginx(procs, work, workers=1)
        reference = wrk(nginx.url, seconds=seconds, connections=CONNECTIONS, threads=THREADS)
        for mode in ("serve", "fleet"):
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
                base = (
                    start_serve(procs, env)
                    if mode == "serve"
                    else start_fleet(procs, env, schedulers=1)
                )
                started = [name for name in procs.children if name not in before]
                roles = [Role(name, root=procs.children[name].pid) for name in started]
                if pg_url:
                    roles.append(Role("postgres (all backends)", named="postgres"))
                script = ping_script(mode_work / "ping.lua", tokens)
                # A short warm-up: first requests fill the token cache and the connection pools.
                wrk(f"{base}/", seconds=2, connections=8, script=script)
                result, cpu = _load(base, script, seconds, roles)
                stored_before_run = asyncio.run(count(url, "SELECT count(*) FROM pings"))
                stored = _stored_pings(url, result.ok, wait=mode == "fleet")
                for name in started:
                    procs.stop(name)
            intake_role = "serve" if mode == "serve" else "api"
            cpu_ms = cpu[intake_role] / max(result.ok, 1) * 1000
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
                    f"{stored:,} stored (incl. warm-up)",
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
                    f"{label}: CPU per ping ({intake_role})",
                    cpu_ms,
                    "ms",
                    target=0.5,
                    higher_is_better=False,
                ),
            ]
            durable = stored >= stored_before_run and stored >= result.ok
            if not durable:
                section.method.append(
                    f"{label}: only {stored:,} pings stored for {result.ok:,} answered 2xx."
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
