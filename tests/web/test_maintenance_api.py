from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import check_result
from tests.web.conftest import Api
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import Outcome
from upwatch.services.results import record_results

MONITOR = {"name": "db", "kind": "http", "url": "http://127.0.0.1:9/", "tags": ["db"]}


def _iso(at: datetime) -> str:
    return at.isoformat()


async def _post(api: Api, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.client.post(path, json=body, headers=await api.token())
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_create_read_list_change_and_delete_a_window(api: Api) -> None:
    headers = await api.token()
    monitor = await _post(api, "/api/v1/monitors", MONITOR)
    created = await _post(
        api,
        "/api/v1/maintenance",
        {
            "name": "Sunday upgrades",
            "rrule": "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2",
            "duration": 7200,
            "timezone": "Europe/Berlin",
            "monitor_ids": [monitor["id"]],
        },
    )
    assert created["rrule"] == "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2"
    assert created["starts_at"] is not None  # anchored at today's local midnight
    next_start = datetime.fromisoformat(created["next"]["starts_at"])
    assert next_start.astimezone(UTC).weekday() in (5, 6)  # 02:00 Sunday in Berlin
    url = f"/api/v1/maintenance/{created['id']}"

    assert (await api.client.get(url, headers=headers)).json()["name"] == "Sunday upgrades"
    patched = await api.client.patch(url, json={"name": "renamed", "tags": ["db"]}, headers=headers)
    assert (patched.status_code, patched.json()["name"], patched.json()["tags"]) == (
        200,
        "renamed",
        ["db"],
    )
    listing = (await api.client.get("/api/v1/maintenance", headers=headers)).json()
    assert [w["id"] for w in listing["items"]] == [created["id"]]

    assert (await api.client.delete(url, headers=headers)).status_code == 204
    assert (await api.client.get(url, headers=headers)).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rrule": "FREQ=NEVER", "duration": 600}, "rrule"),
        ({"cron": "0 25 * * *", "duration": 600}, "cron"),
        ({"cron": "0 2 * * *", "duration": 600, "timezone": "Europe/Atlantis"}, "timezone"),
        (
            {"starts_at": "2026-12-01T10:00:00Z", "ends_at": "2026-12-01T09:00:00Z"},
            "ends_at",
        ),
        ({"cron": "0 2 * * *", "duration": 600, "monitor_ids": [4242]}, "monitor_ids[0]"),
        ({"cron": "0 2 * * *", "duration": 600, "tags": []}, "monitor_ids"),
    ],
)
async def test_bad_windows_answer_422_naming_the_field_and_store_nothing(
    api: Api, body: dict[str, Any], field: str
) -> None:
    headers = await api.token()
    response = await api.client.post(
        "/api/v1/maintenance", json={"name": "bad", "tags": ["db"]} | body, headers=headers
    )

    assert response.status_code == 422, response.text
    assert field in [problem["field"] for problem in response.json()["detail"]]
    assert (await api.client.get("/api/v1/maintenance", headers=headers)).json()["total"] == 0


async def test_a_bad_change_answers_422_and_keeps_the_window(api: Api) -> None:
    headers = await api.token()
    created = await _post(
        api,
        "/api/v1/maintenance",
        {"name": "w", "tags": ["db"], "cron": "0 2 * * *", "duration": 60},
    )
    url = f"/api/v1/maintenance/{created['id']}"

    response = await api.client.patch(url, json={"timezone": "Nowhere/Else"}, headers=headers)

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "timezone"
    assert (await api.client.get(url, headers=headers)).json()["timezone"] == "UTC"


async def test_a_monitor_inside_a_window_shows_maintenance(api: Api) -> None:
    headers = await api.token()
    now = api.runtime.clock()
    window = await _post(
        api,
        "/api/v1/maintenance",
        {
            "name": "now",
            "tags": ["db"],
            "starts_at": _iso(now - timedelta(minutes=1)),
            "ends_at": _iso(now + timedelta(hours=1)),
        },
    )
    assert window["active"] is True
    monitor = await _post(api, "/api/v1/monitors", MONITOR)
    async with api.runtime.sessions.begin() as session:
        await record_results(
            session=session,
            results=[check_result(monitor["id"], now, Outcome.DOWN, error="refused")],
            flap=FlapPolicy(),
        )

    url = f"/api/v1/monitors/{monitor['id']}"
    assert (await api.client.get(url, headers=headers)).json()["status"] == "maintenance"
    results = (await api.client.get(f"{url}/results", headers=headers)).json()["items"]
    assert {r["outcome"] for r in results} == {"maintenance"}
    assert (await api.client.get("/api/v1/incidents", headers=headers)).json()["items"] == []


async def test_monitor_dependencies_are_shown_and_checked(api: Api) -> None:
    headers = await api.token()
    gateway = await _post(api, "/api/v1/monitors", {**MONITOR, "name": "gateway"})
    service = await _post(
        api, "/api/v1/monitors", {**MONITOR, "name": "service", "depends_on": [gateway["id"]]}
    )
    assert service["depends_on"] == [gateway["id"]]

    unknown = await api.client.post(
        "/api/v1/monitors", json={**MONITOR, "name": "x", "depends_on": [999]}, headers=headers
    )
    cycle = await api.client.patch(
        f"/api/v1/monitors/{gateway['id']}", json={"depends_on": [service["id"]]}, headers=headers
    )

    assert unknown.status_code == cycle.status_code == 422
    assert unknown.json()["detail"][0]["field"] == "depends_on[0]"
    assert cycle.json()["detail"][0]["field"] == "depends_on[0]"
    listing = (await api.client.get("/api/v1/monitors", headers=headers)).json()
    assert listing["total"] == 2
    gateway_now = (
        await api.client.get(f"/api/v1/monitors/{gateway['id']}", headers=headers)
    ).json()
    assert gateway_now["depends_on"] == []
