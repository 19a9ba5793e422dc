"""The core scenario on the fleet: api + 2 schedulers + 2 workers, with each real broker."""

import asyncio
import json
import os
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import free_port
from tests.e2e.fleet import Fleet, fleet
from tests.e2e.test_serve import target, wait_for
from tests.receivers import Receiver

pytestmark = pytest.mark.e2e
INTERVAL = 10


def start_roles(fleet: Fleet) -> None:
    fleet.start_api()
    for n in (1, 2):
        fleet.start(f"scheduler-{n}", "scheduler")
        fleet.start(f"worker-{n}", "worker", "--concurrency=1")


async def scenario(fleet: Fleet, receiver: Receiver) -> None:
    port = free_port()
    headers = {"Authorization": f"Bearer {fleet.token()}"}
    async with httpx.AsyncClient(base_url=fleet.api_url, headers=headers, timeout=10) as api:

        async def status_is(url: str, expected: str) -> bool:
            return bool((await api.get(url)).json()["status"] == expected)

        channel = await api.post(
            "/api/v1/channels",
            json={
                "name": "hook",
                "kind": "webhook",
                "url": receiver.url("/hook"),
                "secret": "s" * 32,
            },
        )
        assert channel.status_code == 201, channel.text
        async with target(port):
            created = await api.post(
                "/api/v1/monitors",
                json={
                    "name": "target",
                    "kind": "http",
                    "url": f"http://127.0.0.1:{port}/health",
                    "interval": INTERVAL,
                    "timeout": 2,
                    "channels": [channel.json()["id"]],
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

        # Two schedulers claim, two workers send from the notify queue: each event arrives once.
        async def both_events_arrived() -> bool:
            return len(receiver.requests) >= 2

        await wait_for(both_events_arrived, within=20, what="the down and up alerts")
        await asyncio.sleep(2)  # room for a duplicate to show up, if there were one
        events = [json.loads(r.body)["event"] for r in receiver.requests]
        assert events == ["down", "up"]

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
    broker: str, request: pytest.FixtureRequest, tmp_path: Path, receiver: Receiver
) -> None:
    broker_url: str = request.getfixturevalue(broker)
    env = _aws_env() | {"UPWATCH_ALERT_GROUP_WAIT_SECONDS": "0"}
    with fleet(tmp_path, broker_url, **env) as running:
        start_roles(running)
        try:
            await scenario(running, receiver)
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
