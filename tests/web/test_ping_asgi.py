from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from tests.web.conftest import Api
from upwatch.domain.status import PingKind
from upwatch.store.tables import PingRow
from upwatch.web.ping_asgi import parse_ping_path

TOKEN = "a" * 22


@pytest.mark.parametrize(
    ("path", "parsed"),
    [
        (f"/ping/{TOKEN}", (TOKEN, PingKind.SUCCESS)),
        (f"/ping/{TOKEN}/start", (TOKEN, PingKind.START)),
        (f"/ping/{TOKEN}/fail", (TOKEN, PingKind.FAIL)),
        (f"/ping/{TOKEN}/0", (TOKEN, 0)),
        (f"/ping/{TOKEN}/007", (TOKEN, 7)),
        (f"/ping/{TOKEN}/256", (TOKEN, 256)),
        ("/ping/short", ("short", PingKind.SUCCESS)),
        # Left to FastAPI, which answers them as the routes say (404, redirect).
        ("/ping/", None),
        (f"/ping/{TOKEN}/", None),
        (f"/ping/{TOKEN}/-1", None),
        (f"/ping/{TOKEN}/²", None),
        (f"/ping/{TOKEN}/start/1", None),
        (f"/ping/{TOKEN}/other", None),
        ("/pings", None),
        ("/api/v1/monitors", None),
    ],
)
def test_ping_paths_parse_as_the_routes_match_them(
    path: str, parsed: tuple[str, PingKind | int] | None
) -> None:
    assert parse_ping_path(path) == parsed


async def _heartbeat_path(api: Api) -> str:
    response = await api.client.post(
        "/api/v1/monitors",
        json={"name": "nightly", "kind": "heartbeat", "period": 3600, "grace": 300},
        headers=await api.token(),
    )
    created: dict[str, Any] = response.json()
    return str(created["ping_url"]).removeprefix("https://upwatch.example")


async def _pings(api: Api) -> list[PingRow]:
    async with api.runtime.sessions() as session:
        return list((await session.scalars(select(PingRow).order_by(PingRow.id))).all())


async def test_a_ping_keeps_its_method_client_and_user_agent(api: Api) -> None:
    path = await _heartbeat_path(api)
    response = await api.client.post(
        f"{path}/fail", content=b"exit 1", headers={"User-Agent": "cron/" + "x" * 400}
    )
    assert (response.status_code, response.text) == (200, "OK\n")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    (ping,) = await _pings(api)
    assert (ping.kind, ping.method, ping.body) == ("fail", "POST", "exit 1")
    assert ping.remote_addr == "127.0.0.1"
    assert ping.user_agent == ("cron/" + "x" * 400)[:300]


async def test_answers_match_the_routes(api: Api) -> None:
    path = await _heartbeat_path(api)
    unknown = await api.client.get(f"/ping/{TOKEN}")
    assert (unknown.status_code, unknown.text) == (404, "not found\n")
    bad_code = await api.client.get(f"{path}/256")
    assert (bad_code.status_code, bad_code.text) == (400, "exit code must be between 0 and 255\n")
    truncated = await api.client.post(path, content=b"l" * 20_000)
    assert truncated.text == "OK (body truncated to 10 KB)\n"


async def test_a_chunked_body_is_answered_by_the_route_alike(api: Api) -> None:
    path = await _heartbeat_path(api)

    async def chunks() -> AsyncIterator[bytes]:
        yield b"part one, "
        yield b"part two"

    response = await api.client.post(f"{path}/3", content=chunks())
    assert (response.status_code, response.text) == (200, "OK\n")
    (ping,) = await _pings(api)
    assert (ping.kind, ping.exit_code, ping.body) == ("fail", 3, "part one, part two")


@pytest.mark.parametrize("settings_overrides", [{"max_request_body_bytes": 2048}])
async def test_a_body_over_the_server_limit_is_still_refused(api: Api) -> None:
    path = await _heartbeat_path(api)
    response = await api.client.post(path, content=b"x" * 4096)
    assert response.status_code == 413
    assert await _pings(api) == []


async def test_other_paths_and_methods_under_ping_reach_fastapi(api: Api) -> None:
    path = await _heartbeat_path(api)
    assert (await api.client.get(f"{path}/other")).status_code == 404
    assert (await api.client.put(path)).status_code == 405
    assert await _pings(api) == []


async def test_openapi_still_documents_the_ping_urls(api: Api) -> None:
    paths = (await api.client.get("/openapi.json")).json()["paths"]
    assert {"get", "post", "head"} <= set(paths["/ping/{token}"])
    assert "/ping/{token}/{exit_code}" in paths
