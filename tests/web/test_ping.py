import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.web.conftest import Api
from upwatch.store.tables import MonitorRow, PingRow


async def _heartbeat(api: Api) -> tuple[int, str]:
    response = await api.client.post(
        "/api/v1/monitors",
        json={"name": "nightly", "kind": "heartbeat", "period": 3600, "grace": 300},
        headers=await api.token(),
    )
    created: dict[str, Any] = response.json()
    return created["id"], created["ping_url"].removeprefix("https://upwatch.example")


async def _pings(api: Api) -> list[PingRow]:
    async with api.runtime.sessions() as session:
        return list((await session.scalars(select(PingRow).order_by(PingRow.id))).all())


async def _status(api: Api, monitor_id: int) -> str:
    async with api.runtime.sessions() as session:
        return (await session.get_one(MonitorRow, monitor_id)).status


@pytest.mark.parametrize("method", ["GET", "POST", "HEAD"])
async def test_a_ping_is_stored_before_the_answer(api: Api, method: str) -> None:
    monitor_id, path = await _heartbeat(api)
    response = await api.client.request(method, path, content=b"" if method != "POST" else b"ok")
    assert response.status_code == 200
    (ping,) = await _pings(api)
    assert (ping.kind, ping.method) == ("success", method)
    assert await _status(api, monitor_id) == "up"


async def test_start_fail_and_exit_codes(api: Api) -> None:
    monitor_id, path = await _heartbeat(api)
    assert (await api.client.post(f"{path}/start")).status_code == 200
    assert (await api.client.post(f"{path}/fail", content=b"boom")).status_code == 200
    assert await _status(api, monitor_id) == "down"
    assert (await api.client.get(f"{path}/0")).status_code == 200
    assert await _status(api, monitor_id) == "up"
    assert (await api.client.get(f"{path}/2")).status_code == 200
    assert (await api.client.get(f"{path}/256")).status_code == 400
    pings = await _pings(api)
    assert [(p.kind, p.exit_code) for p in pings] == [
        ("start", None),
        ("fail", None),
        ("success", 0),
        ("fail", 2),
    ]
    assert pings[1].body == "boom"
    assert pings[1].duration_s is not None


async def test_a_body_over_10_kb_is_truncated_and_says_so(api: Api) -> None:
    _, path = await _heartbeat(api)
    response = await api.client.post(path, content=b"l" * 50_000)
    assert response.status_code == 200
    assert "truncated" in response.text
    (ping,) = await _pings(api)
    assert (len(ping.body), ping.body_truncated) == (10_000, True)


async def test_unknown_tokens_are_404_and_deleted_monitors_stop_answering(api: Api) -> None:
    assert (await api.client.get("/ping/not-a-token")).status_code == 404
    monitor_id, path = await _heartbeat(api)
    assert (await api.client.get(path)).status_code == 200
    await api.client.delete(f"/api/v1/monitors/{monitor_id}", headers=await api.token())
    assert (await api.client.get(path)).status_code == 404


@pytest.mark.parametrize("token", ["%00", "short", "x" * 65, "bad%20token%20here%21%21"])
async def test_malformed_tokens_are_404_without_a_lookup(api: Api, token: str) -> None:
    assert (await api.client.get(f"/ping/{token}")).status_code == 404


@pytest.fixture
async def pings_refusing_a_poison_agent(database: AsyncEngine) -> AsyncIterator[None]:
    """The database itself refuses a ping row whose user agent is "poison"."""
    if database.dialect.name == "sqlite":
        create = (
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON pings WHEN NEW.user_agent = 'poison' "
            "BEGIN SELECT RAISE(ABORT, 'poisoned ping'); END"
        )
        drop = "DROP TRIGGER refuse_poison"
    else:
        create = (
            "ALTER TABLE pings ADD CONSTRAINT refuse_poison "
            "CHECK (user_agent IS DISTINCT FROM 'poison')"
        )
        drop = "ALTER TABLE pings DROP CONSTRAINT refuse_poison"
    async with database.begin() as connection:
        await connection.exec_driver_sql(create)
    yield
    async with database.begin() as connection:
        await connection.exec_driver_sql(drop)


@pytest.mark.usefixtures("pings_refusing_a_poison_agent")
async def test_a_ping_the_database_refuses_is_answered_500_and_the_rest_200(api: Api) -> None:
    monitor_id, path = await _heartbeat(api)
    agents = ["cron", "poison", "cron", "cron"]
    responses = await asyncio.gather(
        *(api.client.get(path, headers={"user-agent": agent}) for agent in agents)
    )
    assert [response.status_code for response in responses] == [200, 500, 200, 200]
    assert [ping.user_agent for ping in await _pings(api)] == ["cron", "cron", "cron"]
    assert await _status(api, monitor_id) == "up"
