from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from upwatch.domain.maintenance import (
    Interval,
    MaintenanceWindowSpec,
    covering,
    is_active,
    next_occurrence,
    occurrences_between,
    parse_window,
)

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)


def _utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _window(**fields: Any) -> MaintenanceWindowSpec:
    return parse_window({"name": "upgrade", "tags": ["db"]} | fields, now=NOW)


def _daily_at_two(kind: str, **fields: Any) -> MaintenanceWindowSpec:
    rule = {"rrule": "FREQ=DAILY;BYHOUR=2"} if kind == "rrule" else {"cron": "0 2 * * *"}
    return _window(**rule, duration=7200, timezone="Europe/Berlin", **fields)


def test_a_one_off_window_covers_its_start_but_not_its_end() -> None:
    window = _window(starts_at="2026-02-01T10:00:00+01:00", ends_at="2026-02-01T12:00:00+01:00")

    assert not is_active(window, _utc(2026, 2, 1, 8, 59, 59))
    assert is_active(window, _utc(2026, 2, 1, 9))
    assert is_active(window, _utc(2026, 2, 1, 10, 59, 59))
    assert not is_active(window, _utc(2026, 2, 1, 11))
    assert next_occurrence(window, NOW) == Interval(_utc(2026, 2, 1, 9), _utc(2026, 2, 1, 11))
    assert next_occurrence(window, _utc(2026, 2, 1, 9)) is None
    assert occurrences_between(window, _utc(2026, 2, 1, 10), _utc(2026, 2, 2)) == [
        Interval(_utc(2026, 2, 1, 10), _utc(2026, 2, 1, 11))
    ]


def test_a_weekly_rrule_repeats_in_local_time() -> None:
    window = _window(
        rrule="FREQ=WEEKLY;BYDAY=SU;BYHOUR=3", duration=3600, timezone="America/New_York"
    )

    # Sundays of March 2026; New York moves to daylight time on the 8th.
    assert [i.start for i in occurrences_between(window, _utc(2026, 3, 1), _utc(2026, 4, 1))] == [
        _utc(2026, 3, 1, 8),
        _utc(2026, 3, 8, 7),
        _utc(2026, 3, 15, 7),
        _utc(2026, 3, 22, 7),
        _utc(2026, 3, 29, 7),
    ]
    assert next_occurrence(window, _utc(2026, 3, 8, 7)) == Interval(
        _utc(2026, 3, 15, 7), _utc(2026, 3, 15, 8)
    )


def test_a_cron_window_lasts_its_duration() -> None:
    window = _window(cron="30 22 * * 1-5", duration=1800)

    assert is_active(window, _utc(2026, 1, 5, 22, 45))
    assert not is_active(window, _utc(2026, 1, 5, 23, 0))
    assert not is_active(window, _utc(2026, 1, 10, 22, 45))  # a Saturday
    assert covering(window, _utc(2026, 1, 5, 22, 30)) == Interval(
        _utc(2026, 1, 5, 22, 30), _utc(2026, 1, 5, 23)
    )


@pytest.mark.parametrize("kind", ["rrule", "cron"])
@pytest.mark.parametrize(
    ("day", "start", "why"),
    [
        (date(2026, 3, 28), _utc(2026, 3, 28, 1), "the day before: 02:00 CET"),
        (date(2026, 3, 29), _utc(2026, 3, 29, 1), "02:00 does not exist: starts at the jump"),
        (date(2026, 3, 30), _utc(2026, 3, 30, 0), "02:00 CEST"),
        (date(2026, 10, 25), _utc(2026, 10, 25, 0), "02:00 happens twice: the first one"),
        (date(2026, 10, 26), _utc(2026, 10, 26, 1), "02:00 CET"),
    ],
)
def test_a_two_oclock_window_on_dst_days(kind: str, day: date, start: datetime, why: str) -> None:
    window = _daily_at_two(kind)
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=BERLIN)

    occurrences = occurrences_between(window, midnight, midnight + timedelta(hours=20))

    assert occurrences == [Interval(start, start + 2 * HOUR)], why
    assert is_active(window, start)
    assert is_active(window, start + 2 * HOUR - timedelta(seconds=1))
    assert not is_active(window, start + 2 * HOUR)
    assert not is_active(window, start - timedelta(seconds=1))


def test_a_recurring_window_without_a_start_begins_at_local_midnight() -> None:
    window = _daily_at_two("rrule")

    assert window.starts_at == datetime(2026, 1, 5, tzinfo=BERLIN)
    assert next_occurrence(window, _utc(2000, 1, 1)) == Interval(
        _utc(2026, 1, 5, 1), _utc(2026, 1, 5, 3)
    )


def test_no_occurrence_begins_at_or_after_ends_at() -> None:
    window = _daily_at_two("cron", ends_at="2026-01-07T01:00:00Z")

    assert [i.start for i in occurrences_between(window, NOW, _utc(2026, 2, 1))] == [
        _utc(2026, 1, 6, 1)
    ]
    assert next_occurrence(window, _utc(2026, 1, 6, 1)) is None
    assert window.covers_until == _utc(2026, 1, 7, 3)


def test_overlapping_occurrences_merge_and_clip() -> None:
    window = _window(cron="0 * * * *", duration=5400)

    assert occurrences_between(window, _utc(2026, 1, 6, 10, 15), _utc(2026, 1, 6, 13)) == [
        Interval(_utc(2026, 1, 6, 10, 15), _utc(2026, 1, 6, 13))
    ]
    assert covering(window, _utc(2026, 1, 6, 10, 45)) == Interval(
        _utc(2026, 1, 6, 10), _utc(2026, 1, 6, 11, 30)
    )


def test_scope_by_monitor_or_tag() -> None:
    window = _window(monitor_ids=[3], tags=["db"], starts_at=NOW, ends_at=NOW + HOUR)

    assert window.applies_to(3, [])
    assert window.applies_to(9, ["web", "db"])
    assert not window.applies_to(9, ["web"])


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"rrule": "FREQ=SOMETIMES", "duration": 60}, "rrule"),
        ({"rrule": "DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY", "duration": 60}, "rrule"),
        ({"rrule": "FREQ=DAILY;UNTIL=20270101", "duration": 60}, "rrule"),
        ({"rrule": "FREQ=HOURLY;BYHOUR=99", "duration": 60}, "rrule"),
        ({"rrule": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31", "duration": 60}, "rrule"),
        ({"cron": "61 * * * *", "duration": 60}, "cron"),
        ({"rrule": "FREQ=DAILY", "cron": "0 2 * * *", "duration": 60}, "cron"),
        ({"cron": "0 2 * * *"}, "duration"),
        ({"cron": "0 2 * * *", "duration": 10}, "duration"),
        ({"starts_at": "2026-02-01T10:00:00Z", "ends_at": "2026-02-01T10:00:00Z"}, "ends_at"),
        ({"starts_at": "2026-02-01T10:00:00Z"}, "ends_at"),
        ({"ends_at": "2026-02-01T10:00:00Z"}, "starts_at"),
        ({"starts_at": "2026-02-01T10:00:00", "ends_at": "2026-02-01T11:00:00Z"}, "starts_at"),
        ({"cron": "0 2 * * *", "duration": 60, "timezone": "Mars/Olympus"}, "timezone"),
        ({"cron": "0 2 * * *", "duration": 60, "tags": []}, "monitor_ids"),
        ({"cron": "0 2 * * *", "duration": 60, "monitor_ids": [0]}, "monitor_ids"),
        (
            {"starts_at": NOW, "ends_at": NOW + HOUR, "duration": 60},
            "duration",
        ),
    ],
)
def test_invalid_windows_name_the_field(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        _window(**fields)

    assert field in {str(error["loc"][0]) for error in raised.value.errors()}


# Properties over random windows and times -----------------------------------------------------

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@st.composite
def recurring_windows(draw: st.DrawFn) -> MaintenanceWindowSpec:
    minute, hour = draw(st.integers(0, 59)), draw(st.integers(0, 23))
    fields: dict[str, Any] = {
        "timezone": draw(st.sampled_from(ZONES)),
        "duration": draw(st.integers(60, 3 * 86_400)),
        "starts_at": datetime(2025, 1, 1, tzinfo=UTC),
    }
    if draw(st.booleans()):
        fields["cron"] = f"{minute} {hour} * * {draw(st.sampled_from(['*', '1-5', '0']))}"
    else:
        by_day = draw(st.sampled_from(["", ";BYDAY=MO,WE,FR", ";BYDAY=SU"]))
        fields["rrule"] = f"FREQ=WEEKLY;BYHOUR={hour};BYMINUTE={minute}{by_day}"
        if not by_day:
            fields["rrule"] = fields["rrule"].replace("WEEKLY", "DAILY")
    return _window(**fields)


@settings(max_examples=60, deadline=None)
@given(recurring_windows(), instants)
def test_active_exactly_inside_the_covered_intervals(
    window: MaintenanceWindowSpec, at: datetime
) -> None:
    around = occurrences_between(window, at - timedelta(days=8), at + timedelta(days=8))

    assert is_active(window, at) == any(i.start <= at < i.end for i in around)
    assert all(a.end < b.start for a, b in pairwise(around))
    assert all(i.start < i.end for i in around)


@settings(max_examples=60, deadline=None)
@given(recurring_windows(), instants)
def test_the_next_occurrence_is_the_first_start_after(
    window: MaintenanceWindowSpec, at: datetime
) -> None:
    following = next_occurrence(window, at)

    assert following is not None
    assert following.start > at
    assert following.end - following.start == window.length
    # Nothing starts in between: the window is not active just after ``at`` unless it was
    # already active at ``at`` or starts exactly at the next occurrence.
    between = occurrences_between(window, at + timedelta(microseconds=1), following.start)
    assert all(i.start == at + timedelta(microseconds=1) for i in between)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.integers(0, 23),
    st.sampled_from([0, 30]),
    st.dates(min_value=date(2025, 1, 2), max_value=date(2028, 12, 30)),
    st.sampled_from(["rrule", "cron"]),
)
def test_a_daily_window_starts_once_each_local_day(
    zone: str, hour: int, minute: int, day: date, kind: str
) -> None:
    rule = (
        {"rrule": f"FREQ=DAILY;BYHOUR={hour};BYMINUTE={minute}"}
        if kind == "rrule"
        else {"cron": f"{minute} {hour} * * *"}
    )
    window = _window(
        **rule, duration=600, timezone=zone, starts_at=datetime(2025, 1, 1, tzinfo=UTC)
    )
    local = ZoneInfo(zone)
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=local)
    next_midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=local)

    first = next_occurrence(window, midnight.astimezone(UTC) - timedelta(microseconds=1))
    assert first is not None
    second = next_occurrence(window, first.start)
    assert second is not None
    assert midnight <= first.start < next_midnight <= second.start
    # At the named time, or at the DST jump when that time does not exist that day.
    shown = first.start.astimezone(local)
    assert (shown.hour, shown.minute) == (hour, minute) or shown.utcoffset() != (
        shown - timedelta(hours=3)
    ).utcoffset()
