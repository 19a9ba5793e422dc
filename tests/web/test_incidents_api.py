from datetime import UTC, datetime, timedelta

from tests.factories import check_result, http_spec
from tests.web.conftest import Api
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import Outcome
from upwatch.secret_key import secret_key_for
from upwatch.services.incidents import acknowledge_signature
from upwatch.services.monitors import create_monitor
from upwatch.services.results import record_results


async def _history(api: Api) -> tuple[int, datetime]:
    """A monitor that was up, went down (an incident), came back, and went down again."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    async with api.runtime.sessions.begin() as session:
        row = await create_monitor(
            session=session, spec=http_spec(paused=True), now=start - timedelta(minutes=1)
        )
        outcomes = [Outcome.UP, Outcome.DOWN, Outcome.UP, Outcome.DEGRADED, Outcome.DOWN]
        results = [
            check_result(row.id, start + timedelta(minutes=n), o, latency_ms=10.0 * (n + 1))
            for n, o in enumerate(outcomes)
        ]
        row.paused = False
        row.status = "pending"
        await record_results(session=session, results=results, flap=FlapPolicy())
        return row.id, start


async def test_incidents_listing_filters_and_detail(api: Api) -> None:
    headers = await api.token()
    monitor_id, _ = await _history(api)

    listing = (await api.client.get("/api/v1/incidents", headers=headers)).json()
    assert listing["total"] == 2
    newest, oldest = listing["items"]
    assert newest["resolved_at"] is None
    assert oldest["resolved_at"] is not None
    assert newest["monitor_id"] == monitor_id
    assert newest["cause"]["outcome"] == "down"

    open_only = await api.client.get("/api/v1/incidents?open=true", headers=headers)
    assert [i["id"] for i in open_only.json()["items"]] == [newest["id"]]
    resolved = await api.client.get("/api/v1/incidents?open=false", headers=headers)
    assert [i["id"] for i in resolved.json()["items"]] == [oldest["id"]]
    other = await api.client.get(f"/api/v1/incidents?monitor_id={monitor_id + 1}", headers=headers)
    assert other.json()["total"] == 0

    detail = await api.client.get(f"/api/v1/incidents/{oldest['id']}", headers=headers)
    assert {k: v for k, v in detail.json().items() if k != "timeline"} == oldest
    assert [e["kind"] for e in detail.json()["timeline"]] == ["opened", "resolved"]
    assert (await api.client.get("/api/v1/incidents/999", headers=headers)).status_code == 404


async def test_results_by_range_with_pages_and_the_summary(api: Api) -> None:
    headers = await api.token()
    monitor_id, start = await _history(api)
    url = f"/api/v1/monitors/{monitor_id}"

    first = (await api.client.get(f"{url}/results?limit=2", headers=headers)).json()
    assert [r["outcome"] for r in first["items"]] == ["down", "degraded"]
    second = (
        await api.client.get(
            f"{url}/results", params={"limit": 2, "before": first["next_before"]}, headers=headers
        )
    ).json()
    assert [r["outcome"] for r in second["items"]] == ["up", "down"]
    ranged = await api.client.get(
        f"{url}/results",
        params={"since": (start + timedelta(minutes=4)).isoformat()},
        headers=headers,
    )
    assert len(ranged.json()["items"]) == 1

    summary = (await api.client.get(f"{url}/summary", headers=headers)).json()
    day = summary["windows"]["24h"]
    assert (day["checks"], day["failures"], day["uptime_percent"]) == (5, 2, 60.0)
    assert day["latency_ms"]["p50"] == 30.0
    assert 48.0 <= day["latency_ms"]["p99"] <= 50.0
    assert summary["status"] == "down"


async def test_acknowledge_notes_and_the_timeline(api: Api) -> None:
    headers = await api.token()
    await _history(api)
    newest = (await api.client.get("/api/v1/incidents", headers=headers)).json()["items"][0]
    url = f"/api/v1/incidents/{newest['id']}"

    acknowledged = await api.client.post(f"{url}/acknowledge", headers=headers)
    assert acknowledged.json()["acknowledged_by"] == "token test"
    again = await api.client.post(f"{url}/acknowledge", headers=headers)
    assert again.json()["acknowledged_at"] == acknowledged.json()["acknowledged_at"]
    note = await api.client.post(f"{url}/notes", json={"text": "rolling back"}, headers=headers)
    assert note.status_code == 201
    empty = await api.client.post(f"{url}/notes", json={"text": ""}, headers=headers)
    assert (empty.status_code, empty.json()["detail"][0]["field"]) == (422, "text")

    timeline = (await api.client.get(url, headers=headers)).json()["timeline"]
    assert [entry["kind"] for entry in timeline] == ["opened", "acknowledged", "note"]
    assert timeline[2]["detail"] == {"author": "token test", "text": "rolling back"}


async def test_the_one_click_link_acknowledges_only_with_a_valid_signature(api: Api) -> None:
    headers = await api.token()
    await _history(api)
    incident_id = (await api.client.get("/api/v1/incidents", headers=headers)).json()["items"][0][
        "id"
    ]
    forged = await api.client.get(f"/ack/{incident_id}/{'0' * 32}")
    assert forged.status_code == 403
    signature = acknowledge_signature(secret_key_for(api.runtime.settings), incident_id)
    other = await api.client.get(f"/ack/{incident_id - 1}/{signature}")
    assert other.status_code == 403
    clicked = await api.client.get(f"/ack/{incident_id}/{signature}")
    assert clicked.status_code == 200
    detail = (await api.client.get(f"/api/v1/incidents/{incident_id}", headers=headers)).json()
    assert detail["acknowledged_by"] == "one-click link"


async def test_times_without_a_zone_are_422_not_500(api: Api) -> None:
    headers = await api.token()
    monitor_id, _ = await _history(api)
    response = await api.client.get(
        f"/api/v1/monitors/{monitor_id}/results",
        params={"since": "2026-01-01T00:00:00"},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "since"


async def test_resolving_by_hand_tells_the_channels_and_a_failing_monitor_opens_anew(
    api: Api,
) -> None:
    headers = await api.token()
    channel = await api.client.post(
        "/api/v1/channels",
        json={"name": "ops", "kind": "email", "to": ["ops@example.com"]},
        headers=headers,
    )
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    async with api.runtime.sessions.begin() as session:
        # Created paused, so the running scheduler never checks it; the test's results decide.
        row = await create_monitor(
            session=session,
            spec=http_spec(channels=[channel.json()["id"]], paused=True),
            now=start,
        )
        row.paused, row.status = False, "pending"
        monitor_id = row.id
        await record_results(
            session=session,
            results=[check_result(monitor_id, start, Outcome.DOWN)],
            flap=FlapPolicy(),
        )
    incident = (await api.client.get("/api/v1/incidents", headers=headers)).json()["items"][0]
    url = f"/api/v1/incidents/{incident['id']}/resolve"

    bad = await api.client.post(url, json={"note": ""}, headers=headers)
    assert (bad.status_code, bad.json()["detail"][0]["field"]) == (422, "note")
    resolved = await api.client.post(url, json={"note": "fixed the DNS"}, headers=headers)
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["resolved_by"] == "token test"
    again = await api.client.post(url, headers=headers)
    assert again.status_code == 409
    assert "resolved already" in again.json()["error"]
    assert (
        await api.client.post("/api/v1/incidents/999/resolve", headers=headers)
    ).status_code == 404

    detail = (await api.client.get(f"/api/v1/incidents/{incident['id']}", headers=headers)).json()
    kinds = sorted((e["kind"], e["detail"].get("event") or "") for e in detail["timeline"])
    assert kinds == [
        ("note", ""),
        ("notification", "down"),
        ("notification", "resolved"),
        ("opened", ""),
        ("resolved", ""),
    ]
    resolved_entry = next(e for e in detail["timeline"] if e["kind"] == "resolved")
    assert resolved_entry["detail"] == {"by": "token test"}

    monitor = (await api.client.get(f"/api/v1/monitors/{monitor_id}", headers=headers)).json()
    assert monitor["status"] == "down"
    async with api.runtime.sessions.begin() as session:
        await record_results(
            session=session,
            results=[check_result(monitor_id, start + timedelta(minutes=1), Outcome.DOWN)],
            flap=FlapPolicy(),
        )
    listing = (await api.client.get("/api/v1/incidents", headers=headers)).json()
    assert listing["total"] == 2
    reopened = listing["items"][0]
    assert reopened["resolved_at"] is None

    async with api.runtime.sessions.begin() as session:
        await record_results(
            session=session,
            results=[check_result(monitor_id, start + timedelta(minutes=2), Outcome.UP)],
            flap=FlapPolicy(),
        )
    recovered = (
        await api.client.get(f"/api/v1/incidents/{reopened['id']}", headers=headers)
    ).json()
    assert recovered["resolved_at"] is not None
    assert recovered["resolved_by"] is None
    events = (
        await api.client.get(
            "/api/v1/deliveries", params={"incident_id": incident["id"]}, headers=headers
        )
    ).json()["items"]
    assert sorted(d["event"] for d in events) == ["down", "resolved"]


async def test_resolving_needs_a_write_token(api: Api) -> None:
    headers = await api.token(read_only=True)
    await _history(api)
    incident = (await api.client.get("/api/v1/incidents", headers=headers)).json()["items"][0]
    refused = await api.client.post(f"/api/v1/incidents/{incident['id']}/resolve", headers=headers)
    assert refused.status_code == 403
