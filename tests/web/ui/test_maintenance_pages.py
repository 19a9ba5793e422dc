"""The maintenance page over HTTP, on SQLite and PostgreSQL."""

import pytest

from tests.factories import heartbeat_spec
from tests.web.ui.dashboard import Dashboard
from upwatch.services import monitors
from upwatch.services.accounts import Role
from upwatch.store.tables import MaintenanceWindowRow


async def _monitor(dashboard: Dashboard) -> int:
    async with dashboard.runtime.sessions.begin() as session:
        row = await monitors.create_monitor(
            session=session, spec=heartbeat_spec(name="nightly"), now=dashboard.runtime.clock()
        )
        return row.id


async def test_windows_are_planned_listed_and_deleted(editor: Dashboard) -> None:
    monitor_id = await _monitor(editor)
    once = await editor.post(
        "/maintenance",
        {
            "name": "Database upgrade",
            "repeats": "once",
            "timezone": "Europe/Berlin",
            "starts_at": "2030-01-05T22:00",
            "ends_at": "2030-01-06T01:00",
            "monitor_ids": str(monitor_id),
            # Fields of another kind of repetition are ignored.
            "cron": "not looked at",
        },
        form_page="/maintenance",
    )
    assert once.status_code == 303, once.text
    weekly = await editor.post(
        "/maintenance",
        {
            "name": "Sunday patching",
            "repeats": "rrule",
            "timezone": "UTC",
            "rrule": "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2",
            "duration": "3600",
            "tags": "db, web",
        },
        form_page="/maintenance",
    )
    assert weekly.status_code == 303, weekly.text
    page = await editor.client.get("/maintenance")
    assert "Database upgrade" in page.text
    # 22:00 in Berlin in winter is 21:00 UTC.
    assert "2030-01-05 21:00:00 UTC" in page.text
    assert "nightly" in page.text
    assert "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2" in page.text
    assert await editor.count(MaintenanceWindowRow) == 2

    deleted = await editor.post("/maintenance/1/delete", {}, form_page="/maintenance")
    assert deleted.status_code == 303
    assert "Database upgrade" not in (await editor.client.get("/maintenance")).text
    assert await editor.count(MaintenanceWindowRow) == 1


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"repeats": "once", "name": ""}, "name", "at least 1 character"),
        ({"repeats": "rrule", "rrule": "FREQ=SOMETIMES", "duration": "60"}, "rrule", ""),
        ({"repeats": "cron", "duration": ""}, "duration", "needs a duration"),
        ({"repeats": "cron", "cron": "0 2 * * *", "duration": "5"}, "duration", "60"),
        ({"repeats": "cron", "cron": "61 * * * *", "duration": "60"}, "cron", "cron"),
        ({"repeats": "once", "starts_at": "2030-01-01T10:00"}, "ends_at", "needs ends_at"),
        (
            {"repeats": "once", "starts_at": "2030-01-01T10:00", "ends_at": "2030-01-01T09:00"},
            "ends_at",
            "after starts_at",
        ),
        ({"repeats": "once", "starts_at": "tomorrow"}, "starts_at", "date and time"),
        ({"timezone": "Mars/Olympus", "cron": "0 2 * * *", "repeats": "cron"}, "timezone", ""),
        ({"monitor_ids": "999", "tags": ""}, "monitor_ids", "does not exist"),
        ({"monitor_ids": "", "tags": ""}, "monitor_ids", "monitor_ids"),
    ],
)
async def test_bad_windows_get_the_apis_messages_inline_and_store_nothing(
    editor: Dashboard, form: dict[str, str], field: str, message: str
) -> None:
    valid = {
        "name": "w",
        "repeats": "cron",
        "timezone": "UTC",
        "cron": "0 2 * * *",
        "duration": "600",
        "tags": "db",
    }
    answer = await editor.post("/maintenance", valid | form, form_page="/maintenance")
    assert answer.status_code == 422, answer.text
    assert f'id="f-{field}-error"' in answer.text
    error = answer.text.split(f'id="f-{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert "Nothing was saved" in answer.text
    assert await editor.count(MaintenanceWindowRow) == 0


async def test_a_viewer_sees_windows_but_cannot_plan_or_delete(dashboard: Dashboard) -> None:
    await dashboard.add_user("vi", Role.VIEWER)
    await dashboard.sign_in("vi")
    page = await dashboard.client.get("/maintenance")
    assert page.status_code == 200
    assert "Plan a window" not in page.text
    refused = await dashboard.post(
        "/maintenance",
        {"name": "w", "repeats": "cron", "cron": "0 2 * * *", "duration": "600", "tags": "x"},
        form_page="/maintenance",
    )
    assert refused.status_code == 403
    assert await dashboard.count(MaintenanceWindowRow) == 0
