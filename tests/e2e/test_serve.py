"""`upwatch serve` end to end: real process, real target, real time."""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web

from tests.e2e.conftest import Upwatch, free_port
from tests.receivers import Receiver
from upwatch.notifiers.webhook_signature import verify_signature

pytestmark = pytest.mark.e2e
INTERVAL, RETRIES, TIMEOUT = 10, 0, 2
# A check fails within one interval of the target going away, plus the probe timeout,
# plus a scheduler tick and a sink flush.
DOWN_WITHIN = INTERVAL * (RETRIES + 1) + TIMEOUT + 3


@contextlib.asynccontextmanager
async def target(port: int) -> AsyncIterator[None]:
    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/health", health)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield
    finally:
        await runner.cleanup()


async def token_of(upwatch: Upwatch) -> str:
    created = await asyncio.to_thread(upwatch.cli, "token", "create", "--name", "e2e")
    assert created.returncode == 0, created.stderr
    return created.stdout.strip().splitlines()[-1]


async def wait_for(check: Callable[[], Awaitable[bool]], *, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"not {what} within {within} s")


async def test_down_opens_one_incident_and_recovery_resolves_it(upwatch: Upwatch) -> None:
    port = free_port()
    async with upwatch.client(await token_of(upwatch)) as api:

        async def status_is(expected: str) -> bool:
            return bool((await api.get(url)).json()["status"] == expected)

        async with target(port):
            created = await api.post(
                "/api/v1/monitors",
                json={
                    "name": "target",
                    "kind": "http",
                    "url": f"http://127.0.0.1:{port}/health",
                    "interval": INTERVAL,
                    "retries": RETRIES,
                    "timeout": TIMEOUT,
                    "json_assertions": [{"path": "$.status", "equals": "ok"}],
                },
            )
            assert created.status_code == 201, created.text
            url = f"/api/v1/monitors/{created.json()['id']}"
            await wait_for(lambda: status_is("up"), within=10, what="up")

        stopped_at = time.monotonic()
        await wait_for(lambda: status_is("down"), within=DOWN_WITHIN, what="down")
        assert time.monotonic() - stopped_at <= DOWN_WITHIN
        incidents = (await api.get("/api/v1/incidents", params={"open": True})).json()["items"]
        assert len(incidents) == 1
        assert "refused" in incidents[0]["cause"]["error"].lower()

        async with target(port):
            await wait_for(lambda: status_is("up"), within=INTERVAL + 5, what="up again")
        (incident,) = (await api.get("/api/v1/incidents")).json()["items"]
        assert incident["resolved_at"] is not None

        metrics = (await api.get("/metrics")).text
        assert 'upwatch_checks_total{kind="http",outcome="down"}' in metrics


async def test_heartbeat_stays_up_while_pinged_and_goes_down_after_period_plus_grace(
    upwatch: Upwatch,
) -> None:
    period, grace = 10, 3
    async with upwatch.client(await token_of(upwatch)) as api:
        created = (
            await api.post(
                "/api/v1/monitors",
                json={"name": "job", "kind": "heartbeat", "period": period, "grace": grace},
            )
        ).json()
        ping_url = created["ping_url"]
        url = f"/api/v1/monitors/{created['id']}"

        async def status_is(expected: str) -> bool:
            return bool((await api.get(url)).json()["status"] == expected)

        for _ in range(3):
            assert (await api.post(ping_url, content=b"backup ok")).status_code == 200
            assert await status_is("up")
            await asyncio.sleep(period / 2)
        last_ping = time.monotonic() - period / 2
        await wait_for(lambda: status_is("down"), within=period + grace + 3, what="down")
        assert time.monotonic() - last_ping >= period + grace - 1
        assert (await api.get(f"{ping_url}/0")).status_code == 200
        assert await status_is("up")


async def test_an_outage_sends_one_signed_alert_per_channel_and_one_recovery(
    upwatch: Upwatch, receiver: Receiver
) -> None:
    port = free_port()
    secret = "an-end-to-end-webhook-secret"
    async with upwatch.client(await token_of(upwatch)) as api:
        channel = await api.post(
            "/api/v1/channels",
            json={"name": "ops", "kind": "webhook", "url": receiver.url("/hook"), "secret": secret},
        )
        assert channel.status_code == 201, channel.text
        async with target(port):
            created = await api.post(
                "/api/v1/monitors",
                json={
                    "name": "shop",
                    "kind": "http",
                    "url": f"http://127.0.0.1:{port}/health",
                    "interval": INTERVAL,
                    "timeout": TIMEOUT,
                    "channels": [channel.json()["id"]],
                },
            )
            url = f"/api/v1/monitors/{created.json()['id']}"

            async def status_is(expected: str) -> bool:
                return bool((await api.get(url)).json()["status"] == expected)

            await wait_for(lambda: status_is("up"), within=10, what="up")

        async def alerts(count: int) -> bool:
            return len(receiver.requests) >= count

        await wait_for(lambda: alerts(1), within=DOWN_WITHIN + 3, what="alerted")
        async with target(port):
            await wait_for(lambda: alerts(2), within=INTERVAL + 8, what="told of recovery")
        await asyncio.sleep(2)

        events = [json.loads(r.body) for r in receiver.requests]
        assert [e["event"] for e in events] == ["down", "up"]
        assert events[0]["monitor"]["name"] == "shop"
        assert events[1]["downtime_seconds"] > 0
        assert all(
            verify_signature(
                secret,
                r.headers["X-Upwatch-Timestamp"],
                r.body,
                r.headers["X-Upwatch-Signature"],
                now=time.time(),
            )
            for r in receiver.requests
        )
        log = (await api.get("/api/v1/deliveries")).json()["items"]
        assert [(d["event"], d["status"]) for d in log] == [("up", "sent"), ("down", "sent")]
