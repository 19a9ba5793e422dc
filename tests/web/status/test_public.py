import asyncio
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from tests.factories import check_result
from tests.web.status.conftest import Site
from tests.web.status.support import monitor_with_history, status_page
from upwatch.domain.maintenance import parse_window
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import Outcome
from upwatch.services.maintenance import create_window
from upwatch.services.results import insert_new_results, record_results
from upwatch.services.rollup_job import run_rollup

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class _Bars(HTMLParser):
    """The title of every uptime bar, and its level, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.bars: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if "bar" in classes:
            level = next(c for c in classes if c.startswith("bar--"))
            self.bars.append((found.get("title") or "", level))


async def _outage(site: Site) -> tuple[int, int]:
    """Two monitors: ``web`` is up, ``db`` went down an hour ago (an incident is open)."""
    start = NOW - timedelta(hours=2)
    sessions = site.sessions
    web = await monitor_with_history(sessions, name="web", outcomes=[Outcome.UP] * 8, start=start)
    db = await monitor_with_history(
        sessions, name="db", outcomes=[Outcome.UP] * 4 + [Outcome.DOWN] * 4, start=start
    )
    return web, db


async def test_the_page_shows_a_down_monitor_and_its_open_incident(site: Site) -> None:
    web, db = await _outage(site)
    await status_page(
        site.sessions,
        NOW,
        slug="acme",
        title="Acme",
        description="Acme's services",
        groups=[
            {"name": "Website", "monitors": [web]},
            {"name": "Backend", "monitors": [{"monitor_id": db, "display_name": "Database"}]},
        ],
    )

    page = await site.client.get("/status/acme")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html = page.text
    assert "Partial outage" in html
    assert "Acme&#39;s services" in html
    assert "Active incidents" in html
    assert "<strong>Database</strong> is having an outage since" in html
    assert 'class="state state--down">Outage<' in html
    assert 'class="state state--up">Operational<' in html
    assert html.index("Website") < html.index("Backend")

    head = await site.client.head("/status/acme")
    assert (head.status_code, head.content, head.headers["etag"]) == (
        200,
        b"",
        page.headers["etag"],
    )

    summary = (await site.client.get("/status/acme.json")).json()
    assert summary["state"] == "partial_outage"
    assert [g["state"] for g in summary["groups"]] == ["operational", "major_outage"]
    assert summary["groups"][1]["components"][0]["status"] == "down"
    (incident,) = summary["active_incidents"]
    assert (incident["component"], incident["monitor_id"]) == ("Database", db)
    assert incident["started_at"] == "2026-11-23T11:00:00Z"
    assert incident["duration_seconds"] == 3600
    assert "cause" not in incident


async def test_unknown_and_private_pages_are_not_found(site: Site) -> None:
    await _outage(site)
    await status_page(site.sessions, NOW, slug="internal", title="I", public=False)
    for path in ("/status/nothing", "/status/internal", "/status/internal.json"):
        assert (await site.client.get(path)).status_code == 404, path


async def test_a_custom_domain_gets_its_page_at_the_root(site: Site) -> None:
    web, _ = await _outage(site)
    await status_page(
        site.sessions,
        NOW,
        slug="acme",
        title="Acme",
        custom_domain="status.acme.example",
        monitors=[web],
    )
    await status_page(
        site.sessions,
        NOW,
        slug="secret",
        title="Secret",
        custom_domain="status.secret.example",
        public=False,
        monitors=[web],
    )
    by_slug = await site.client.get("/status/acme")

    for host in ("status.acme.example", "STATUS.ACME.EXAMPLE:443", "status.acme.example."):
        by_domain = await site.client.get("/", headers={"Host": host})
        assert by_domain.status_code == 200, host
        assert by_domain.text == by_slug.text
    as_json = await site.client.get("/status.json", headers={"Host": "status.acme.example"})
    assert as_json.json()["slug"] == "acme"

    for host in ("upwatch.test", "status.secret.example", "127.0.0.1:8000", "other.example"):
        elsewhere = await site.client.get("/", headers={"Host": host})
        assert "Acme" not in elsewhere.text, host
        assert "Secret" not in elsewhere.text, host


async def test_ninety_day_bars_come_from_the_daily_rollups(site: Site) -> None:
    sessions = site.sessions
    two_days_ago = NOW.replace(hour=0) - timedelta(days=2)
    # Two days ago: 24 checks, all up; yesterday: 24 checks of which 6 failed.
    outcomes = [Outcome.UP] * 24 + [Outcome.UP] * 18 + [Outcome.DOWN] * 6
    web = await monitor_with_history(
        sessions, name="web", outcomes=outcomes, start=two_days_ago, every=timedelta(hours=1)
    )
    rolled = await run_rollup(sessions=sessions, now=NOW)
    assert rolled.days >= 2
    await status_page(sessions, NOW, slug="acme", title="Acme", monitors=[web])

    component = (await site.client.get("/status/acme.json")).json()["groups"][0]["components"][0]
    days = component["days"]
    assert len(days) == 90
    assert days[0]["day"] == "2026-08-26"
    assert [(d["day"], d["uptime_percent"]) for d in days[-3:-1]] == [
        ("2026-11-21", 100.0),
        ("2026-11-22", 75.0),
    ]
    assert all(d["uptime_percent"] is None for d in days[:-3])
    assert component["uptime_percent"] == 87.5

    parser = _Bars()
    parser.feed((await site.client.get("/status/acme")).text)
    assert len(parser.bars) == 90
    assert parser.bars[-3] == ("21 November 2026: 100% uptime", "bar--up")
    assert parser.bars[-2] == ("22 November 2026: 75.00% uptime", "bar--down")
    assert parser.bars[0] == ("26 August 2026: no data", "bar--none")


async def test_bars_of_a_day_rolled_up_again_change_on_the_next_render(site: Site) -> None:
    """The HTML of rolled-up days is kept between renders, until the rollups change."""
    sessions = site.sessions
    yesterday = NOW.replace(hour=0) - timedelta(days=1)
    web = await monitor_with_history(
        sessions, name="web", outcomes=[Outcome.UP] * 24, start=yesterday, every=timedelta(hours=1)
    )
    await run_rollup(sessions=sessions, now=NOW)
    await status_page(sessions, NOW, slug="acme", title="Acme", monitors=[web])
    parser = _Bars()
    parser.feed((await site.client.get("/status/acme")).text)
    assert parser.bars[-2] == ("22 November 2026: 100% uptime", "bar--up")

    # Failures from yesterday that a worker stored only now.
    late = [
        check_result(web, yesterday + timedelta(hours=n, minutes=30), Outcome.DOWN) for n in (1, 2)
    ]
    async with sessions.begin() as session:
        await insert_new_results(session, late, now=NOW)
    await run_rollup(sessions=sessions, now=NOW + timedelta(minutes=1))
    site.cache.pages.clear()
    parser = _Bars()
    parser.feed((await site.client.get("/status/acme")).text)
    assert parser.bars[-2] == ("22 November 2026: 92.30% uptime", "bar--down")
    assert site.cache.finished_days.reads == 2


async def test_maintenance_in_progress_and_coming_are_announced(site: Site) -> None:
    web, db = await _outage(site)
    async with site.sessions.begin() as session:
        for name, starts, monitor in (
            ("Database upgrade", NOW - timedelta(minutes=30), db),
            ("Network work", NOW + timedelta(days=2), web),
            ("Far future", NOW + timedelta(days=30), web),
        ):
            spec = parse_window(
                {
                    "name": name,
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(hours=1)).isoformat(),
                    "monitor_ids": [monitor],
                },
                now=NOW,
            )
            await create_window(session=session, spec=spec, now=NOW)
    await status_page(site.sessions, NOW, slug="acme", title="Acme", monitors=[web, db])

    notices = (await site.client.get("/status/acme.json")).json()["maintenance"]
    assert [(n["title"], n["active"], n["components"]) for n in notices] == [
        ("Database upgrade", True, ["db"]),
        ("Network work", False, ["web"]),
    ]
    html = (await site.client.get("/status/acme")).text
    assert "In progress" in html
    assert "Scheduled" in html
    assert "Far future" not in html


async def test_resolved_incidents_make_the_history(site: Site) -> None:
    start = NOW - timedelta(days=3)
    web = await monitor_with_history(
        site.sessions,
        name="web",
        outcomes=[Outcome.UP, Outcome.DOWN, Outcome.DOWN, Outcome.UP],
        start=start,
        every=timedelta(minutes=10),
    )
    await status_page(site.sessions, NOW, slug="acme", title="Acme", monitors=[web])

    summary = (await site.client.get("/status/acme.json")).json()
    assert summary["active_incidents"] == []
    (past,) = summary["incident_history"]
    assert past["duration_seconds"] == 1200
    html = (await site.client.get("/status/acme")).text
    assert "20 November 2026" in html
    assert "had an outage from" in html
    assert "(20 min). Resolved." in html


async def test_a_burst_of_visitors_costs_one_render(site: Site) -> None:
    web, db = await _outage(site)
    page_id = await status_page(site.sessions, NOW, slug="acme", title="Acme", monitors=[web, db])
    cache = site.cache

    burst = await asyncio.gather(*(site.client.get("/status/acme") for _ in range(20)))
    assert {answer.status_code for answer in burst} == {200}
    assert len({answer.text for answer in burst}) == 1
    assert cache.pages.renders == 1
    first = burst[0]
    assert first.headers["cache-control"] == "public, max-age=30"
    etag = first.headers["etag"]

    # The database recovers, but the page in memory is served until it expires.
    async with site.sessions.begin() as session:
        await record_results(
            session=session, results=[check_result(db, NOW, Outcome.UP)], flap=FlapPolicy()
        )
    again = await site.client.get("/status/acme")
    assert again.text == first.text
    assert cache.pages.renders == 1

    unchanged = await site.client.get("/status/acme", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == etag

    headers = await site.token()
    await site.client.patch(
        f"/api/v1/status-pages/{page_id}", json={"title": "Acme Inc"}, headers=headers
    )
    changed = await site.client.get("/status/acme", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Acme Inc" in changed.text
    assert changed.headers["etag"] != etag


async def test_the_stylesheet_is_served_with_a_long_lifetime(site: Site) -> None:
    answer = await site.client.get("/status/_assets/status.css")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/css")
    assert "prefers-color-scheme: dark" in answer.text
    again = await site.client.get(
        "/status/_assets/status.css", headers={"If-None-Match": answer.headers["etag"]}
    )
    assert again.status_code == 304
