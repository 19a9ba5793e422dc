"""What the dashboard refuses, in a browser: bad input, forged posts, a viewer, wrong codes."""

import re

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import Upwatch
from tests.web.ui.conftest import Screens, new_page, sign_in

pytestmark = pytest.mark.e2e


def monitor_count(page: Page) -> str:
    page.goto("/")
    return page.locator("#monitor-table").inner_text()


def test_bad_input_gets_inline_messages_and_stores_nothing(admin: Page, screens: Screens) -> None:
    before = monitor_count(admin)
    admin.goto("/monitors/new")
    admin.get_by_label("Name (required)").fill("Broken")
    admin.get_by_label("Check every (seconds)").fill("5")
    admin.get_by_label("URL (required)").fill("not a url")
    admin.get_by_label("JSON assertions").fill("[{")
    admin.get_by_role("button", name="Create monitor").click()

    expect(admin.get_by_role("alert")).to_contain_text("Nothing was saved")
    interval = admin.get_by_label("Check every (seconds)")
    expect(interval).to_have_attribute("aria-invalid", "true")
    expect(admin.locator("#f-json_assertions-error")).to_contain_text("not valid JSON")
    # The form keeps what was typed.
    expect(admin.get_by_label("Name (required)")).to_have_value("Broken")
    screens.take(admin, "json-error")

    admin.get_by_label("JSON assertions").fill("")
    admin.get_by_role("button", name="Create monitor").click()
    expect(admin.locator("#f-interval-error")).to_contain_text("greater than or equal to 10")
    expect(admin.locator("#f-url-error")).to_contain_text("URL")
    screens.take(admin, "field-errors")
    assert monitor_count(admin) == before


def test_a_post_without_the_csrf_token_is_refused(admin: Page, shared_upwatch: Upwatch) -> None:
    form: dict[str, str | float | bool] = {"kind": "heartbeat", "name": "forged", "period": "60"}
    forged = admin.request.post("/monitors", form=form, max_redirects=0)
    assert forged.status == 403
    assert "did not come from Upwatch" in forged.text()

    admin.goto("/monitors/new")
    token = admin.locator('input[name="csrf_token"]').first.input_value()
    wrong = admin.request.post(
        "/monitors", form={**form, "csrf_token": token[::-1]}, max_redirects=0
    )
    assert wrong.status == 403
    genuine = admin.request.post("/monitors", form={**form, "csrf_token": token}, max_redirects=0)
    assert genuine.status == 303
    assert "forged" in monitor_count(admin)


def test_a_viewer_can_look_but_not_edit(
    admin: Page, browser: Browser, shared_upwatch: Upwatch, screens: Screens
) -> None:
    admin.goto("/settings/users")
    admin.get_by_label("Username").fill("watcher")
    admin.get_by_label("Initial password").fill("watcher's password")
    admin.get_by_label("Role", exact=True).select_option("viewer")
    admin.get_by_role("button", name="Add user").click()
    expect(admin.get_by_role("cell", name="watcher", exact=True)).to_be_visible()

    context, viewer = new_page(browser, shared_upwatch)
    sign_in(viewer, "watcher", "watcher's password")
    expect(viewer.get_by_role("heading", name="Monitors")).to_be_visible()
    expect(viewer.get_by_role("link", name="New monitor")).to_have_count(0)
    screens.take(viewer, "viewer-dashboard")

    token = viewer.locator('input[name="csrf_token"]').first.input_value()
    viewer.goto("/monitors/new")
    expect(viewer.get_by_role("alert")).to_contain_text("can look but not change")
    screens.take(viewer, "viewer-refused")
    refused = viewer.request.post(
        "/monitors",
        form={"csrf_token": token, "kind": "heartbeat", "name": "nope", "period": "60"},
        max_redirects=0,
    )
    assert refused.status == 403
    assert "nope" not in monitor_count(admin)
    context.close()


def test_two_factor_sign_in_refuses_a_wrong_code(
    browser: Browser, shared_upwatch: Upwatch, screens: Screens
) -> None:
    context, page = _signed_in_as_new_editor(browser, shared_upwatch, "second-factor")
    page.goto("/settings")
    secret = page.locator("#totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    expect(page.locator("#totp-uri")).to_contain_text("otpauth://totp/Upwatch:second-factor")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("status")).to_contain_text("Two-factor sign-in is on")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "second-factor", "second factor's password")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    right = pyotp.TOTP(secret).now()
    page.get_by_label("6-digit code").fill("000000" if right != "000000" else "111111")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("This code is not right")
    screens.take(page, "wrong-code")
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    context.close()


def _signed_in_as_new_editor(
    browser: Browser, upwatch: Upwatch, username: str
) -> tuple[BrowserContext, Page]:
    context, page = new_page(browser, upwatch)
    sign_in(page)
    page.goto("/settings/users")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Initial password").fill(f"{username.replace('-', ' ')}'s password")
    page.get_by_label("Role", exact=True).select_option("editor")
    page.get_by_role("button", name="Add user").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, username, f"{username.replace('-', ' ')}'s password")
    expect(page.get_by_role("heading", name="Monitors")).to_be_visible()
    return context, page
