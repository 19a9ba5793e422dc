from typing import Any

import pytest

from tests.web.conftest import Api

HTTP_MONITOR = {
    "name": "API",
    "kind": "http",
    "url": "http://127.0.0.1:9/health",
    "interval": 30,
    "timeout": 5,
    "retries": 2,
    "tags": ["prod", "api"],
    "expect_status": ["2xx"],
    "json_assertions": [{"path": "$.status", "equals": "ok"}],
}


async def _create(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.client.post("/api/v1/monitors", json=body, headers=await api.token())
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_create_read_list_update_and_delete(api: Api) -> None:
    headers = await api.token()
    created = await _create(api, HTTP_MONITOR)
    assert created["id"] > 0
    assert created["status"] == "pending"
    for field in ("name", "kind", "url", "interval", "timeout", "retries", "tags", "paused"):
        assert created[field] == ({**HTTP_MONITOR, "paused": False})[field]

    url = f"/api/v1/monitors/{created['id']}"
    assert (await api.client.get(url, headers=headers)).json()["name"] == "API"

    replaced = await api.client.put(url, json={**HTTP_MONITOR, "name": "API v2"}, headers=headers)
    assert replaced.json()["name"] == "API v2"
    patched = await api.client.patch(url, json={"interval": 120}, headers=headers)
    assert (patched.status_code, patched.json()["interval"]) == (200, 120)
    assert patched.json()["name"] == "API v2"

    listing = await api.client.get("/api/v1/monitors?tag=prod&kind=http", headers=headers)
    assert [m["id"] for m in listing.json()["items"]] == [created["id"]]
    assert (await api.client.get("/api/v1/monitors?tag=nope", headers=headers)).json()["total"] == 0

    assert (await api.client.delete(url, headers=headers)).status_code == 204
    assert (await api.client.get(url, headers=headers)).status_code == 404


async def test_pause_and_resume(api: Api) -> None:
    headers = await api.token()
    created = await _create(api, HTTP_MONITOR)
    url = f"/api/v1/monitors/{created['id']}"
    paused = await api.client.post(f"{url}/pause", headers=headers)
    assert (paused.json()["status"], paused.json()["paused"]) == ("paused", True)
    assert (await api.client.get(url, headers=headers)).json()["next_check_at"] is None
    resumed = await api.client.post(f"{url}/resume", headers=headers)
    assert (resumed.json()["status"], resumed.json()["paused"]) == ("pending", False)


async def test_heartbeat_monitors_get_a_ping_url(api: Api) -> None:
    created = await _create(
        api, {"name": "backup", "kind": "heartbeat", "cron": "0 3 * * *", "grace": 600}
    )
    assert created["ping_url"].startswith("https://upwatch.example/ping/")
    assert created["timezone"] == "UTC"
    assert created["deadline_at"] is not None


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"interval": 5}, "interval", "greater than or equal to 10"),
        ({"kind": "smtp"}, "kind", "smtp"),
        ({"url": "not a url"}, "url", "URL"),
        ({"timeout": 40, "interval": 30}, "timeout", "timeout must be shorter than interval"),
        ({"json_assertions": [{"path": "$[", "equals": 1}]}, "json_assertions[0].path", "JSONPath"),
        ({"expect_status": ["600"]}, "expect_status", "status codes"),
        ({"surprise": True}, "surprise", "Extra inputs"),
    ],
)
async def test_invalid_monitors_are_422_naming_the_field_and_store_nothing(
    api: Api, change: dict[str, Any], field: str, message: str
) -> None:
    headers = await api.token()
    response = await api.client.post(
        "/api/v1/monitors", json={**HTTP_MONITOR, **change}, headers=headers
    )
    assert response.status_code == 422
    problems = response.json()["detail"]
    assert any(p["field"] == field and message in p["message"] for p in problems), problems
    assert (await api.client.get("/api/v1/monitors", headers=headers)).json()["total"] == 0


async def test_an_invalid_update_keeps_the_stored_monitor(api: Api) -> None:
    headers = await api.token()
    created = await _create(api, HTTP_MONITOR)
    url = f"/api/v1/monitors/{created['id']}"
    response = await api.client.patch(url, json={"interval": 1}, headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "interval"
    assert (await api.client.get(url, headers=headers)).json()["interval"] == 30


@pytest.mark.parametrize(
    "target",
    [
        {"kind": "http", "url": "http://169.254.169.254/latest/meta-data/"},
        {"kind": "http", "url": "http://169.254.170.2/v2/credentials"},
        {"kind": "http", "url": "http://[fd00:ec2::254]/"},
        {"kind": "tcp", "host": "169.254.169.254", "port": 80},
    ],
)
async def test_metadata_targets_are_always_refused(api: Api, target: dict[str, Any]) -> None:
    headers = await api.token()
    response = await api.client.post(
        "/api/v1/monitors", json={"name": "steal", **target}, headers=headers
    )
    assert response.status_code == 422
    assert "target refused" in response.json()["detail"][0]["message"]
    assert (await api.client.get("/api/v1/monitors", headers=headers)).json()["total"] == 0


class TestPrivateTargetsDisallowed:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {"allow_private_targets": False}

    @pytest.mark.parametrize(
        ("target", "field"),
        [
            ({"kind": "http", "url": "http://127.0.0.1:8080/"}, "url"),
            ({"kind": "http", "url": "http://localhost:8080/"}, "url"),
            ({"kind": "tcp", "host": "10.1.2.3", "port": 22}, "host"),
            ({"kind": "dns", "hostname": "example.com", "resolver": "192.168.1.1"}, "resolver"),
        ],
    )
    async def test_private_targets_are_refused(
        self, api: Api, target: dict[str, Any], field: str
    ) -> None:
        headers = await api.token()
        response = await api.client.post(
            "/api/v1/monitors", json={"name": "inside", **target}, headers=headers
        )
        assert response.status_code == 422
        (problem,) = response.json()["detail"]
        assert problem["field"] == field
        assert "private" in problem["message"]
        assert (await api.client.get("/api/v1/monitors", headers=headers)).json()["total"] == 0
