from typing import Any

import pytest

from tests.receivers import Receiver
from tests.web.conftest import Api

SECRET = "a-webhook-secret-of-some-length"


async def _create(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.client.post("/api/v1/channels", json=body, headers=await api.token())
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_channels_are_created_listed_and_never_show_their_secrets(
    api: Api, receiver: Receiver
) -> None:
    headers = await api.token()
    created = await _create(
        api, {"name": "ops", "kind": "webhook", "url": receiver.url("/hook"), "secret": SECRET}
    )
    assert created["id"] > 0
    assert created["healthy"] is True
    listing = await api.client.get("/api/v1/channels", headers=headers)
    assert SECRET not in listing.text
    assert "/hook" not in listing.text

    tested = await api.client.post(f"/api/v1/channels/{created['id']}/test", headers=headers)
    assert tested.status_code == 200
    assert (tested.json()["ok"], tested.json()["status_code"]) == (True, 200)
    assert receiver.requests[0].path == "/hook"

    monitor = await api.client.post(
        "/api/v1/monitors",
        json={
            "name": "site",
            "kind": "http",
            "url": "http://127.0.0.1:9/",
            "channels": [created["id"]],
        },
        headers=headers,
    )
    assert monitor.json()["channels"] == [created["id"]]
    deleted = await api.client.delete(f"/api/v1/channels/{created['id']}", headers=headers)
    assert deleted.status_code == 204
    again = await api.client.get(f"/api/v1/monitors/{monitor.json()['id']}", headers=headers)
    assert again.json()["channels"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "kind": "apprise", "url": "nonsense://what"}, "url"),
        (
            {"name": "x", "kind": "webhook", "url": "http://127.0.0.1:9/", "secret": "short"},
            "secret",
        ),
        ({"name": "x", "kind": "email", "to": ["not an address"]}, "to[0]"),
        ({"name": "x", "kind": "sns", "topic_arn": "arn:nope", "region": "us-east-1"}, "topic_arn"),
        ({"kind": "email", "to": ["ops@example.com"]}, "name"),
        ({"name": "x", "kind": "pigeon"}, "kind"),
    ],
)
async def test_invalid_channels_are_422_naming_the_field_and_store_nothing(
    api: Api, body: dict[str, Any], field: str
) -> None:
    headers = await api.token()
    response = await api.client.post("/api/v1/channels", json=body, headers=headers)
    assert response.status_code == 422
    fields = [p["field"] for p in response.json()["detail"]]
    assert any(f == field or f.startswith(field) for f in fields), fields
    assert "short" not in response.text or field != "secret"
    assert (await api.client.get("/api/v1/channels", headers=headers)).json()["total"] == 0


async def test_a_monitor_naming_an_unknown_channel_is_refused(api: Api) -> None:
    headers = await api.token()
    response = await api.client.post(
        "/api/v1/monitors",
        json={"name": "site", "kind": "http", "url": "http://127.0.0.1:9/", "channels": [42]},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "channels[0]"
    assert (await api.client.get("/api/v1/monitors", headers=headers)).json()["total"] == 0
