from typing import Any

from tests.web.conftest import Api

WEBHOOK = {"kind": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "s" * 32}


async def _channel(api: Api, name: str) -> int:
    response = await api.client.post(
        "/api/v1/channels", json={"name": name, **WEBHOOK}, headers=await api.token()
    )
    assert response.status_code == 201, response.text
    channel_id: int = response.json()["id"]
    return channel_id


def _fields(response: Any) -> list[str]:
    return [problem["field"] for problem in response.json()["detail"]]


async def test_tag_policies_are_put_read_listed_and_deleted(api: Api) -> None:
    headers = await api.token()
    first, second = await _channel(api, "ops"), await _channel(api, "managers")
    body = {
        "channels": [first],
        "events": ["down", "up"],
        "renotify_minutes": 30,
        "escalation": [{"after_minutes": 15, "channels": [second]}],
    }

    put = await api.client.put("/api/v1/alert-policies/prod", json=body, headers=headers)
    assert put.status_code == 200, put.text
    assert put.json() == {"tag": "prod", **body}
    again = await api.client.put(
        "/api/v1/alert-policies/prod", json={"channels": [second]}, headers=headers
    )
    assert again.json()["channels"] == [second]
    assert again.json()["escalation"] is None
    listing = await api.client.get("/api/v1/alert-policies", headers=headers)
    assert [p["tag"] for p in listing.json()["items"]] == ["prod"]

    deleted = await api.client.delete("/api/v1/alert-policies/prod", headers=headers)
    assert deleted.status_code == 204
    missing = await api.client.get("/api/v1/alert-policies/prod", headers=headers)
    assert missing.status_code == 404


async def test_invalid_policies_are_422_naming_the_field_and_store_nothing(api: Api) -> None:
    headers = await api.token()
    known = await _channel(api, "ops")
    cases = [
        ({"channels": [99]}, "channels[0]"),
        ({"events": ["sideways"]}, "events[0]"),
        ({"renotify_minutes": 0}, "renotify_minutes"),
        (
            {"escalation": [{"after_minutes": 5, "channels": [known, 42]}]},
            "escalation[0].channels[1]",
        ),
    ]
    for body, field in cases:
        response = await api.client.put("/api/v1/alert-policies/web", json=body, headers=headers)
        assert response.status_code == 422, body
        assert any(f.endswith(field) for f in _fields(response)), (field, response.json())
    listing = await api.client.get("/api/v1/alert-policies", headers=headers)
    assert listing.json()["total"] == 0


async def test_a_monitor_carries_its_alert_settings_and_escalation_channels_must_exist(
    api: Api,
) -> None:
    headers = await api.token()
    channel = await _channel(api, "ops")
    monitor = {"name": "site", "kind": "http", "url": "http://127.0.0.1:9/", "channels": [channel]}

    refused = await api.client.post(
        "/api/v1/monitors",
        json={**monitor, "alerts": {"escalation": [{"after_minutes": 5, "channels": [7]}]}},
        headers=headers,
    )
    assert refused.status_code == 422
    assert _fields(refused) == ["alerts.escalation[0].channels[0]"]

    alerts = {"renotify_minutes": 60, "escalation": [{"after_minutes": 5, "channels": [channel]}]}
    created = await api.client.post(
        "/api/v1/monitors", json={**monitor, "alerts": alerts}, headers=headers
    )
    assert created.status_code == 201, created.text
    assert created.json()["alerts"] == {"events": None, **alerts}

    # Deleting a channel takes it out of escalation steps too, so alerts never name it.
    await api.client.delete(f"/api/v1/channels/{channel}", headers=headers)
    after = await api.client.get(f"/api/v1/monitors/{created.json()['id']}", headers=headers)
    assert after.json()["alerts"]["escalation"] == []
