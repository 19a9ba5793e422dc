"""SLA figures from rollups and incidents, against figures computed by hand from the rows."""

import csv
import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.services.rollup_data import expected, make_monitors, random_results, store
from upwatch.errors import ValidationFailedError
from upwatch.services import sla
from upwatch.services.rollup_job import run_rollup
from upwatch.store.tables import IncidentRow

Sessions = async_sessionmaker[AsyncSession]
OCTOBER = datetime(2026, 10, 1, tzinfo=UTC)


async def test_a_month_of_uptime_downtime_mttr_and_mtbf(sessions: Sessions, clock: Clock) -> None:
    clock.now = datetime(2026, 9, 20, tzinfo=UTC)
    monitor_id, quiet_id = await make_monitors(sessions, clock, 2)
    clock.now = datetime(2026, 11, 5, tzinfo=UTC)
    start = datetime(2026, 10, 10, 22, tzinfo=UTC)
    results = random_results([monitor_id], start, minutes=4 * 60)
    await store(sessions, results)
    async with sessions.begin() as session:
        for opened, minutes in ((start, 30), (start + timedelta(hours=2), 90)):
            session.add(
                IncidentRow(
                    monitor_id=monitor_id,
                    opened_at=opened,
                    resolved_at=opened + timedelta(minutes=minutes),
                    cause={},
                )
            )
        # Opened on the last evening of October, resolved in November: counts to midnight.
        session.add(
            IncidentRow(
                monitor_id=monitor_id,
                opened_at=datetime(2026, 10, 31, 23, tzinfo=UTC),
                resolved_at=datetime(2026, 11, 1, 1, tzinfo=UTC),
                cause={},
            )
        )
    await run_rollup(sessions=sessions, now=clock())
    since, until = sla.month_range("2026-10")

    async with sessions() as session:
        report, quiet = await sla.sla_reports(
            session=session,
            monitor_ids=[monitor_id, quiet_id],
            since=since,
            until=until,
            now=clock(),
        )

    want = expected(results, monitor_id, since, until)
    assert (since, until) == (OCTOBER, datetime(2026, 11, 1, tzinfo=UTC))
    assert (report.checks, report.failures, report.maintenance) == (
        want.checks,
        want.failures,
        want.maintenance,
    )
    assert report.uptime_percent == want.uptime_percent
    assert report.downtime_minutes == 30 + 90 + 60
    assert report.incidents == 3
    assert report.mttr_minutes == round((30 + 90 + 120) / 3, 2)
    operating_hours = 31 * 24 - 3
    assert report.mtbf_hours == round(operating_hours / 3, 2)
    assert (quiet.checks, quiet.uptime_percent, quiet.incidents, quiet.mtbf_hours) == (
        0,
        None,
        0,
        None,
    )


async def test_a_range_in_another_offset_counts_the_same_results(
    sessions: Sessions, clock: Clock
) -> None:
    # Rollups are per UTC hour and day; India's +05:30 puts its midnight at half past 18:00.
    clock.now = datetime(2026, 9, 20, tzinfo=UTC)
    (monitor_id,) = await make_monitors(sessions, clock, 1)
    clock.now = datetime(2026, 10, 5, tzinfo=UTC)
    results = random_results([monitor_id], datetime(2026, 10, 1, 16, tzinfo=UTC), minutes=30 * 60)
    await store(sessions, results)
    await run_rollup(sessions=sessions, now=clock())
    india = timezone(timedelta(hours=5, minutes=30))
    since, until = datetime(2026, 10, 2, tzinfo=india), datetime(2026, 10, 4, tzinfo=india)

    async with sessions() as session:
        (report,) = await sla.sla_reports(
            session=session, monitor_ids=[monitor_id], since=since, until=until, now=clock()
        )

    want = expected(results, monitor_id, since, until)
    assert (report.checks, report.failures, report.maintenance) == (
        want.checks,
        want.failures,
        want.maintenance,
    )


async def test_unknown_monitors_and_bad_ranges_name_the_field(
    sessions: Sessions, clock: Clock
) -> None:
    async with sessions() as session:
        with pytest.raises(ValidationFailedError) as unknown:
            await sla.sla_reports(
                session=session, monitor_ids=[4242], since=OCTOBER, until=clock(), now=clock()
            )
        with pytest.raises(ValidationFailedError) as backwards:
            await sla.sla_reports(
                session=session, monitor_ids=[1], since=clock(), until=OCTOBER, now=clock()
            )
    assert unknown.value.problems[0][0] == "monitor"
    assert backwards.value.problems[0][0] == "until"
    with pytest.raises(ValidationFailedError, match="month"):
        sla.month_range("2026-13")


def test_csv_has_a_header_and_a_row_per_monitor() -> None:
    report = sla.SlaReport(1, "API", OCTOBER, OCTOBER, 10, 1, 0, 90.0, 1.5, 1, 1.5, None)
    lines = sla.as_csv([report]).splitlines()
    assert lines[0].startswith("monitor_id,monitor,since,until,checks")
    assert lines[1].endswith(",90.0,1.5,1,1.5,")


def test_csv_quotes_names_and_neutralises_formulas() -> None:
    names = ['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@SUM(A1)", 'a, "b"\nc']
    reports = [
        sla.SlaReport(n, name, OCTOBER, OCTOBER, 0, 0, 0, None, 0.0, 0, None, None)
        for n, name in enumerate(names)
    ]
    rows = list(csv.DictReader(io.StringIO(sla.as_csv(reports))))
    assert [row["monitor"] for row in rows] == [
        '\'=HYPERLINK("http://evil.example","x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        'a, "b"\nc',
    ]
