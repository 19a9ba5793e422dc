"""Browser tests: Debian's Chromium driven by Playwright against a real ``upwatch serve``."""

import os
import re
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.conftest import UPWATCH, Upwatch, free_port
from tests.web.ui.dashboard import Dashboard
from upwatch.services.accounts import Role
from upwatch.settings import Settings
from upwatch.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parents[3] / "test-artifacts" / "ui"
ADMIN, ADMIN_PASSWORD = "admin", "a long admin password"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')

expect.set_options(timeout=10_000)


class Target:
    """A local HTTP server answering ``/health`` with 200, which a test can stop."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/health"
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        class Health(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = b'{"status": "ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Health)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def target() -> Iterator[Target]:
    server = Target()
    server.start()
    yield server
    server.stop()


def start_upwatch(data: Path) -> Iterator[Upwatch]:
    port = free_port()
    env = {
        **os.environ,
        "UPWATCH_DATA_DIR": str(data),
        "UPWATCH_PORT": str(port),
        "UPWATCH_LOG_FORMAT": "json",
        "UPWATCH_SCHEDULER_TICK_SECONDS": "0.5",
    }
    env.pop("UPWATCH_DATABASE_URL", None)
    data.mkdir(parents=True, exist_ok=True)
    log = data / "upwatch.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([*UPWATCH, "serve"], env=env, stdout=sink, stderr=sink)
    instance = Upwatch(f"http://127.0.0.1:{port}", env, process, log)
    try:
        # Generous: on a loaded machine (parallel test runs) migrations and start-up are slow.
        deadline = time.monotonic() + 90
        while not _ready(instance):
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        yield instance
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise


def _ready(instance: Upwatch) -> bool:
    try:
        return httpx.get(f"{instance.base_url}/ready", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def upwatch(tmp_path: Path) -> Iterator[Upwatch]:
    """A fresh ``upwatch serve``: no user yet, so the first page is the setup."""
    yield from start_upwatch(tmp_path / "data")


@pytest.fixture(scope="module")
def shared_upwatch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upwatch]:
    """One ``upwatch serve`` for the tests of a module, its administrator already set up."""
    for instance in start_upwatch(tmp_path_factory.mktemp("upwatch") / "data"):
        with httpx.Client(base_url=instance.base_url) as client:
            token = CSRF.search(client.get("/setup").text)
            assert token is not None
            created = client.post(
                "/setup",
                data={
                    "csrf_token": token.group(1),
                    "username": ADMIN,
                    "password": ADMIN_PASSWORD,
                    "password_confirm": ADMIN_PASSWORD,
                },
            )
            assert created.status_code == 303, created.text
        yield instance


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    # Per module, not per session: the sync driver must not outlive into asyncio tests.
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        # `make test` installs it; CI must never skip these silently.
        if os.environ.get("CI"):
            raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


class Screens:
    """Screenshots of each step, kept under test-artifacts/ui/<test>/ for people to look at."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def take(self, page: Page, step: str) -> None:
        self.count += 1
        page.screenshot(path=self.folder / f"{self.count:02d}-{step}.png", full_page=True)


@pytest.fixture
def screens(request: pytest.FixtureRequest) -> Screens:
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return Screens(folder)


def new_page(browser: Browser, upwatch: Upwatch) -> tuple[BrowserContext, Page]:
    context = browser.new_context(
        base_url=upwatch.base_url, viewport={"width": 1280, "height": 900}
    )
    return context, context.new_page()


def sign_in(page: Page, username: str = ADMIN, password: str = ADMIN_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def admin(browser: Browser, shared_upwatch: Upwatch) -> Iterator[Page]:
    """A page signed in as the admin, on the module's shared Upwatch."""
    context, page = new_page(browser, shared_upwatch)
    sign_in(page)
    expect(page.get_by_role("heading", name="Monitors")).to_be_visible()
    yield page
    context.close()


@pytest.fixture
async def dashboard(
    database: AsyncEngine, database_url: str, tmp_path: Path
) -> AsyncIterator[Dashboard]:
    settings = Settings(
        database_url=database_url, data_dir=tmp_path, public_url="https://upwatch.example"
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="https://upwatch.test"
        ) as client:
            yield Dashboard(client, app.state.runtime)


@pytest.fixture
async def editor(dashboard: Dashboard) -> Dashboard:
    await dashboard.add_user("ed", Role.EDITOR)
    assert (await dashboard.sign_in("ed")).status_code == 303
    return dashboard
