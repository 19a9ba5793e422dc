"""The dashboard's pages and forms over HTTP, on SQLite and PostgreSQL (no browser needed)."""

import re

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from tests.factories import heartbeat_spec
from tests.receivers import Receiver
from tests.web.ui.dashboard import PASSWORD, Dashboard
from upwatch.services import accounts, monitors
from upwatch.services.accounts import Role
from upwatch.store.tables import ChannelRow, MonitorRow
from upwatch.web.ui import PAGE_MODULES


async def test_first_visit_goes_to_setup_then_sign_in(dashboard: Dashboard) -> None:
    first = await dashboard.client.get("/")
    assert (first.status_code, first.headers["location"]) == (303, "/setup")
    created = await dashboard.post(
        "/setup",
        {"username": "root", "password": PASSWORD, "password_confirm": PASSWORD},
        form_page="/setup",
    )
    assert created.status_code == 303
    cookie = created.headers["set-cookie"]
    assert "upwatch_session=" in cookie
    for flag in ("HttpOnly", "Secure", "SameSite=lax"):
        assert flag.lower() in cookie.lower()
    assert (await dashboard.client.get("/setup")).headers["location"] == "/login"
    page = await dashboard.client.get("/")
    assert page.status_code == 200
    assert "No monitors yet." in page.text


async def test_setup_refuses_mismatched_passwords_and_stores_nobody(dashboard: Dashboard) -> None:
    answer = await dashboard.post(
        "/setup",
        {"username": "root", "password": PASSWORD, "password_confirm": "something else"},
        form_page="/setup",
    )
    assert answer.status_code == 422
    assert "the passwords differ" in answer.text
    async with dashboard.runtime.sessions() as session:
        assert not await accounts.has_users(session=session)


async def test_every_dashboard_post_is_refused_without_its_csrf_token(editor: Dashboard) -> None:
    posts = [
        route.path
        for module in PAGE_MODULES
        for route in module.router.routes
        if isinstance(route, APIRoute) and "POST" in (route.methods or set())
    ]
    assert len(posts) >= 15
    for path in posts:
        path = re.sub(r"\{\w+\}", "1", path)
        answer = await editor.client.post(path, data={"name": "x"})
        assert answer.status_code == 403, path
        assert "did not come from Upwatch" in answer.text


async def test_sign_in_is_rate_limited_with_a_clear_message(dashboard: Dashboard) -> None:
    await dashboard.add_user("ada", Role.VIEWER)
    for _ in range(accounts.MAX_FAILURES):
        wrong = await dashboard.post(
            "/login", {"username": "ada", "password": "guess"}, form_page="/login"
        )
        assert wrong.status_code == 401
        assert "Wrong username or password." in wrong.text
    refused = await dashboard.sign_in("ada")
    assert refused.status_code == 429
    assert "Too many failed sign-ins. Try again in 15 minutes." in refused.text


async def test_a_viewer_reads_but_cannot_change(dashboard: Dashboard) -> None:
    await dashboard.add_user("vi", Role.VIEWER)
    await dashboard.sign_in("vi")
    assert (await dashboard.client.get("/")).status_code == 200
    assert (await dashboard.client.get("/monitors/new")).status_code == 403
    refused = await dashboard.post("/monitors", {"kind": "heartbeat", "name": "x", "period": "60"})
    assert refused.status_code == 403
    assert (await dashboard.client.get("/settings/users")).status_code == 403
    assert await dashboard.count(MonitorRow) == 0


@pytest.mark.parametrize(
    ("form", "kind"),
    [
        (
            {"url": "http://127.0.0.1:9/health", "expect_status": "200, 3xx", "headers": "X-A: 1"},
            "http",
        ),
        ({"host": "127.0.0.1", "port": "5432", "send": "ping\n"}, "tcp"),
        ({"hostname": "example.test", "record_type": "MX", "expected": "mx.example.test"}, "dns"),
        ({"host": "127.0.0.1", "port": "443", "verify": "on", "warning_days": "20"}, "tls"),
        ({"cron": "0 3 * * *", "timezone": "Europe/Berlin", "grace": "600"}, "heartbeat"),
    ],
)
async def test_every_kind_is_created_through_its_form(
    editor: Dashboard, form: dict[str, str], kind: str
) -> None:
    fields = await editor.client.get("/monitors/new/fields", params={"kind": kind})
    assert fields.status_code == 200
    for name in form:
        assert f'name="{name}"' in fields.text
    created = await editor.post(
        "/monitors", {"kind": kind, "name": f"a {kind}", "interval": "30", "tags": "a, b", **form}
    )
    assert created.status_code == 303, created.text
    detail = await editor.client.get(created.headers["location"])
    assert f"a {kind}" in detail.text
    async with editor.runtime.sessions() as session:
        row = (await session.scalars(select(MonitorRow))).one()
    assert (row.kind, row.interval, row.tags) == (kind, 30, ["a", "b"])


async def test_bad_input_is_answered_inline_and_nothing_is_stored(editor: Dashboard) -> None:
    answer = await editor.post(
        "/monitors",
        {"kind": "http", "name": "", "interval": "5", "url": "nope", "headers": "broken"},
    )
    assert answer.status_code == 422
    for field in ("name", "interval", "url", "headers"):
        assert f'id="f-{field}-error"' in answer.text, field
    assert 'value="nope"' in answer.text
    assert await editor.count(MonitorRow) == 0


async def test_edit_pause_resume_check_now_and_clone(editor: Dashboard) -> None:
    created = await editor.post(
        "/monitors", {"kind": "http", "name": "api", "url": "http://127.0.0.1:9/"}
    )
    page = created.headers["location"]
    edit = await editor.client.get(f"{page}/edit")
    assert 'value="api"' in edit.text
    changed = await editor.post(
        page,
        {"kind": "http", "name": "api v2", "url": "http://127.0.0.1:9/v2"},
        form_page=f"{page}/edit",
    )
    assert changed.status_code == 303
    assert (await editor.post(f"{page}/pause", {})).status_code == 303
    assert "Resume" in (await editor.client.get(page)).text
    assert (await editor.post(f"{page}/check", {})).status_code == 409
    assert (await editor.post(f"{page}/resume", {})).status_code == 303
    assert (await editor.post(f"{page}/check", {})).status_code == 303
    clone = await editor.client.get("/monitors/new", params={"clone": page.rsplit("/", 1)[1]})
    assert 'value="Copy of api v2"' in clone.text
    assert "http://127.0.0.1:9/v2" in clone.text


async def test_the_list_filters_by_status_tag_and_text_and_pages(editor: Dashboard) -> None:
    async with editor.runtime.sessions.begin() as session:
        for number in range(55):
            spec = heartbeat_spec(
                name=f"job {number:02d}", tags=["blue" if number % 2 else "green"]
            )
            await monitors.create_monitor(session=session, spec=spec, now=editor.runtime.clock())
    first = await editor.client.get("/")
    assert "Page 1 of 2 (55 monitors)" in first.text
    assert "job 00" in first.text
    assert "job 54" not in first.text
    assert "job 54" in (await editor.client.get("/", params={"page": 2})).text
    blue = await editor.client.get("/", params={"tag": "blue"})
    assert "job 01" in blue.text
    assert "job 02" not in blue.text
    named = await editor.client.get("/", params={"q": "JOB 1"})
    assert len(re.findall(r'href="/monitors/\d+"', named.text)) == 10
    pending = await editor.client.get("/", params={"status": "pending", "q": "job 07"})
    assert "job 07" in pending.text
    nothing = await editor.client.get("/", params={"status": "down"})
    assert "No monitor matches this filter." in nothing.text
    partial = await editor.client.get(
        "/", params={"tag": "green"}, headers={"HX-Request": "true", "HX-Target": "monitor-table"}
    )
    assert "<html" not in partial.text
    assert "job 00" in partial.text


async def test_channels_are_created_from_their_form_and_send_a_test(
    editor: Dashboard, receiver: Receiver
) -> None:
    refused = await editor.post(
        "/channels", {"kind": "webhook", "name": "ops", "url": "nope", "secret": "short"}
    )
    assert refused.status_code == 422
    assert 'id="f-url-error"' in refused.text
    assert 'id="f-secret-error"' in refused.text
    assert await editor.count(ChannelRow) == 0
    created = await editor.post(
        "/channels",
        {"kind": "webhook", "name": "ops", "url": receiver.url("/hook"), "secret": "s" * 32},
    )
    assert created.status_code == 303, created.text
    listing = await editor.client.get("/channels")
    assert "ops" in listing.text
    assert "healthy" in listing.text
    tested = await editor.post("/channels/1/test", {}, form_page="/channels")
    assert "Sent in" in tested.text
    assert [r.path for r in receiver.requests] == ["/hook"]


async def test_api_tokens_made_in_the_ui_work_until_revoked(dashboard: Dashboard) -> None:
    await dashboard.add_user("root", Role.ADMIN)
    await dashboard.sign_in("root")
    made = await dashboard.post("/settings/tokens", {"name": "ci"}, form_page="/settings/tokens")
    assert made.status_code == 201
    token = re.search(r'id="new-token"[^>]*>(uw_[^<]+)<', made.text)
    assert token is not None
    bearer = {"Authorization": f"Bearer {token.group(1)}"}
    assert (await dashboard.client.get("/api/v1/monitors", headers=bearer)).status_code == 200
    revoked = await dashboard.post("/settings/tokens/1/revoke", {}, form_page="/settings/tokens")
    assert revoked.status_code == 303
    assert (await dashboard.client.get("/api/v1/monitors", headers=bearer)).status_code == 401
