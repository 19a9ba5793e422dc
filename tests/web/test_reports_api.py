"""GET /api/v1/reports/sla as JSON and CSV, and its 422s."""

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import http_spec
from tests.web.conftest import Api
from upwatch.services.monitors import create_monitor
from upwatch.store.tables import (
    IncidentRow,
    StatusPageComponentRow,
    StatusPageGroupRow,
    StatusPageRow,
)

OCTOBER = datetime(2026, 10, 1, tzinfo=UTC)


async def _monitor_with_an_incident(api: Api) -> int:
    async with api.runtime.sessions.begin() as session:
        row = await create_monitor(
            session=session, spec=http_spec(name="API"), now=OCTOBER - timedelta(days=1)
        )
        opened = OCTOBER + timedelta(days=3)
        session.add(
            IncidentRow(
                monitor_id=row.id,
                opened_at=opened,
                resolved_at=opened + timedelta(minutes=45),
                cause={},
            )
        )
        return row.id


async def test_sla_for_a_month_as_json_and_csv(api: Api) -> None:
    headers = await api.token(read_only=True)
    monitor_id = await _monitor_with_an_incident(api)
    params: dict[str, Any] = {"monitor": monitor_id, "month": "2026-10"}

    answer = await api.client.get("/api/v1/reports/sla", params=params, headers=headers)
    as_csv = await api.client.get(
        "/api/v1/reports/sla", params=params, headers={**headers, "Accept": "text/csv"}
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["since"] == "2026-10-01T00:00:00+00:00"
    (report,) = body["reports"]
    assert (report["monitor"], report["incidents"], report["downtime_minutes"]) == ("API", 1, 45.0)
    assert report["mttr_minutes"] == 45.0
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["content-disposition"] == 'attachment; filename="sla-2026-10.csv"'
    header, row = as_csv.text.splitlines()
    assert header.split(",")[:2] == ["monitor_id", "monitor"]
    assert row.startswith(f"{monitor_id},API,")


async def test_a_range_instead_of_a_month(api: Api) -> None:
    headers = await api.token()
    monitor_id = await _monitor_with_an_incident(api)
    params: dict[str, Any] = {
        "monitor": [monitor_id, monitor_id],
        "since": (OCTOBER + timedelta(days=4)).isoformat(),
        "until": (OCTOBER + timedelta(days=5)).isoformat(),
        "format": "csv",
    }
    answer = await api.client.get("/api/v1/reports/sla", params=params, headers=headers)
    assert answer.status_code == 200
    assert len(answer.text.splitlines()) == 2
    assert answer.headers["content-disposition"] == (
        'attachment; filename="sla-20261005T000000Z-20261006T000000Z.csv"'
    )
    assert ",0," in answer.text  # no incident opened within the range


async def test_bad_parameters_are_422_naming_the_field(api: Api) -> None:
    headers = await api.token()
    monitor_id = await _monitor_with_an_incident(api)
    async with api.runtime.sessions.begin() as session:
        session.add(StatusPageRow(slug="empty", title="", created_at=OCTOBER, updated_at=OCTOBER))
    cases: list[tuple[dict[str, Any], str]] = [
        ({"monitor": monitor_id, "month": "October"}, "month"),
        ({"monitor": monitor_id, "month": "9999-12"}, "month"),  # no month follows it
        ({"monitor": monitor_id}, "month"),
        ({"monitor": monitor_id, "since": "2026-10-01T00:00:00Z"}, "until"),
        ({"monitor": monitor_id, "until": "2026-10-01T00:00:00Z"}, "since"),
        ({"month": "2026-10"}, "monitor"),
        ({"monitor": 999, "month": "2026-10"}, "monitor"),
        ({"monitor": 2**63, "month": "2026-10"}, "monitor"),  # beyond the id column
        ({"monitor": "x", "month": "2026-10"}, "monitor[0]"),
        (
            {
                "monitor": monitor_id,
                "since": "2026-10-01T00:00:00",
                "until": "2026-10-02T00:00:00Z",
            },
            "since",
        ),
        # Valid as given, but beyond the datetimes there are once in UTC.
        (
            {
                "monitor": monitor_id,
                "since": "0001-01-01T00:00:00+05:00",
                "until": "2026-10-02T00:00:00Z",
            },
            "since",
        ),
        (
            {
                "monitor": monitor_id,
                "since": "2026-10-01T00:00:00Z",
                "until": "9999-12-31T23:59:59-05:00",
            },
            "until",
        ),
        ({"monitor": monitor_id, "month": "2026-10", "format": "xml"}, "format"),
        ({"status_page": "nope", "month": "2026-10"}, "status_page"),
        ({"status_page": "empty", "month": "2026-10"}, "status_page"),
    ]
    for params, field in cases:
        answer = await api.client.get("/api/v1/reports/sla", params=params, headers=headers)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.json()["detail"][0]["field"] == field, (params, answer.text)


async def test_needs_a_token(api: Api) -> None:
    answer = await api.client.get("/api/v1/reports/sla", params={"month": "2026-10"})
    assert answer.status_code == 401


async def test_every_monitor_of_a_status_page(api: Api) -> None:
    headers = await api.token()
    monitor_id = await _monitor_with_an_incident(api)
    async with api.runtime.sessions.begin() as session:
        page = StatusPageRow(slug="public", title="Public", created_at=OCTOBER, updated_at=OCTOBER)
        session.add(page)
        await session.flush()
        group = StatusPageGroupRow(status_page_id=page.id, name="", position=0)
        session.add(group)
        await session.flush()
        session.add(StatusPageComponentRow(group_id=group.id, monitor_id=monitor_id, position=0))

    answer = await api.client.get(
        "/api/v1/reports/sla", params={"status_page": "public", "month": "2026-10"}, headers=headers
    )

    assert answer.status_code == 200, answer.text
    assert [r["monitor_id"] for r in answer.json()["reports"]] == [monitor_id]
