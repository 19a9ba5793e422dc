"""Killed workers and schedulers: no check lost, none run twice, a standby takes over."""

import asyncio
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from tests.e2e.fleet import Fleet, fleet
from tests.faults.conftest import gaps, results_by_monitor, scheduled_times

pytestmark = pytest.mark.e2e
INTERVAL = 10
MONITORS = 30


async def create_monitors(fleet: Fleet, token: str, url: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=fleet.api_url, headers=headers, timeout=10) as api:
        for n in range(MONITORS):
            body = {"name": f"m{n}", "kind": "http", "url": url, "interval": INTERVAL, "timeout": 5}
            assert (await api.post("/api/v1/monitors", json=body)).status_code == 201


async def wait_for_leader(fleet: Fleet, *, within: float, other_than: str | None = None) -> str:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        leader = fleet.leader()
        if leader and leader != other_than:
            return leader
        await asyncio.sleep(0.2)
    raise AssertionError(f"no scheduler led within {within} s")


async def test_a_worker_killed_mid_batch_loses_no_check_and_doubles_none(
    tmp_path: Path, redis_broker: str, slow_target: str
) -> None:
    with fleet(tmp_path, redis_broker, UPWATCH_BROKER_VISIBILITY_TIMEOUT="15") as running:
        running.start_api()
        token = running.token()
        running.start("scheduler", "scheduler")
        running.start("worker-doomed", "worker", "--concurrency=1")
        await wait_for_leader(running, within=10)
        await create_monitors(running, token, slow_target)
        await asyncio.sleep(1)  # the first batch is now in flight on the only worker
        running.kill("worker-doomed")
        running.start("worker-survivor", "worker", "--concurrency=1")
        # The killed batch comes back once its visibility timeout has passed.
        await asyncio.sleep(3 * INTERVAL + 15)

        monitors = await results_by_monitor(running, token)
        assert len(monitors) == MONITORS
        for monitor, checks in monitors:
            times = scheduled_times(checks)
            assert len(times) >= 3, monitor["name"]
            assert len(set(times)) == len(times), f"{monitor['name']} has a check twice"
            # The first check ran right at creation: that is the batch the killed worker held.
            created_at = datetime.fromisoformat(str(monitor["created_at"]))
            assert (times[0] - created_at).total_seconds() < 2, (monitor["name"], times[0])
            assert all(gap == INTERVAL for gap in gaps(checks)[1:]), gaps(checks)


async def test_a_standby_scheduler_leads_within_10_s_after_the_leader_is_killed(
    tmp_path: Path, redis_broker: str, slow_target: str
) -> None:
    with fleet(tmp_path, redis_broker) as running:
        running.start_api()
        token = running.token()
        for name in ("scheduler-a", "scheduler-b"):
            running.start(name, "scheduler")
        running.start("worker", "worker", "--concurrency=2")
        leader = await wait_for_leader(running, within=10)
        await create_monitors(running, token, slow_target)
        await asyncio.sleep(INTERVAL + 2)

        running.kill(leader)
        killed_at = time.monotonic()
        successor = await wait_for_leader(running, within=10, other_than=leader)
        assert time.monotonic() - killed_at <= 10
        assert successor != leader
        await asyncio.sleep(2 * INTERVAL + 5)

        for monitor, checks in await results_by_monitor(running, token):
            times = scheduled_times(checks)
            assert len(times) == len(set(times)), f"{monitor['name']} ran a check twice"
            # Nothing skipped beyond one interval across the takeover.
            assert all(gap <= 2 * INTERVAL for gap in gaps(checks)), (monitor["name"], gaps(checks))
            assert len(times) >= 3
