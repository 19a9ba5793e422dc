"""Editing a channel from the dashboard, on SQLite and PostgreSQL."""

from tests.receivers import Receiver
from tests.web.ui.dashboard import Dashboard
from upwatch.services.accounts import Role

SECRET = "s" * 32


async def _webhook(editor: Dashboard, receiver: Receiver) -> None:
    created = await editor.post(
        "/channels",
        {"kind": "webhook", "name": "ops", "url": receiver.url("/hook"), "secret": SECRET},
        form_page="/channels/new",
    )
    assert created.status_code == 303, created.text


async def test_a_channel_is_edited_without_entering_its_secrets_again(
    editor: Dashboard, receiver: Receiver
) -> None:
    await _webhook(editor, receiver)
    form = await editor.client.get("/channels/1/edit")
    assert form.status_code == 200
    assert 'value="ops"' in form.text
    assert SECRET not in form.text
    assert "/hook" not in form.text
    assert "leave empty to keep it" in form.text

    saved = await editor.post(
        "/channels/1", {"name": "on-call", "url": "", "secret": ""}, form_page="/channels/1/edit"
    )
    assert saved.status_code == 303, saved.text
    assert "on-call" in (await editor.client.get("/channels")).text
    tested = await editor.post("/channels/1/test", {}, form_page="/channels")
    assert "Sent in" in tested.text
    assert receiver.requests[-1].path == "/hook"


async def test_a_bad_edit_is_answered_inline_and_changes_nothing(
    editor: Dashboard, receiver: Receiver
) -> None:
    await _webhook(editor, receiver)
    refused = await editor.post(
        "/channels/1",
        {"name": "", "url": "not a url", "secret": "short"},
        form_page="/channels/1/edit",
    )
    assert refused.status_code == 422
    assert 'id="f-name-error"' in refused.text
    again = await editor.post(
        "/channels/1",
        {"name": "ops", "url": "not a url", "secret": "short"},
        form_page="/channels/1/edit",
    )
    assert again.status_code == 422
    assert 'id="f-url-error"' in again.text
    assert 'id="f-secret-error"' in again.text
    tested = await editor.post("/channels/1/test", {}, form_page="/channels")
    assert "Sent in" in tested.text
    assert receiver.requests[-1].path == "/hook"


async def test_a_viewer_cannot_edit_a_channel(dashboard: Dashboard, receiver: Receiver) -> None:
    await dashboard.add_user("ed", Role.EDITOR)
    await dashboard.sign_in("ed")
    await _webhook(dashboard, receiver)
    assert (await dashboard.post("/logout", {})).status_code == 303
    await dashboard.add_user("vi", Role.VIEWER)
    await dashboard.sign_in("vi")
    assert (await dashboard.client.get("/channels/1/edit")).status_code == 403
    refused = await dashboard.post("/channels/1", {"name": "x"}, form_page="/channels")
    assert refused.status_code == 403
    assert "Edit" not in (await dashboard.client.get("/channels")).text
