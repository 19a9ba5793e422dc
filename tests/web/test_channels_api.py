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
    # A changed monitor: specs cached by updated_at are parsed again.
    assert again.json()["updated_at"] > monitor.json()["updated_at"]


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


async def test_channels_are_edited_in_place_keeping_secrets_not_given_again(
    api: Api, receiver: Receiver
) -> None:
    headers = await api.token()
    created = await _create(
        api,
        {
            "name": "ops",
            "kind": "webhook",
            "url": receiver.url("/hook"),
            "secret": SECRET,
            "headers": {"X-Team": "sre"},
        },
    )
    url = f"/api/v1/channels/{created['id']}"

    renamed = await api.client.patch(url, json={"name": "on-call"}, headers=headers)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "on-call"
    # What GET shows (redacted) may be sent back unchanged: the stored values stay.
    shown = (await api.client.get(url, headers=headers)).json()
    echoed = {k: shown[k] for k in ("url", "secret", "headers")}
    assert (await api.client.put(url, json={"name": "ops", **echoed}, headers=headers)).is_success
    tested = await api.client.post(f"{url}/test", headers=headers)
    assert tested.json()["ok"] is True
    assert receiver.requests[-1].path == "/hook"
    assert receiver.requests[-1].headers["X-Team"] == "sre"

    moved = await api.client.patch(url, json={"url": receiver.url("/moved")}, headers=headers)
    assert moved.status_code == 200
    await api.client.post(f"{url}/test", headers=headers)
    assert receiver.requests[-1].path == "/moved"
    assert SECRET not in moved.text


@pytest.mark.parametrize(
    ("method", "body", "fields"),
    [
        ("PATCH", {"secret": "short"}, ["secret"]),
        ("PATCH", {"kind": "email"}, ["kind"]),
        ("PATCH", {"name": "", "url": "not a url"}, ["name", "url"]),
        ("PUT", {"url": "http://127.0.0.1:9/"}, ["name"]),
        ("PATCH", {"surprise": 1}, ["surprise"]),
    ],
)
async def test_bad_edits_are_422_naming_each_field_and_change_nothing(
    api: Api, method: str, body: dict[str, Any], fields: list[str]
) -> None:
    headers = await api.token()
    created = await _create(
        api, {"name": "ops", "kind": "webhook", "url": "http://127.0.0.1:9/", "secret": SECRET}
    )
    url = f"/api/v1/channels/{created['id']}"
    response = await api.client.request(method, url, json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert sorted(p["field"] for p in response.json()["detail"]) == fields
    assert "short" not in response.text
    after = (await api.client.get(url, headers=headers)).json()
    assert after == (await api.client.get(url, headers=headers)).json()
    assert after["name"] == "ops"


async def test_editing_needs_a_write_token_and_an_existing_channel(api: Api) -> None:
    created = await _create(api, {"name": "mail", "kind": "email", "to": ["ops@example.com"]})
    reader = await api.token(read_only=True)
    url = f"/api/v1/channels/{created['id']}"
    assert (await api.client.patch(url, json={"name": "x"}, headers=reader)).status_code == 403
    writer = await api.token()
    missing = await api.client.patch("/api/v1/channels/999", json={"name": "x"}, headers=writer)
    assert missing.status_code == 404
