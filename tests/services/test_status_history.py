"""Bars of rolled-up days kept between status page renders: each change the page must show
shows on the next render, exactly as a render that keeps nothing would show it."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import check_result, http_spec
from tests.services.rollup_data import Raw, make_monitors, store
from upwatch.domain.maintenance import parse_window
from upwatch.domain.state import FlapPolicy
from upwatch.domain.status import Outcome
from upwatch.domain.status_pages import StatusPageSpec
from upwatch.services.maintenance import create_window
from upwatch.services.monitors import create_monitor, delete_monitor
from upwatch.services.results import record_results
from upwatch.services.rollup_job import run_rollup
from upwatch.services.status_history import FinishedDaysCache
from upwatch.services.status_pages import create_page, find_by_slug, replace_page
from upwatch.services.status_summary import ComponentSummary, StatusSummary, build_summary

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TODAY = NOW.replace(hour=0)


def _hourly(monitor_ids: Sequence[int], since: datetime, hours: int, outcome: str) -> list[Raw]:
    return [
        Raw(monitor_id, since + timedelta(hours=n, minutes=5), outcome, 80.0)
        for monitor_id in monitor_ids
        for n in range(hours)
    ]


async def _history(sessions: Sessions, clock: Clock, count: int) -> list[int]:
    """``count`` monitors up every hour of the last three days until now, rolled up."""
    monitor_ids = await make_monitors(sessions, clock, count)
    await store(sessions, _hourly(monitor_ids, TODAY - timedelta(days=3), 3 * 24 + 12, "up"))
    await run_rollup(sessions=sessions, now=NOW)
    return monitor_ids


async def _page(sessions: Sessions, monitor_ids: Sequence[int], *, page_id: int = 0) -> int:
    spec = StatusPageSpec.model_validate({"slug": "acme", "title": "Acme", "monitors": monitor_ids})
    async with sessions.begin() as session:
        if page_id:
            row = await replace_page(session=session, page_id=page_id, spec=spec, now=NOW)
        else:
            row = await create_page(session=session, spec=spec, now=NOW)
        return row.id


async def _render(sessions: Sessions, kept: FinishedDaysCache, now: datetime) -> StatusSummary:
    """The page with ``kept``, after proving it the same as a render that keeps nothing."""
    async with sessions() as session:
        page = await find_by_slug(session=session, slug="acme")
        assert page is not None
        summary = await build_summary(session=session, page=page, now=now, finished_days=kept)
        afresh = await build_summary(session=session, page=page, now=now)
    assert summary.model_dump() == afresh.model_dump()
    return summary


def _components(summary: StatusSummary) -> list[ComponentSummary]:
    return [component for group in summary.groups for component in group.components]


def _uptimes(component: ComponentSummary, last: int) -> list[tuple[str, float | None]]:
    return [(day.day.isoformat(), day.uptime_percent) for day in component.days[-last:]]


async def test_rolled_up_days_are_read_once_while_the_rollups_stand(
    sessions: Sessions, clock: Clock
) -> None:
    monitor_ids = await _history(sessions, clock, 2)
    await _page(sessions, monitor_ids)
    kept = FinishedDaysCache()

    first = await _render(sessions, kept, NOW)
    await run_rollup(sessions=sessions, now=NOW + timedelta(minutes=1))  # nothing new to roll
    second = await _render(sessions, kept, NOW + timedelta(minutes=1))

    assert kept.reads == 1
    for before, after in zip(_components(first), _components(second), strict=True):
        assert after.finished is before.finished
        assert len(after.days) == 90
        assert _uptimes(after, 4) == [
            ("2026-11-20", 100.0),
            ("2026-11-21", 100.0),
            ("2026-11-22", 100.0),
            ("2026-11-23", 100.0),
        ]


async def test_a_day_rolled_up_again_after_late_results_is_read_again(
    sessions: Sessions, clock: Clock
) -> None:
    web, db = await _history(sessions, clock, 2)
    await _page(sessions, [web, db])
    kept = FinishedDaysCache()
    await _render(sessions, kept, NOW)

    # A worker's backlog: failures of db from yesterday morning arrive now.
    yesterday = TODAY - timedelta(days=1)
    await store(
        sessions, _hourly([db], yesterday + timedelta(minutes=30), 8, "down"), written_at=NOW
    )
    rolled = await run_rollup(sessions=sessions, now=NOW + timedelta(minutes=1))
    assert rolled.late_hours == 8
    summary = await _render(sessions, kept, NOW + timedelta(minutes=1))

    assert kept.reads == 2
    web_bars, db_bars = _components(summary)
    assert _uptimes(web_bars, 2)[0] == ("2026-11-22", 100.0)
    assert _uptimes(db_bars, 2)[0] == ("2026-11-22", 75.0)
    assert db_bars.uptime_percent is not None
    assert db_bars.uptime_percent < 100


async def test_monitors_put_on_the_page_are_read_and_removed_ones_go(
    sessions: Sessions, clock: Clock
) -> None:
    first, second, third = await _history(sessions, clock, 3)
    page_id = await _page(sessions, [first])
    kept = FinishedDaysCache()
    await _render(sessions, kept, NOW)

    await _page(sessions, [first, second, third], page_id=page_id)
    grown = await _render(sessions, kept, NOW)
    await _page(sessions, [third], page_id=page_id)
    shrunk = await _render(sessions, kept, NOW)

    assert [c.monitor_id for c in _components(grown)] == [first, second, third]
    assert [c.monitor_id for c in _components(shrunk)] == [third]
    assert kept.reads == 2  # the second read was of the two monitors added


async def test_the_next_day_moves_the_bars_before_and_after_it_is_rolled_up(
    sessions: Sessions, clock: Clock
) -> None:
    monitor_ids = await _history(sessions, clock, 1)
    await _page(sessions, monitor_ids)
    kept = FinishedDaysCache()
    await _render(sessions, kept, NOW)
    tomorrow = TODAY + timedelta(days=1)
    await store(sessions, _hourly(monitor_ids, NOW, 12, "down"))

    before_rollup = await _render(sessions, kept, tomorrow + timedelta(minutes=1))
    await run_rollup(sessions=sessions, now=tomorrow + timedelta(minutes=3))
    after_rollup = await _render(sessions, kept, tomorrow + timedelta(minutes=3))

    for summary in (before_rollup, after_rollup):
        (component,) = _components(summary)
        assert _uptimes(component, 3) == [
            ("2026-11-22", 100.0),
            ("2026-11-23", 50.0),
            ("2026-11-24", None),
        ]
        assert component.days[0].day.isoformat() == "2026-08-27"


async def test_maintenance_and_a_new_incident_show_at_once(
    sessions: Sessions, clock: Clock
) -> None:
    (web,) = await _history(sessions, clock, 1)
    await _page(sessions, [web])
    kept = FinishedDaysCache()
    await _render(sessions, kept, NOW)

    async with sessions.begin() as session:
        window = parse_window(
            {
                "name": "Network work",
                "starts_at": (NOW + timedelta(hours=2)).isoformat(),
                "ends_at": (NOW + timedelta(hours=3)).isoformat(),
                "monitor_ids": [web],
            },
            now=NOW,
        )
        await create_window(session=session, spec=window, now=NOW)
        failing = [check_result(web, NOW + timedelta(minutes=n), Outcome.DOWN) for n in (1, 2)]
        await record_results(session=session, results=failing, flap=FlapPolicy())
    later = NOW + timedelta(minutes=10)
    summary = await _render(sessions, kept, later)

    assert kept.reads == 1
    assert [notice.title for notice in summary.maintenance] == ["Network work"]
    (incident,) = summary.active_incidents
    assert incident.monitor_id == web
    (component,) = _components(summary)
    assert component.status == "down"
    assert component.days[-1].downtime_seconds > 0


async def test_a_new_monitor_never_shows_the_bars_of_a_deleted_one(
    sessions: Sessions, clock: Clock
) -> None:
    """SQLite gives the id of the newest monitor, once deleted, to the next one created."""
    (old,) = await _history(sessions, clock, 1)
    page_id = await _page(sessions, [old])
    kept = FinishedDaysCache()
    await _render(sessions, kept, NOW)

    async with sessions.begin() as session:
        await delete_monitor(session=session, monitor_id=old, now=clock())
    async with sessions.begin() as session:
        new = await create_monitor(session=session, spec=http_spec(name="new"), now=NOW)
        new_id = new.id
    await _page(sessions, [new_id], page_id=page_id)
    summary = await _render(sessions, kept, NOW)

    (component,) = _components(summary)
    assert component.uptime_percent is None
    assert all(day.uptime_percent is None for day in component.days)
