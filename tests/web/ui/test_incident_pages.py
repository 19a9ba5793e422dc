"""Resolving an incident from its page, on SQLite and PostgreSQL."""

from datetime import timedelta

from tests.factories import check_result, http_spec
from tests.web.ui.dashboard import Dashboard
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import Outcome
from upwatch.services.accounts import Role
from upwatch.services.monitors import create_monitor
from upwatch.services.results import record_results


async def _open_incident(dashboard: Dashboard) -> str:
    now = dashboard.runtime.clock()
    async with dashboard.runtime.sessions.begin() as session:
        # Paused at creation, so the running scheduler leaves it to this test.
        row = await create_monitor(session=session, spec=http_spec(paused=True), now=now)
        row.paused, row.status = False, "pending"
        await record_results(
            session=session,
            results=[check_result(row.id, now - timedelta(minutes=1), Outcome.DOWN)],
            flap=FlapPolicy(),
        )
    return "/incidents/1"


async def test_an_editor_resolves_an_incident_with_a_note(editor: Dashboard) -> None:
    page = await _open_incident(editor)
    before = await editor.client.get(page)
    assert "Resolve incident" in before.text
    too_long = await editor.post(f"{page}/resolve", {"note": "x" * 10_001}, form_page=page)
    assert too_long.status_code == 422
    assert "Open" in (await editor.client.get(page)).text

    resolved = await editor.post(f"{page}/resolve", {"note": "false alarm"}, form_page=page)
    assert resolved.status_code == 303
    after = await editor.client.get(page)
    assert "Resolved by ed" in after.text
    assert "false alarm" in after.text
    assert "Resolve incident" not in after.text

    again = await editor.post(f"{page}/resolve", {}, form_page=page)
    assert again.status_code == 409
    assert "resolved it already" in again.text


async def test_a_viewer_cannot_resolve(dashboard: Dashboard) -> None:
    page = await _open_incident(dashboard)
    await dashboard.add_user("vi", Role.VIEWER)
    await dashboard.sign_in("vi")
    seen = await dashboard.client.get(page)
    assert seen.status_code == 200
    assert "Resolve incident" not in seen.text
    refused = await dashboard.post(f"{page}/resolve", {}, form_page=page)
    assert refused.status_code == 403
    assert "Open" in (await dashboard.client.get(page)).text
