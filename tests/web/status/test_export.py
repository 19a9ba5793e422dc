"""`upwatch statuspage export` as users run it: a real process on each database."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from tests.web.status.support import Sessions, monitor_with_history, status_page
from upwatch.domain.status import Outcome
from upwatch.services.status_pages import find_by_slug
from upwatch.services.status_summary import build_summary


def export(
    *args: str, database_url: str | None, data_dir: Path
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "UPWATCH_DATA_DIR": str(data_dir), "UPWATCH_LOG_LEVEL": "error"}
    environment.pop("UPWATCH_DATABASE_URL", None)
    if database_url:
        environment["UPWATCH_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "upwatch", "statuspage", "export", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value for name, value in attrs if name in ("href", "src") and value]


async def test_the_export_is_a_site_that_shows_the_same_state_offline(
    sessions: Sessions, database_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(hours=2)
    web = await monitor_with_history(sessions, name="web", outcomes=[Outcome.UP] * 6, start=start)
    db = await monitor_with_history(
        sessions, name="db", outcomes=[Outcome.UP] * 3 + [Outcome.DOWN] * 3, start=start
    )
    await status_page(
        sessions,
        now,
        slug="acme",
        title="Acme",
        groups=[{"name": "Shop", "monitors": [web, {"monitor_id": db, "display_name": "Orders"}]}],
    )
    site = tmp_path / "site" / "acme"

    done = export("acme", str(site), database_url=database_url, data_dir=tmp_path)

    assert done.returncode == 0, done.stderr
    assert "index.html" in done.stdout
    html = (site / "index.html").read_text()
    assert "Partial outage" in html
    assert "<strong>Orders</strong> is having an outage since" in html
    links = _Links()
    links.feed(html)
    for link in links.links:
        assert link.startswith(("data:", "#")) or (site / link).is_file(), link
    assert "assets/status.css" in links.links
    assert "status.json" in links.links

    exported = json.loads((site / "status.json").read_text())
    async with sessions() as session:
        page = await find_by_slug(session=session, slug="acme")
        assert page is not None
        live = await build_summary(session=session, page=page, now=now)
    assert exported["state"] == live.state.value == "partial_outage"
    assert [
        (c["name"], c["status"], len(c["days"])) for c in exported["groups"][0]["components"]
    ] == [("web", "up", 90), ("Orders", "down", 90)]
    assert [i["id"] for i in exported["active_incidents"]] == [i.id for i in live.active_incidents]


def test_an_unknown_slug_or_a_directory_that_cannot_be_written_is_an_error(
    tmp_path: Path,
) -> None:
    unknown = export("nope", str(tmp_path / "out"), database_url=None, data_dir=tmp_path)
    assert unknown.returncode == 2
    assert "no status page with the slug 'nope'" in unknown.stderr
    assert list((tmp_path / "out").iterdir()) == []

    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    unwritable = export("acme", str(blocker / "site"), database_url=None, data_dir=tmp_path)
    assert unwritable.returncode == 2
    assert f"cannot write the site into {blocker / 'site'}: Not a directory" in unwritable.stderr
