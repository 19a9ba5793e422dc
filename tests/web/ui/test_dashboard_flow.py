"""The whole story in a browser: set up, sign in, add a monitor, watch it go down live."""

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Upwatch
from tests.web.ui.conftest import Screens, Target, new_page

pytestmark = pytest.mark.e2e
USERNAME, PASSWORD = "owner", "the owner's long password"
# A check every 10 s (the minimum), 2 s timeout, DOWN on the first failure; plus a tick and a
# result flush: DOWN shows within about 15 s of the target stopping.
DOWN_WITHIN_MS = 25_000


def test_setup_login_create_monitor_then_outage_shows_live(
    browser: Browser, upwatch: Upwatch, target: Target, screens: Screens
) -> None:
    context, page = new_page(browser, upwatch)

    page.goto("/")
    expect(page).to_have_url(f"{upwatch.base_url}/setup")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    screens.take(page, "setup")
    page.get_by_role("button", name="Create administrator").click()
    expect(page.get_by_role("heading", name="Monitors")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    screens.take(page, "login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("No monitors yet.")).to_be_visible()
    screens.take(page, "empty-dashboard")

    page.get_by_role("link", name="New monitor").click()
    page.get_by_label("Name (required)").fill("Shop")
    page.get_by_label("Check every (seconds)").fill("10")
    page.get_by_label("Timeout (seconds)").fill("2")
    page.get_by_label("URL (required)").fill(target.url)
    page.get_by_label("JSON assertions").fill('[{"path": "$.status", "equals": "ok"}]')
    screens.take(page, "new-monitor")
    page.get_by_role("button", name="Create monitor").click()

    status = page.locator("h1 .badge")
    expect(page.get_by_role("heading", name="Shop")).to_be_visible()
    expect(status).to_have_text("up")
    screens.take(page, "monitor-up")
    monitor_url = page.url

    target.stop()
    # No reload: the badge and the incident list change through the live stream.
    expect(status).to_have_text("down", timeout=DOWN_WITHIN_MS)
    assert page.url == monitor_url
    incident = page.locator("#activity").get_by_role("link", name="Incident #1")
    expect(incident).to_be_visible()
    expect(page.locator("#activity")).to_contain_text("open")
    screens.take(page, "monitor-down")

    page.get_by_role("link", name="Monitors", exact=True).first.click()
    expect(page.locator("#open-incidents")).to_contain_text("Shop")
    expect(page.locator("tbody .badge").first).to_have_text("down")
    screens.take(page, "dashboard-down")

    incident_link = page.locator("#open-incidents").get_by_role("link", name="Shop")
    incident_link.click()
    expect(page.get_by_role("heading", name="Incident #1")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Opened")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".timeline")).to_contain_text(f"Acknowledged by {USERNAME}")
    page.get_by_role("textbox", name="Note", exact=True).fill("Looking into it.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".timeline")).to_contain_text("Looking into it.")
    screens.take(page, "incident")

    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("status pages")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").inner_text()
    monitor_id = int(monitor_url.rsplit("/", 1)[1])
    created = httpx.post(
        f"{upwatch.base_url}/api/v1/status-pages",
        headers={"Authorization": f"Bearer {token}"},
        json={"slug": "shop", "title": "Shop status", "monitors": [monitor_id]},
    )
    assert created.status_code == 201, created.text

    public, visitor = new_page(browser, upwatch)  # no sign-in: the status page is public
    visitor.goto("/status/shop")
    expect(visitor.get_by_text("Shop status").first).to_be_visible()
    expect(visitor.locator(".notice--down")).to_contain_text("is having an outage")
    screens.take(visitor, "status-page")
    badge = visitor.request.get(f"/badge/{monitor_id}/status.svg")
    assert badge.headers["content-type"].startswith("image/svg+xml")
    assert ">down<" in badge.text()
    visitor.set_content(f"<body>{badge.text()}</body>")  # a bare SVG document hangs screenshots
    screens.take(visitor, "badge")
    public.close()
    context.close()
