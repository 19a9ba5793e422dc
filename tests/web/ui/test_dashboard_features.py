"""Resolve, maintenance windows, channel edits and the two-factor QR code, in a browser."""

import pytest
from playwright.sync_api import Page, expect

from tests.web.ui.conftest import Screens

pytestmark = pytest.mark.e2e
# The target refuses connections: DOWN at the first check, which runs at once.
DOWN_WITHIN_MS = 25_000


def test_an_incident_is_resolved_by_hand_with_a_note(admin: Page, screens: Screens) -> None:
    admin.goto("/monitors/new")
    admin.get_by_label("Name (required)").fill("Refused")
    admin.get_by_label("Check every (seconds)").fill("10")
    admin.get_by_label("Timeout (seconds)").fill("2")
    admin.get_by_label("URL (required)").fill("http://127.0.0.1:9/")
    admin.get_by_role("button", name="Create monitor").click()
    incident = admin.locator("#activity").get_by_role("link", name="Incident #")
    expect(incident.first).to_be_visible(timeout=DOWN_WITHIN_MS)
    incident.first.click()

    expect(admin.get_by_role("button", name="Resolve incident")).to_be_visible()
    admin.get_by_label("Note (optional)").fill("Known: the port is closed on purpose.")
    screens.take(admin, "before-resolve")
    admin.get_by_role("button", name="Resolve incident").click()
    expect(admin.locator(".timeline")).to_contain_text("Resolved by admin")
    expect(admin.locator(".timeline")).to_contain_text("the port is closed on purpose")
    expect(admin.get_by_role("button", name="Resolve incident")).to_have_count(0)
    screens.take(admin, "resolved")


def test_maintenance_windows_are_planned_with_inline_errors_and_deleted(
    admin: Page, screens: Screens
) -> None:
    admin.get_by_role("link", name="Maintenance").click()
    expect(admin.get_by_role("heading", name="Maintenance windows")).to_be_visible()
    admin.get_by_label("Name").fill("Sunday patching")
    admin.get_by_label("Repeats").select_option("rrule")
    admin.get_by_label("RRULE").fill("FREQ=SOMETIMES")
    admin.get_by_label("Tags").fill("db")
    admin.get_by_role("button", name="Create window").click()
    expect(admin.get_by_role("alert")).to_contain_text("Nothing was saved")
    expect(admin.get_by_label("RRULE")).to_have_attribute("aria-invalid", "true")
    expect(admin.locator("#f-rrule-error")).to_be_visible()
    expect(admin.get_by_label("Name")).to_have_value("Sunday patching")
    screens.take(admin, "window-errors")

    admin.get_by_label("RRULE").fill("FREQ=WEEKLY;BYDAY=SU;BYHOUR=2")
    admin.get_by_role("button", name="Create window").click()
    expect(admin.locator("#f-duration-error")).to_contain_text("needs a duration")
    admin.get_by_label("Duration (seconds)").fill("3600")
    admin.get_by_label("Time zone").fill("Europe/Berlin")
    admin.get_by_role("button", name="Create window").click()
    row = admin.get_by_role("row", name="Sunday patching")
    expect(row).to_contain_text("Europe/Berlin")
    expect(row).to_contain_text("next")
    screens.take(admin, "window-listed")

    admin.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Delete Sunday patching").click()
    expect(admin.get_by_role("row", name="Sunday patching")).to_have_count(0)


def test_a_channel_is_edited_in_place(admin: Page, screens: Screens) -> None:
    admin.goto("/channels/new?kind=email")
    admin.get_by_label("Name").fill("Mail ops")
    admin.get_by_label("To").fill("ops@example.com")
    admin.get_by_role("button", name="Create channel").click()
    admin.get_by_role("link", name="Edit Mail ops").click()
    expect(admin.get_by_role("heading", name="Edit Mail ops")).to_be_visible()
    expect(admin.get_by_label("To")).to_have_value("ops@example.com")
    admin.get_by_label("To").fill("not an address")
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.locator("#f-to-error")).to_be_visible()
    screens.take(admin, "channel-edit-error")
    admin.get_by_label("Name").fill("Mail on-call")
    admin.get_by_label("To").fill("oncall@example.com")
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.get_by_role("cell", name="Mail on-call", exact=True)).to_be_visible()


def test_the_two_factor_key_is_shown_as_a_qr_code(admin: Page, screens: Screens) -> None:
    admin.goto("/settings")
    qr = admin.get_by_role("img", name="QR code of the two-factor key")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None
    assert box["width"] >= 100
    screens.take(admin, "totp-qr")
