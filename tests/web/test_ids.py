"""Ids past what the id columns hold are answered as unknown, on both engines."""

import pytest

from tests.web.conftest import Api

BEYOND = str(2**31)


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/monitors/{BEYOND}",
        f"/api/v1/incidents/{BEYOND}",
        f"/api/v1/channels/{BEYOND}",
        f"/api/v1/maintenance/{BEYOND}",
        f"/api/v1/status-pages/{BEYOND}",
    ],
)
async def test_a_path_id_past_the_column_is_not_found(api: Api, path: str) -> None:
    answer = await api.client.get(path, headers=await api.token())
    assert answer.status_code == 404, answer.text


async def test_a_query_id_past_the_column_is_invalid_input(api: Api) -> None:
    answer = await api.client.get(
        "/api/v1/incidents", params={"monitor_id": BEYOND}, headers=await api.token()
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["field"] == "monitor_id"


async def test_the_largest_id_in_range_is_looked_up_and_not_found(api: Api) -> None:
    answer = await api.client.get(f"/api/v1/monitors/{2**31 - 1}", headers=await api.token())
    assert answer.status_code == 404
