"""The core scenario on the fleet: api + 2 schedulers + 2 workers, with each real broker."""

import asyncio
import os
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import free_port
from tests.e2e.fleet import Fleet, fleet
from tests.e2e.test_serve import target, wait_for

pytestmark = pytest.mark.e2e
INTERVAL = 10


def start_roles(fleet: Fleet) -> None:
    fleet.start_api()
    for n in (1, 2):
        fleet.start(f"scheduler-{n}", "scheduler")
        fleet.start(f"worker-{n}", "worker", "--concurrency=1")


async def scenario(fleet: Fleet) -> None:
    port = free_port()
    headers = {"Authorization": f"Bearer {fleet.token()}"}
    async with httpx.AsyncClient(base_url=fleet.api_url, headers=headers, timeout=10) as api:

        async def status_is(url: str, expected: str) -> bool:
            return bool((await api.get(url)).json()["status"] == expected)

        async with target(port):
            created = await api.post(
                "/api/v1/monitors",
                json={
                    "name": "target",
                    "kind": "http",
                    "url": f"http://127.0.0.1:{port}/health",
                    "interval": INTERVAL,
                    "timeout": 2,
                },
            )
            assert created.status_code == 201, created.text
            url = f"/api/v1/monitors/{created.json()['id']}"
            await wait_for(lambda: status_is(url, "up"), within=INTERVAL + 15, what="up")
        await wait_for(lambda: status_is(url, "down"), within=INTERVAL + 10, what="down")
        assert len((await api.get("/api/v1/incidents", params={"open": True})).json()["items"]) == 1
        async with target(port):
            await wait_for(lambda: status_is(url, "up"), within=INTERVAL + 10, what="up again")
        (incident,) = (await api.get("/api/v1/incidents")).json()["items"]
        assert incident["resolved_at"] is not None

        heartbeat = (
            await api.post(
                "/api/v1/monitors",
                json={"name": "job", "kind": "heartbeat", "period": 10, "grace": 2},
            )
        ).json()
        hb_url = f"/api/v1/monitors/{heartbeat['id']}"
        for _ in range(5):
            assert (await api.post(heartbeat["ping_url"], content=b"ok")).status_code == 200
        await wait_for(lambda: status_is(hb_url, "up"), within=10, what="heartbeat up")
        await wait_for(lambda: status_is(hb_url, "down"), within=20, what="heartbeat down")

        results = (await api.get(f"{url}/results", params={"limit": 1000})).json()["items"]
        scheduled = [r["scheduled_at"] for r in results]
        assert len(scheduled) == len(set(scheduled)), "a check ran twice"


@pytest.mark.parametrize("broker", ["redis_broker", "rabbitmq_broker", "sqs_broker"])
async def test_the_core_scenario_on_the_fleet(
    broker: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    broker_url: str = request.getfixturevalue(broker)
    with fleet(tmp_path, broker_url, **_aws_env()) as running:
        start_roles(running)
        try:
            await scenario(running)
        except AssertionError:
            for name in running.processes:
                print(f"===== {name}\n{running.log(name)[-4000:]}")
            raise
        leaders = [
            name for name in running.processes if "this scheduler leads" in running.log(name)
        ]
        assert len(leaders) == 1
        started = time.monotonic()
        for name in list(running.processes):
            running.stop(name)
        assert time.monotonic() - started < 60
    await asyncio.sleep(0)


def _aws_env() -> dict[str, str]:
    return {
        name: os.environ[name]
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")
        if name in os.environ
    } | {"AWS_EC2_METADATA_DISABLED": "true"}
