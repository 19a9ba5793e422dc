"""Fault tests run real role processes and break them; each is bounded in time."""

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from aiohttp import web

from tests.e2e.fleet import Fleet

pytestmark = pytest.mark.e2e


Json = dict[str, object]


async def results_by_monitor(fleet: Fleet, token: str) -> list[tuple[Json, list[Json]]]:
    """Every monitor with its results."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=fleet.api_url, headers=headers, timeout=10) as api:
        monitors = (await api.get("/api/v1/monitors", params={"limit": 1000})).json()["items"]
        found = []
        for monitor in monitors:
            url = f"/api/v1/monitors/{monitor['id']}/results"
            found.append((monitor, (await api.get(url, params={"limit": 1000})).json()["items"]))
        return found


def scheduled_times(results: list[Json]) -> list[datetime]:
    return sorted(datetime.fromisoformat(str(r["scheduled_at"])) for r in results)


def gaps(results: list[Json]) -> list[float]:
    """Seconds between consecutive scheduled checks of one monitor, oldest first."""
    return [(b - a).total_seconds() for a, b in itertools.pairwise(scheduled_times(results))]


@pytest.fixture
async def slow_target() -> AsyncIterator[str]:
    """A target that takes 2 s to answer, so a batch is in flight long enough to be killed."""

    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/"
    await runner.cleanup()
