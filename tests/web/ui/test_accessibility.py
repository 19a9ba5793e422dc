"""Accessibility, phone and dark mode, in a browser: axe-core on the main pages in both colour
schemes, visible focus, landmarks, and no sideways scrolling on a phone."""

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import Upwatch
from tests.web.ui.conftest import Screens, sign_in

pytestmark = pytest.mark.e2e
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 812}
# The impacts that fail a test; "minor" and "moderate" findings are printed, not fatal.
BLOCKING = {"serious", "critical"}
SIGNED_IN_PAGES = [
    "/",
    "/monitors/1",
    "/monitors/new",
    "/incidents",
    "/incidents/1",
    "/maintenance",
    "/channels",
    "/channels/new",
    "/settings",
    "/settings/tokens",
    "/settings/users",
]
PUBLIC_PAGES = ["/login", "/status/a11y"]


@pytest.fixture(scope="module")
def content(shared_upwatch: Upwatch, browser: Browser) -> Upwatch:
    """A monitor that is down (so an incident), a channel, a window and a status page."""
    context, page = _context(browser, shared_upwatch)
    sign_in(page)
    page.goto("/settings/tokens")
    page.get_by_label("Name").fill("a11y")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").inner_text()
    context.close()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=shared_upwatch.base_url, headers=headers) as api:
        monitor = api.post(
            "/api/v1/monitors",
            json={
                "name": "Refused",
                "kind": "http",
                "url": "http://127.0.0.1:9/",
                "interval": 10,
                "timeout": 2,
            },
        )
        assert monitor.status_code == 201, monitor.text
        channel = {"name": "Mail", "kind": "email", "to": ["ops@example.com"]}
        assert api.post("/api/v1/channels", json=channel).status_code == 201
        window = {"name": "Patching", "cron": "0 2 * * 0", "duration": 3600, "tags": ["db"]}
        assert api.post("/api/v1/maintenance", json=window).status_code == 201
        status_page = {"slug": "a11y", "title": "Status", "monitors": [monitor.json()["id"]]}
        assert api.post("/api/v1/status-pages", json=status_page).status_code == 201
        for _ in range(100):
            if api.get("/api/v1/incidents").json()["total"]:
                break
            time.sleep(0.25)
        assert api.get("/api/v1/incidents").json()["total"] >= 1
    return shared_upwatch


def _context(
    browser: Browser,
    upwatch: Upwatch,
    *,
    scheme: str = "light",
    viewport: dict[str, int] | None = None,
) -> tuple[BrowserContext, Page]:
    # Test-only: axe is injected as an inline script, which the pages' CSP rightly forbids.
    context = browser.new_context(
        base_url=upwatch.base_url,
        viewport=viewport or {"width": 1280, "height": 900},  # type: ignore[arg-type]
        color_scheme=scheme,  # type: ignore[arg-type]
        bypass_csp=True,
    )
    return context, context.new_page()


def _violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    found: list[dict[str, Any]] = result["violations"]
    return found


def _report(path: str, violations: list[dict[str, Any]]) -> str:
    return json.dumps(
        [
            {
                "page": path,
                "rule": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "where": [node["target"] for node in v["nodes"][:5]],
            }
            for v in violations
        ],
        indent=1,
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_the_main_pages(
    browser: Browser, content: Upwatch, scheme: str, screens: Screens
) -> None:
    context, page = _context(browser, content, scheme=scheme)
    failures = []
    for path in PUBLIC_PAGES:
        page.goto(path)
        failures += [(path, v) for v in _violations(page)]
    sign_in(page)
    expect(page.get_by_role("heading", name="Monitors")).to_be_visible()
    for path in SIGNED_IN_PAGES:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        failures += [(path, v) for v in _violations(page)]
        screens.take(page, re.sub(r"\W+", "-", path).strip("-") or "monitors")
    context.close()
    for path, violation in failures:
        print(_report(path, [violation]))
    blocking = [(p, v) for p, v in failures if v["impact"] in BLOCKING]
    assert not blocking, "\n".join(_report(p, [v]) for p, v in blocking)


def test_every_page_has_landmarks_and_labelled_inputs(browser: Browser, content: Upwatch) -> None:
    context, page = _context(browser, content)
    sign_in(page)
    for path in SIGNED_IN_PAGES:
        page.goto(path)
        expect(page.get_by_role("main")).to_have_count(1)
        expect(page.get_by_role("banner")).to_have_count(1)
        expect(page.get_by_role("navigation", name="Main")).to_have_count(1)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea')]
                .filter(e => e.type !== 'hidden' && !e.hidden && !(e.labels && e.labels.length)
                             && !e.getAttribute('aria-label'))
                .map(e => e.name)"""
        )
        assert unlabelled == [], (path, unlabelled)
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_keyboard_focus_is_always_visible(browser: Browser, content: Upwatch, scheme: str) -> None:
    context, page = _context(browser, content, scheme=scheme)
    sign_in(page)
    page.goto("/maintenance")
    seen = set()
    for _ in range(25):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const e = document.activeElement, s = getComputedStyle(e);
                return {tag: e.tagName, name: e.name || e.textContent.trim().slice(0, 30),
                        outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }"""
        )
        if focused["tag"] == "BODY":
            continue
        seen.add(focused["tag"])
        assert focused["outline"] != "none", focused
        assert focused["width"] >= 2, focused
    assert {"A", "INPUT", "SELECT"} <= seen
    context.close()


@pytest.mark.parametrize("path", ["/", "/status/a11y", "/maintenance", "/incidents/1"])
def test_a_phone_never_scrolls_sideways(
    browser: Browser, content: Upwatch, path: str, screens: Screens
) -> None:
    context, page = _context(browser, content, viewport=PHONE)
    if not path.startswith("/status"):
        sign_in(page)
    page.goto(path)
    page.wait_for_load_state("networkidle")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    screens.take(page, "phone")
    assert width <= PHONE["width"], f"{path} is {width} px wide on a {PHONE['width']} px phone"
    context.close()


def test_dark_mode_follows_the_system_setting(
    browser: Browser, content: Upwatch, screens: Screens
) -> None:
    context, page = _context(browser, content, scheme="dark")
    sign_in(page)
    page.goto("/")
    colours = page.evaluate(
        """() => { const s = getComputedStyle(document.body);
            return {bg: s.backgroundColor, fg: s.color}; }"""
    )
    assert colours == {"bg": "rgb(18, 22, 27)", "fg": "rgb(230, 233, 237)"}
    screens.take(page, "dark-monitors")
    context.close()


def test_the_axe_harness_catches_a_bad_page(browser: Browser, content: Upwatch) -> None:
    """Guards the tests above against passing because axe never ran."""
    context, page = _context(browser, content)
    page.goto("/login")
    page.set_content(
        '<html><body><input name="x"><p style="color:#aaa;background:#fff">faint</p></body></html>'
    )
    rules = {v["id"]: v["impact"] for v in _violations(page)}
    assert rules["label"] == "critical"
    assert rules["color-contrast"] == "serious"
    context.close()
