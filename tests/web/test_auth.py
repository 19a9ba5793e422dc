from collections.abc import AsyncIterator

import pytest

from tests.web.conftest import Api

MONITOR = {"name": "site", "kind": "http", "url": "http://127.0.0.1:9/"}


@pytest.mark.parametrize("header", [{}, {"Authorization": "Bearer uw_wrong"}])
async def test_api_needs_a_valid_bearer_token(api: Api, header: dict[str, str]) -> None:
    response = await api.client.get("/api/v1/monitors", headers=header)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_read_only_tokens_read_but_do_not_write(api: Api) -> None:
    read_only = await api.token(read_only=True)
    assert (await api.client.get("/api/v1/monitors", headers=read_only)).status_code == 200
    response = await api.client.post("/api/v1/monitors", json=MONITOR, headers=read_only)
    assert response.status_code == 403
    listing = await api.client.get("/api/v1/monitors", headers=await api.token())
    assert listing.json()["total"] == 0


async def test_oversized_bodies_are_refused(api: Api) -> None:
    body = {"name": "x" * 2_000_000, "kind": "http", "url": "http://127.0.0.1/"}
    response = await api.client.post("/api/v1/monitors", json=body, headers=await api.token())
    assert response.status_code == 413


class TestSmallBodyLimit:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {"max_request_body_bytes": 2048}

    async def test_a_chunked_body_over_the_limit_is_413(self, api: Api) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(4):
                yield b" " * 1024

        response = await api.client.post(
            "/api/v1/monitors", content=chunks(), headers=await api.token()
        )
        assert response.status_code == 413
