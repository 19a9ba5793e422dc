"""Alert fan-out: 1,000 heartbeats overdue at once, each with its own webhook, 200 ms receiver."""

import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bench.lib.proc import Processes
from bench.lib.report import Figure, Section, table
from bench.lib.results import count as count_rows
from bench.lib.services import (
    create_token,
    migrate,
    postgres_database,
    sqlite_url,
    start_fleet,
    start_redis,
    start_serve,
    upwatch_env,
)
from bench.lib.targets import Receiver, start_receiver
from bench.options import Options

NAME = "alerts"
RECEIVER_DELAY = 0.2
LEAD = 5.0  # seconds from setting the deadline to the deadline itself
GIVE_UP = 180.0


async def _create(base: str, token: str, receiver: Receiver, count: int) -> None:
    """Channels and heartbeat monitors through the API; then one ping each, so all are UP."""
    headers = {"Authorization": f"Bearer {token}"}
    slots = asyncio.Semaphore(8)
    async with aiohttp.ClientSession(headers=headers) as client:

        async def post(path: str, body: dict[str, object]) -> dict[str, object]:
            async with slots, client.post(f"{base}{path}", json=body) as response:
                if response.status != 201:
                    raise RuntimeError(f"POST {path}: {response.status} {await response.text()}")
                created: dict[str, object] = await response.json()
                return created

        async def one(n: int) -> None:
            channel = await post(
                "/api/v1/channels",
                {
                    "name": f"hook-{n}",
                    "kind": "webhook",
                    "url": receiver.url(f"/hook/{n}"),
                    "secret": "bench-webhook-secret-0123456789",
                },
            )
            await post(
                "/api/v1/monitors",
                {
                    "name": f"job-{n}",
                    "kind": "heartbeat",
                    "period": 3600,
                    "grace": 60,
                    "channels": [channel["id"]],
                },
            )

        await asyncio.gather(*(one(n) for n in range(count)))


async def _ping_all(base: str, tokens: list[str]) -> None:
    slots = asyncio.Semaphore(16)
    async with aiohttp.ClientSession() as client:

        async def ping(token: str) -> None:
            async with slots, client.post(f"{base}/ping/{token}") as response:
                response.raise_for_status()

        await asyncio.gather(*(ping(t) for t in tokens))


async def _bare_fanout(receiver: Receiver, count: int) -> float:
    """The floor: the same POSTs to the same receiver, all at once, with nothing else."""
    started = time.time()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as client:

        async def post(n: int) -> None:
            async with client.post(receiver.url(f"/bare/{n}"), json={"n": n}) as response:
                await response.read()

        await asyncio.gather(*(post(n) for n in range(count)))
    arrivals = [at for path, at in receiver.arrivals() if path.startswith("/bare/")]
    return max(arrivals) - started


def _run(
    mode: str, work: Path, procs: Processes, receiver: Receiver, count: int
) -> tuple[float, float, int, int]:
    with postgres_database("alerts") if mode == "fleet" else _no_database() as pg_url:
        url = pg_url or sqlite_url(work)
        settings = {"broker_url": start_redis(procs, work)} if mode == "fleet" else {}
        env = upwatch_env(work, database_url=pg_url, **settings)
        migrate(env)
        before = set(procs.children)
        base = start_serve(procs, env) if mode == "serve" else start_fleet(procs, env)
        try:
            token = create_token(env)
            asyncio.run(_create(base, token, receiver, count))
            tokens = asyncio.run(_tokens(url))
            asyncio.run(_ping_all(base, tokens))
            _wait(lambda: _count(url, "up") >= count, 60, procs)
            receiver.reset()
            deadline = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=LEAD + 1)
            asyncio.run(_set_deadline(url, deadline))
            all_down = all_delivered = float("nan")
            give_up = time.monotonic() + GIVE_UP
            while time.monotonic() < give_up and (
                all_down != all_down or all_delivered != all_delivered
            ):
                procs.ensure_running()
                now = time.time()
                if all_down != all_down and _count(url, "down") >= count:
                    all_down = now - deadline.timestamp()
                if all_delivered != all_delivered:
                    hooks = {path for path, _ in receiver.arrivals() if path.startswith("/hook/")}
                    if len(hooks) >= count:
                        arrivals = [
                            at for path, at in receiver.arrivals() if path.startswith("/hook/")
                        ]
                        all_delivered = max(arrivals) - deadline.timestamp()
                time.sleep(0.1)
            down = _count(url, "down")
            delivered = len({p for p, _ in receiver.arrivals() if p.startswith("/hook/")})
        finally:
            for name in [n for n in procs.children if n not in before]:
                procs.stop(name)
    return all_down, all_delivered, down, delivered


def _wait(condition: object, timeout: float, procs: Processes) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        procs.ensure_running()
        if time.monotonic() > deadline:
            raise RuntimeError("heartbeats did not all become UP after their first ping")
        time.sleep(0.2)


def _count(url: str, status: str) -> int:
    return asyncio.run(
        count_rows(
            url,
            "SELECT count(*) FROM monitors WHERE kind = 'heartbeat' AND status = :status",
            status=status,
        )
    )


async def _set_deadline(url: str, deadline: datetime) -> None:
    """One statement: every heartbeat overdue at the same instant."""
    from sqlalchemy import update

    from upwatch.store.database import create_engine
    from upwatch.store.tables import MonitorRow
    from upwatch.store.urls import to_async_url

    engine = create_engine(to_async_url(url))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                update(MonitorRow)
                .where(MonitorRow.kind == "heartbeat")
                .values(deadline_at=deadline)
            )
    finally:
        await engine.dispose()


async def _tokens(url: str) -> list[str]:
    from sqlalchemy import text

    from upwatch.store.database import create_engine
    from upwatch.store.urls import to_async_url

    engine = create_engine(to_async_url(url))
    try:
        async with engine.connect() as connection:
            return list(
                await connection.scalars(
                    text("SELECT ping_token FROM monitors WHERE kind = 'heartbeat'")
                )
            )
    finally:
        await engine.dispose()


def _group_wait() -> str:
    from upwatch.settings import Settings

    wait = getattr(Settings(), "alert_group_wait_seconds", None)
    return "absent (no grouping)" if wait is None else f"{wait:g} s"


class _no_database:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


def run_benchmark(options: Options) -> Section:
    count = 1_000
    section = Section(
        f"Alert fan-out: {count:,} heartbeats overdue at once, "
        f"{RECEIVER_DELAY * 1000:.0f} ms receiver"
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="upwatch-bench-") as tmp, Processes(Path(tmp)) as procs:
        receiver = start_receiver(procs, delay=RECEIVER_DELAY)
        floor = asyncio.run(_bare_fanout(receiver, count))
        for mode in ("serve", "fleet"):
            work = Path(tmp) / mode
            work.mkdir()
            try:
                all_down, all_delivered, down, delivered = _run(mode, work, procs, receiver, count)
            except Exception as exc:
                section.skipped.append(f"{mode}: failed: {type(exc).__name__}: {str(exc)[:1000]}")
                continue
            label = "serve (SQLite)" if mode == "serve" else "fleet (PostgreSQL + Redis)"
            rows.append(
                [label, f"{all_down:.2f}", f"{all_delivered:.2f}", f"{down:,}", f"{delivered:,}"]
            )
            section.figures += [
                Figure(
                    f"{label}: all DOWN after the deadline",
                    all_down,
                    "s",
                    target=2,
                    higher_is_better=False,
                ),
                Figure(
                    f"{label}: all {count:,} webhooks delivered after the deadline",
                    all_delivered,
                    "s",
                    floor,
                    "bare aiohttp, all at once",
                    target=10,
                    higher_is_better=False,
                ),
            ]
    section.tables.append(
        table(["setup", "all DOWN (s)", "all delivered (s)", "DOWN", "delivered"], rows)
    )
    section.method = [
        f"{count:,} webhook channels and {count:,} heartbeat monitors (period 1 h, grace 60 s, "
        "one channel each) created through the API, pinged once each so they are UP; then one "
        f"UPDATE gives them all the same deadline, {LEAD + 1:.0f} s ahead.",
        "Times are from that deadline: until the database shows all of them DOWN (polled every "
        "0.1 s, so up to 0.1 s late) and until the receiver has had a request on each of the "
        f"{count:,} hook paths. The receiver (aiohttp) takes {RECEIVER_DELAY * 1000:.0f} ms per "
        "request.",
        "Reference: the same receiver getting the same number of POSTs at once from a bare "
        "aiohttp client, in the same run.",
        f"Upwatch's default settings, including UPWATCH_ALERT_GROUP_WAIT_SECONDS = "
        f"{_group_wait()}, which holds back only alerts to a channel that several monitors "
        "alert (waiting for company to group with): none here, one channel per monitor.",
        "The fleet is api + 2 schedulers + 2 workers (PostgreSQL and a Redis of the benchmark's "
        "own).",
    ]
    return section
