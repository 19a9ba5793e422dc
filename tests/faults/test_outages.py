"""Outages of what the fleet depends on, and SIGTERM under load: nothing lost, nothing restarted.

- PostgreSQL (a throwaway server) down for 30 s: pings still answer 200 and all land once.
- The broker (a throwaway redis-server) killed and restarted: every role reconnects by itself.
- SIGTERM to the api and a worker during load: both exit cleanly within ECS's 30 s, and every
  ping answered 200 lands once.
"""

import asyncio
import itertools
import re
import secrets
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
import redis
from aiohttp import web

from tests.e2e.fleet import Fleet, fleet
from tests.faults.conftest import Json, gaps, results_by_monitor, scheduled_times
from tests.faults.servers import ThrowawayPostgres, ThrowawayRedis, throwaway_postgres
from tests.faults.servers import throwaway_redis as start_throwaway_redis
from upwatch.worker.celery_app import QUEUES, TASK_RUN_CHECKS

pytestmark = pytest.mark.e2e
OUTAGE = 30.0
ECS_STOP_TIMEOUT = 30.0


@pytest.fixture
def postgres_server() -> Iterator[ThrowawayPostgres]:
    with throwaway_postgres() as server:
        yield server


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    with start_throwaway_redis(tmp_path) as server:
        yield server


@pytest.fixture
def broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A Redis broker no other test run can touch: a redis-server of the test's own where one
    is installed. A database of the shared server is not enough when several runs share this
    machine: another run's fixture may flush it, or its workers take these messages."""
    if shutil.which("redis-server") is None:
        shared: str = request.getfixturevalue("redis_broker")
        yield shared
        return
    with start_throwaway_redis(tmp_path) as server:
        yield server.url


@dataclass
class Target:
    """An HTTP target on 127.0.0.1 that answers after ``delay`` seconds; tests change it."""

    url: str = ""
    delay: float = 0.0


@pytest.fixture
async def target() -> AsyncIterator[Target]:
    found = Target()

    async def answer(_: web.Request) -> web.Response:
        await asyncio.sleep(found.delay)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    found.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/"  # type: ignore[union-attr]
    yield found
    await runner.cleanup()


@contextmanager
def logs_on_failure(running: Fleet) -> Iterator[None]:
    try:
        yield
    except BaseException:
        for name in running.processes:
            print(f"===== {name}\n{running.log(name)[-6000:]}")
        raise


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"not {what} within {within} s")


def start_roles(running: Fleet, *, worker_concurrency: int = 1) -> str:
    """api, one scheduler and one worker; returns an API token."""
    running.start_api()
    token = running.token()
    running.start("scheduler", "scheduler")
    running.start("worker", "worker", f"--concurrency={worker_concurrency}")
    return token


def client(running: Fleet, token: str) -> httpx.AsyncClient:
    # Longer than the api's own 10 s limit on a durable enqueue, so it is the api that answers.
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.AsyncClient(base_url=running.api_url, headers=headers, timeout=20)


async def create(api: httpx.AsyncClient, **monitor: object) -> Json:
    created = await api.post("/api/v1/monitors", json=monitor)
    assert created.status_code == 201, created.text
    body: Json = created.json()
    return body


def heartbeat(name: str) -> dict[str, object]:
    # Long period and grace: the monitor stays up and only its pings matter here.
    return {"name": name, "kind": "heartbeat", "period": 3600, "grace": 600}


def ping_path(monitor: Json) -> str:
    return "/ping/" + str(monitor["ping_url"]).rsplit("/", 1)[-1]


class Pings:
    """Pings sent with a unique body each, and which monitor each one that got a 200 is for."""

    def __init__(self, api: httpx.AsyncClient) -> None:
        self._api = api
        self._serial = itertools.count()
        self.accepted: dict[str, int] = {}
        self.refused: Counter[int] = Counter()

    async def send(self, monitor: Json, label: str) -> int:
        body = f"{label}-{next(self._serial)}"
        answer = await self._api.post(ping_path(monitor), content=body.encode())
        if answer.status_code == 200:
            self.accepted[body] = int(str(monitor["id"]))
        else:
            self.refused[answer.status_code] += 1
        return answer.status_code


async def stored_pings(running: Fleet) -> list[tuple[str, int, str]]:
    """(body, monitor id, intake id) of every ping row in the fleet's database."""
    connection = await asyncpg.connect(running.database_url, timeout=5)
    try:
        rows = await connection.fetch("SELECT body, monitor_id, intake_id FROM pings")
    finally:
        await connection.close()
    return [(row["body"], row["monitor_id"], row["intake_id"]) for row in rows]


def broker_backlog(running: Fleet) -> dict[str, int]:
    """Messages waiting in each Redis queue, and delivered but unacknowledged ones."""
    url = running.env["UPWATCH_BROKER_URL"]
    if not url.startswith("redis://"):
        return {}
    broker = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        found = {queue: int(broker.llen(queue)) for queue in QUEUES}
        found["unacked"] = int(broker.hlen("unacked"))
        return found
    except redis.RedisError:
        return {}
    finally:
        broker.close()


async def assert_each_landed_once(running: Fleet, pings: Pings, *, within: float) -> None:
    async def all_landed() -> bool:
        return set(pings.accepted) <= {body for body, _, _ in await stored_pings(running)}

    try:
        await eventually(all_landed, within=within, what="every accepted ping stored")
    finally:
        stored = await stored_pings(running)
        missing = set(pings.accepted) - {body for body, _, _ in stored}
        print(
            f"{len(pings.accepted)} pings accepted, {len(stored)} stored, {len(missing)} missing "
            f"{sorted(missing)[:20]}; broker: {broker_backlog(running)}"
        )
    by_body = Counter(body for body, _, _ in stored)
    assert set(by_body) == set(pings.accepted), set(by_body) ^ set(pings.accepted)
    assert all(count == 1 for count in by_body.values()), by_body.most_common(3)
    assert len({intake_id for _, _, intake_id in stored}) == len(stored)
    assert {body: monitor_id for body, monitor_id, _ in stored} == pings.accepted


async def checked_since(api: httpx.AsyncClient, monitors: list[Json], moment: datetime) -> bool:
    """Whether every one of the monitors has a check scheduled after ``moment`` stored."""
    for monitor in monitors:
        url = f"/api/v1/monitors/{monitor['id']}/results"
        answer = await api.get(url, params={"limit": 1000})
        if answer.status_code != 200:
            return False
        times = [
            datetime.fromisoformat(result["scheduled_at"]) for result in answer.json()["items"]
        ]
        if not any(at > moment for at in times):
            return False
    return True


async def batch_in_flight(running: Fleet, name: str, *, within: float) -> str:
    """The id of a check batch the worker has been running for a moment, from its log."""
    deadline = time.monotonic() + within
    seen: dict[str, float] = {}
    while time.monotonic() < deadline:
        events = re.findall(
            rf"Task {re.escape(TASK_RUN_CHECKS)}\[([0-9a-f-]+)\] (\w+)", running.log(name)
        )
        running_now = {task for task, what in events if what == "received"} - {
            task for task, what in events if what != "received"
        }
        now = time.monotonic()
        seen = {task: seen.get(task, now) for task in running_now}
        for task, since in seen.items():
            if now - since >= 0.3:
                return task
        await asyncio.sleep(0.1)
    raise AssertionError(f"no check batch in flight on {name} within {within} s")


@asynccontextmanager
async def unknown_token_storm(api: httpx.AsyncClient) -> AsyncIterator[Counter[int | str]]:
    """Pings with tokens no cache holds, so each asks the database: sent through a transition
    (PostgreSQL shutting down or starting up), each must get 200 (queued) or 404 (unknown)."""
    answers: Counter[int | str] = Counter()
    done = asyncio.Event()

    async def send() -> None:
        while not done.is_set():
            try:
                answer = await api.post(f"/ping/{secrets.token_urlsafe(16)}")
            except httpx.TransportError as exc:  # e.g. the api dropped the connection
                answers[type(exc).__name__] += 1
            else:
                answers[answer.status_code] += 1

    senders = [asyncio.create_task(send()) for _ in range(16)]
    try:
        yield answers
        await asyncio.sleep(0.5)
    finally:
        done.set()
        await asyncio.gather(*senders)


def assert_never_restarted(running: Fleet, started: dict[str, int]) -> None:
    exited = {name: p.returncode for name, p in running.processes.items() if p.poll() is not None}
    assert not exited, f"role processes exited: {exited}"
    assert {name: p.pid for name, p in running.processes.items()} == started


@pytest.mark.timeout(150)
async def test_postgresql_down_for_30_s_loses_no_ping_and_needs_no_restart(
    tmp_path: Path, broker: str, postgres_server: ThrowawayPostgres, target: Target
) -> None:
    with (
        fleet(tmp_path, broker, admin_url=postgres_server.admin_url) as running,
        logs_on_failure(running),
    ):
        async with client(running, start_roles(running)) as api:
            warm = await create(api, **heartbeat("warm"))
            cold = await create(api, **heartbeat("cold"))
            checked = await create(
                api, name="checked", kind="http", url=target.url, interval=10, timeout=2
            )
            before = datetime.now(UTC)
            await eventually(
                lambda: checked_since(api, [checked], before), within=20, what="checked"
            )
            pings = Pings(api)
            # The api now knows the warm token; it has never looked the cold one up.
            assert await pings.send(warm, "before") == 200
            started = {name: process.pid for name, process in running.processes.items()}

            # Pings asking the database while it shuts down, then while it starts up, meet
            # other errors than a refused connection: they must be queued all the same.
            async with unknown_token_storm(api) as while_stopping:
                await asyncio.to_thread(postgres_server.stop)
            try:
                outage_ends = time.monotonic() + OUTAGE
                while time.monotonic() < outage_ends:
                    # Concurrent pings share a broker message (group commit).
                    *codes, readiness, health = await asyncio.gather(
                        pings.send(warm, "warm"),
                        pings.send(warm, "warm"),
                        pings.send(cold, "cold"),
                        api.get("/ready"),
                        api.get("/health"),
                    )
                    assert codes == [200, 200, 200], (codes, pings.refused)
                    assert readiness.status_code == 503, readiness.text
                    assert health.status_code == 200, health.text
                    await asyncio.sleep(0.3)
                # A token nobody knows is queued too while nobody can tell (the worker drops it).
                unknown = await api.post(f"/ping/{secrets.token_urlsafe(16)}", content=b"unknown")
                assert unknown.status_code == 200, unknown.text
            finally:
                async with unknown_token_storm(api) as while_starting:
                    await asyncio.to_thread(postgres_server.start)
            print(f"pings while stopping: {while_stopping}, while starting: {while_starting}")
            assert set(while_stopping) <= {200, 404}, while_stopping
            assert set(while_starting) <= {200, 404}, while_starting
            restarted = datetime.now(UTC)
            outage_pings = len(pings.accepted) - 1
            assert outage_pings >= 90, outage_pings

            async def ready() -> bool:
                return (await api.get("/ready")).status_code == 200

            await eventually(ready, within=15, what="/ready 200 again")
            await assert_each_landed_once(running, pings, within=60)
            # The scheduler leads again and the worker writes checks again.
            await eventually(
                lambda: checked_since(api, [checked], restarted), within=20, what="checked again"
            )
        assert_never_restarted(running, started)


@pytest.mark.timeout(150)
async def test_every_role_reconnects_after_the_broker_restarts(
    tmp_path: Path, redis_server: ThrowawayRedis, target: Target
) -> None:
    with fleet(tmp_path, redis_server.url) as running, logs_on_failure(running):
        async with client(running, start_roles(running)) as api:
            checked = [
                await create(api, name=f"m{n}", kind="http", url=target.url, interval=10, timeout=2)
                for n in range(5)
            ]
            job = await create(api, **heartbeat("job"))
            pings = Pings(api)
            before = datetime.now(UTC)
            await eventually(lambda: checked_since(api, checked, before), within=20, what="checked")
            assert await pings.send(job, "before") == 200
            await assert_each_landed_once(running, pings, within=20)
            started = {name: process.pid for name, process in running.processes.items()}

            redis_server.kill()
            # A ping sent while the broker is away waits for it (at most the api's 10 s): it
            # gets a 200 only once it is enqueued, and must then land like any other.
            during = asyncio.create_task(pings.send(job, "during"))
            await asyncio.sleep(5)
            redis_server.start()
            restarted = datetime.now(UTC)
            for _ in range(10):
                assert await pings.send(job, "after") == 200, pings.refused
            assert await during in (200, 503)

            await assert_each_landed_once(running, pings, within=30)
            await eventually(
                lambda: checked_since(api, checked, restarted),
                within=30,
                what="every monitor checked after the restart",
            )
        assert_never_restarted(running, started)


@pytest.mark.timeout(150)
async def test_sigterm_under_load_loses_nothing_and_exits_within_30_s(
    tmp_path: Path, broker: str, target: Target
) -> None:
    interval, monitors = 10, 10
    target.delay = 2.0  # long enough for a batch to be in flight when SIGTERM comes
    # Celery logs each task received and finished at level info: that tells a batch in flight.
    with (
        fleet(tmp_path, broker, UPWATCH_LOG_LEVEL="info") as running,
        logs_on_failure(running),
    ):
        token = start_roles(running, worker_concurrency=2)
        async with client(running, token) as api:
            checked = [
                await create(
                    api, name=f"m{n}", kind="http", url=target.url, interval=interval, timeout=5
                )
                for n in range(monitors)
            ]
            job = await create(api, **heartbeat("job"))
            await eventually(
                lambda: checked_since(api, checked, datetime.min.replace(tzinfo=UTC)),
                within=30,
                what="first checks stored",
            )
            pings = Pings(api)
            api_gone = asyncio.Event()

            async def load() -> None:
                while not api_gone.is_set():
                    try:
                        await pings.send(job, "load")
                    except httpx.TransportError:  # the api has stopped accepting
                        await asyncio.sleep(0.05)

            senders = [asyncio.create_task(load()) for _ in range(8)]
            await asyncio.sleep(3)
            in_flight = await batch_in_flight(running, "worker", within=interval + 5)
            stopping = running.processes["api"], running.processes["worker"]
            signalled_at = datetime.now(UTC)
            began = time.monotonic()
            for process in stopping:
                process.send_signal(signal.SIGTERM)

            async def exit_after(process: subprocess.Popen[bytes]) -> float:
                await asyncio.to_thread(process.wait, ECS_STOP_TIMEOUT + 10)
                return time.monotonic() - began

            api_took, worker_took = await asyncio.gather(*map(exit_after, stopping))
            api_gone.set()
            await asyncio.gather(*senders)
        target.delay = 0.0
        print(f"api exited after {api_took:.1f} s, worker after {worker_took:.1f} s")
        assert api_took <= ECS_STOP_TIMEOUT
        assert worker_took <= ECS_STOP_TIMEOUT
        assert len(pings.accepted) >= 50, (len(pings.accepted), pings.refused)
        # uvicorn re-raises SIGTERM once it has shut down cleanly, after the lifespan drained
        # the ping publisher; Celery exits 0 after a warm shutdown.
        assert stopping[0].returncode in (0, -signal.SIGTERM), stopping[0].returncode
        assert "Application shutdown complete" in running.log("api")
        assert stopping[1].returncode == 0, stopping[1].returncode
        # The batch in flight at SIGTERM was finished, not abandoned.
        assert f"Task {TASK_RUN_CHECKS}[{in_flight}] succeeded" in running.log("worker")

        # A fresh api and worker drain the queue; the scheduler ran throughout.
        running.start_api("api-2")
        running.start("worker-2", "worker", "--concurrency=2")
        await assert_each_landed_once(running, pings, within=45)

        async def checks() -> list[tuple[Json, list[Json]]]:
            found = await results_by_monitor(running, token)
            return [(monitor, results) for monitor, results in found if monitor["kind"] == "http"]

        async def checked_twice_since_sigterm() -> bool:
            return all(
                sum(at > signalled_at for at in scheduled_times(results)) >= 2
                for _, results in await checks()
            )

        await eventually(checked_twice_since_sigterm, within=3 * interval, what="checks resumed")
        found = await checks()
        assert len(found) == monitors
        for monitor, results in found:
            times = scheduled_times(results)
            assert len(times) == len(set(times)), f"{monitor['name']} ran a check twice"
            # The first check runs at creation, then on the monitor's phase: from there on,
            # none is missing across the SIGTERM.
            assert all(gap == interval for gap in gaps(results)[1:]), (
                monitor["name"],
                gaps(results),
            )
