from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upwatch.domain.schedule import (
    Slots,
    heartbeat_deadline,
    next_cron_time,
    phase_offset,
    slots_for,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


@pytest.mark.parametrize(
    ("monitor_id", "interval", "phase"),
    [(1, 60, 50), (2, 60, 20), (3, 60, 1), (42, 60, 18), (1, 86_400, 11_510), (7, 10, 0)],
)
def test_the_phase_is_the_same_in_every_process(monitor_id: int, interval: int, phase: int) -> None:
    """A hash seeded per process (like ``hash()``) would move every monitor on each restart."""
    assert phase_offset(monitor_id, interval) == phase
    assert slots_for(monitor_id, interval) == Slots(interval=interval, phase=phase)


def test_phases_spread_monitors_of_equal_interval() -> None:
    phases = {phase_offset(monitor_id, 60) for monitor_id in range(1, 1001)}

    assert phases == set(range(60))


@pytest.mark.parametrize(
    ("moment", "at_or_before", "after"),
    [
        (utc(2026, 1, 1, 12, 0, 30), utc(2026, 1, 1, 12, 0, 7), utc(2026, 1, 1, 12, 1, 7)),
        (utc(2026, 1, 1, 12, 0, 7), utc(2026, 1, 1, 12, 0, 7), utc(2026, 1, 1, 12, 1, 7)),
        (
            utc(2026, 1, 1, 12, 0, 6, 999_999),
            utc(2026, 1, 1, 11, 59, 7),
            utc(2026, 1, 1, 12, 0, 7),
        ),
        (
            datetime(2026, 1, 1, 13, 0, 30, tzinfo=ZoneInfo(BERLIN)),
            utc(2026, 1, 1, 12, 0, 7),
            utc(2026, 1, 1, 12, 1, 7),
        ),
    ],
    ids=["between", "on a slot", "just before a slot", "other time zone"],
)
def test_slots_around_a_moment(moment: datetime, at_or_before: datetime, after: datetime) -> None:
    slots = Slots(interval=60, phase=7)

    assert slots.at_or_before(moment) == at_or_before
    assert slots.after(moment) == after


def test_claims_on_time_never_drift() -> None:
    slots = Slots(interval=30, phase=11)
    first = slots.after(utc(2026, 1, 1))
    due = first
    for step in range(10_000):
        wake_up_late_by = timedelta(seconds=(step * 7.3) % 29.9)
        run, following = slots.claim(due, due + wake_up_late_by)
        assert run == due
        due = following

    assert due == first + timedelta(seconds=30 * 10_000)


@pytest.mark.parametrize(
    ("late_by", "run_offset"),
    [
        (timedelta(seconds=29, microseconds=999_999), timedelta(0)),
        (timedelta(seconds=30), timedelta(seconds=30)),
        (timedelta(seconds=45), timedelta(seconds=30)),
        (timedelta(hours=3, seconds=17), timedelta(hours=3)),
        (timedelta(days=2, seconds=59), timedelta(days=2, seconds=30)),
    ],
)
def test_after_a_gap_missed_slots_collapse_into_the_latest(
    late_by: timedelta, run_offset: timedelta
) -> None:
    slots = Slots(interval=30, phase=11)
    due = utc(2026, 1, 1, 0, 0, 11)

    run, following = slots.claim(due, due + late_by)

    assert run == due + run_offset
    assert following == run + timedelta(seconds=30)


def test_a_first_run_off_the_grid_is_followed_by_the_monitors_own_slots() -> None:
    slots = Slots(interval=60, phase=7)
    created_at = utc(2026, 1, 1, 12, 0, 42, 123_456)

    run, following = slots.claim(created_at, created_at)

    assert run == created_at
    assert following == utc(2026, 1, 1, 12, 1, 7)


moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@st.composite
def slot_grids(draw: st.DrawFn) -> Slots:
    interval = draw(st.integers(min_value=10, max_value=86_400))
    return Slots(interval=interval, phase=draw(st.integers(min_value=0, max_value=interval - 1)))


@given(slot_grids(), moments)
def test_slots_bracket_every_moment_on_the_grid(slots: Slots, moment: datetime) -> None:
    before, after = slots.at_or_before(moment), slots.after(moment)

    assert before <= moment < after
    assert after - before == timedelta(seconds=slots.interval)
    assert (before - EPOCH) % timedelta(seconds=slots.interval) == timedelta(seconds=slots.phase)


@given(slot_grids(), moments, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)))
def test_a_claim_runs_one_slot_no_older_than_an_interval_and_schedules_the_future(
    slots: Slots, moment: datetime, late_by: timedelta
) -> None:
    due = slots.after(moment)
    now = due + late_by

    run, following = slots.claim(due, now)

    assert due <= run <= now < following
    assert now - run < timedelta(seconds=slots.interval)
    assert following - run == timedelta(seconds=slots.interval)
    assert slots.at_or_before(run) == run


@given(st.integers(min_value=1, max_value=2**63), st.integers(min_value=10, max_value=86_400))
def test_the_phase_lies_within_the_interval(monitor_id: int, interval: int) -> None:
    assert 0 <= phase_offset(monitor_id, interval) < interval


@pytest.mark.parametrize(
    ("last_event_at", "period", "grace", "deadline"),
    [
        (utc(2026, 1, 1, 12), 300, 60, utc(2026, 1, 1, 12, 6)),
        (utc(2026, 1, 1, 12), 86_400, 0, utc(2026, 1, 2, 12)),
        # Periods are elapsed time: 24 hours across the Berlin spring-forward night.
        (utc(2026, 3, 28, 12), 86_400, 600, utc(2026, 3, 29, 12, 10)),
    ],
)
def test_a_period_heartbeat_is_due_a_period_and_grace_after_its_last_ping(
    last_event_at: datetime, period: int, grace: int, deadline: datetime
) -> None:
    assert heartbeat_deadline(last_event_at=last_event_at, period=period, grace=grace) == deadline


@pytest.mark.parametrize(
    ("cron", "timezone", "last_event_at", "deadline"),
    [
        ("0 3 * * *", "UTC", utc(2026, 1, 10, 3, 0, 5), utc(2026, 1, 11, 3, 10)),
        ("0 3 * * *", BERLIN, utc(2026, 1, 10, 2, 0, 5), utc(2026, 1, 11, 2, 10)),
        ("0 3 * * *", BERLIN, utc(2026, 7, 10, 1, 0, 5), utc(2026, 7, 11, 1, 10)),
        ("0 3 * * *", NEW_YORK, utc(2026, 7, 10, 12), utc(2026, 7, 11, 7, 10)),
        ("*/15 * * * *", BERLIN, utc(2026, 7, 10, 12, 15), utc(2026, 7, 10, 12, 40)),
        ("0 9 * * 1-5", BERLIN, utc(2026, 7, 10, 7, 1), utc(2026, 7, 13, 7, 10)),
        # Spring forward: 02:30 does not exist on 2026-03-29 in Berlin; the job runs at 03:00.
        ("30 2 * * *", BERLIN, utc(2026, 3, 28, 1, 31), utc(2026, 3, 29, 1, 10)),
        ("30 2 * * *", BERLIN, utc(2026, 3, 29, 1, 5), utc(2026, 3, 30, 0, 40)),
        ("30 2 * * *", NEW_YORK, utc(2026, 3, 7, 7, 31), utc(2026, 3, 8, 7, 10)),
        # Fall back: 02:30 happens twice on 2026-10-25 in Berlin; the job runs at the first.
        ("30 2 * * *", BERLIN, utc(2026, 10, 24, 0, 31), utc(2026, 10, 25, 0, 40)),
        ("30 2 * * *", BERLIN, utc(2026, 10, 25, 0, 31), utc(2026, 10, 26, 1, 40)),
        ("30 1 * * *", NEW_YORK, utc(2026, 11, 1, 5, 31), utc(2026, 11, 2, 6, 40)),
    ],
)
def test_a_cron_heartbeat_is_due_at_the_next_run_in_its_time_zone_plus_grace(
    cron: str, timezone: str, last_event_at: datetime, deadline: datetime
) -> None:
    assert (
        heartbeat_deadline(last_event_at=last_event_at, cron=cron, timezone=timezone, grace=600)
        == deadline
    )


@pytest.mark.parametrize(
    ("cron", "timezone", "start", "days"),
    [
        ("30 2 * * *", BERLIN, utc(2026, 10, 23, 12), 4),
        ("30 1 * * *", NEW_YORK, utc(2026, 10, 30, 12), 4),
        ("30 2 * * *", BERLIN, utc(2026, 3, 27, 12), 4),
        ("30 2 * * *", NEW_YORK, utc(2026, 3, 6, 12), 4),
    ],
)
def test_a_daily_job_runs_once_a_day_across_dst_changes(
    cron: str, timezone: str, start: datetime, days: int
) -> None:
    runs = [next_cron_time(cron, timezone, start)]
    while len(runs) < days:
        runs.append(next_cron_time(cron, timezone, runs[-1]))

    local_dates = [run.astimezone(ZoneInfo(timezone)).date() for run in runs]
    assert local_dates == [local_dates[0] + timedelta(days=n) for n in range(days)]


def test_an_hourly_job_runs_every_hour_of_elapsed_time_through_fall_back() -> None:
    runs = [utc(2026, 10, 24, 22, 30)]
    for _ in range(6):
        runs.append(next_cron_time("0 * * * *", BERLIN, runs[-1]))

    # 01:00, 02:00 summer time, 02:00 winter time, 03:00, 04:00 and 05:00 in Berlin.
    assert runs[1:] == [utc(2026, 10, 24, 23), *(utc(2026, 10, 25, hour) for hour in range(5))]


@pytest.mark.parametrize(
    ("cron", "timezone", "pinged_at", "next_run"),
    [
        ("30 2 * * *", BERLIN, utc(2026, 10, 25, 1, 15), utc(2026, 10, 26, 1, 30)),
        ("15,45 2 * * *", BERLIN, utc(2026, 10, 25, 1, 20), utc(2026, 10, 26, 1, 15)),
        ("30 1 * * *", NEW_YORK, utc(2026, 11, 1, 6, 15), utc(2026, 11, 2, 6, 30)),
    ],
)
def test_a_ping_in_the_repeated_hour_expects_the_next_days_run(
    cron: str, timezone: str, pinged_at: datetime, next_run: datetime
) -> None:
    assert next_cron_time(cron, timezone, pinged_at) == next_run


def test_a_heartbeat_needs_a_period_or_a_cron_expression() -> None:
    with pytest.raises(ValueError, match="period or a cron"):
        heartbeat_deadline(last_event_at=utc(2026, 1, 1), grace=60)
