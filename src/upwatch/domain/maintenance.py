"""Maintenance windows: one-off or recurring (RRULE or cron plus a duration) in a time zone.

Pure: every function takes the time it reasons about. Recurrences are computed in local wall
time, so "02:00 Europe/Berlin" stays 02:00 across DST changes. A local start that does not exist
(clocks jump forward) begins at the jump, one that exists twice (clocks fall back) begins at the
first of the two, and an occurrence lasts ``duration`` seconds of real time.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo

from cronsim import CronSim, CronSimError
from dateutil.rrule import rrule, rrulestr
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from upwatch.domain.zones import TimeZoneName

MAX_DURATION_SECONDS = 31 * 86_400
# Wall-clock order and UTC order of occurrences differ by at most a DST shift around a change;
# searches look this much further on both sides and then filter exactly in UTC.
_SLACK = timedelta(hours=3)
# How far ahead ``next_occurrence`` looks before concluding that a rule has ended.
_HORIZONS = (timedelta(days=2), timedelta(days=40), timedelta(days=400), timedelta(days=3700))
_TINY = timedelta(microseconds=1)
# The Gregorian calendar repeats every 400 years, and dateutil stops at the year 9999.
_LAST_CYCLE = datetime(9599, 1, 1)

Trimmed = Annotated[str, StringConstraints(strip_whitespace=True)]


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """``[start, end)`` in UTC."""

    start: datetime
    end: datetime


class MaintenanceWindowSpec(BaseModel):
    """A window as users write it. Fields are declared in the order their checks need."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Trimmed = Field(min_length=1, max_length=200)
    timezone: TimeZoneName = Field("UTC", description="IANA time zone the rule's times are in.")
    rrule: str | None = Field(
        None, description='An RFC 5545 RRULE, e.g. "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2".'
    )
    cron: str | None = Field(None, description='A cron expression, e.g. "0 2 * * 0".')
    duration: int | None = Field(
        None,
        ge=60,
        le=MAX_DURATION_SECONDS,
        validate_default=True,
        description="Seconds each occurrence of a recurring window lasts.",
    )
    starts_at: AwareDatetime | None = Field(
        None,
        validate_default=True,
        description="One-off: the start. Recurring: occurrences begin no earlier; for an RRULE "
        "also its DTSTART (the time of day when the rule names none).",
    )
    ends_at: AwareDatetime | None = Field(
        None,
        validate_default=True,
        description="One-off: the end. Recurring: no occurrence begins at or after it.",
    )
    tags: list[Annotated[Trimmed, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, description="Monitors carrying any of these tags are covered."
    )
    monitor_ids: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=list, validate_default=True, description="Monitors covered by id."
    )

    @field_validator("rrule")
    @classmethod
    def _valid_rrule(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = value.strip().removeprefix("RRULE:")
        if not text or ":" in text or "\n" in text:
            raise ValueError("give one RRULE such as FREQ=DAILY;BYHOUR=2, without DTSTART")
        _parse_rrule(text, datetime(2000, 1, 1, tzinfo=UTC))
        if not _matches_any_date(text):
            raise ValueError("the RRULE never occurs (e.g. 31 February)")
        return text

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if info.data.get("rrule") is not None:
            raise ValueError("give either rrule or cron, not both")
        try:
            CronSim(value, datetime(2000, 1, 1))
        except CronSimError as exc:
            raise ValueError(f"invalid cron expression: {exc}") from exc
        return value.strip()

    @field_validator("duration")
    @classmethod
    def _duration_for_recurring(cls, value: int | None, info: ValidationInfo) -> int | None:
        recurring = info.data.get("rrule") is not None or info.data.get("cron") is not None
        if recurring and value is None:
            raise ValueError("a recurring window needs a duration in seconds")
        if not recurring and value is not None and "rrule" in info.data and "cron" in info.data:
            raise ValueError("a one-off window ends at ends_at; duration is for rrule or cron")
        return value

    @field_validator("starts_at")
    @classmethod
    def _start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is None and _one_off(info):
            raise ValueError("a one-off window needs starts_at (or give rrule or cron)")
        return value.astimezone(UTC) if value is not None else None

    @field_validator("ends_at")
    @classmethod
    def _end(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is None:
            if _one_off(info):
                raise ValueError("a one-off window needs ends_at")
            return None
        starts_at = info.data.get("starts_at")
        if starts_at is not None and value <= starts_at:
            raise ValueError("ends_at must be after starts_at")
        return value.astimezone(UTC)

    @field_validator("monitor_ids")
    @classmethod
    def _scoped(cls, value: list[int], info: ValidationInfo) -> list[int]:
        if not value and not info.data.get("tags"):
            raise ValueError("name the monitors (monitor_ids) or tags the window applies to")
        return value

    @property
    def recurring(self) -> bool:
        return self.rrule is not None or self.cron is not None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def length(self) -> timedelta:
        """How long one occurrence lasts."""
        if self.duration is not None:
            return timedelta(seconds=self.duration)
        assert self.starts_at is not None
        assert self.ends_at is not None
        return self.ends_at - self.starts_at

    @property
    def covers_until(self) -> datetime | None:
        """Nothing of the window lies at or after this time; ``None`` when it recurs forever."""
        if self.ends_at is None:
            return None
        return self.ends_at + self.length if self.recurring else self.ends_at

    def applies_to(self, monitor_id: int, tags: list[str]) -> bool:
        return monitor_id in self.monitor_ids or not set(self.tags).isdisjoint(tags)

    def anchored(self, *, now: datetime) -> Self:
        """A recurring window without ``starts_at`` starts at local midnight of ``now``'s day,
        so that an RRULE's unnamed minutes and seconds are zero."""
        if not self.recurring or self.starts_at is not None:
            return self
        midnight = datetime.combine(now.astimezone(self.zone).date(), time(), tzinfo=self.zone)
        return self.model_copy(update={"starts_at": midnight.astimezone(UTC)})


def parse_window(data: object, *, now: datetime) -> MaintenanceWindowSpec:
    """Validate a window document (raises pydantic's ``ValidationError``) and anchor it."""
    return MaintenanceWindowSpec.model_validate(data).anchored(now=now)


def is_active(window: MaintenanceWindowSpec, at: datetime) -> bool:
    return covering(window, at) is not None


def covering(window: MaintenanceWindowSpec, at: datetime) -> Interval | None:
    """The occurrence in force at ``at`` (the one ending last, when several overlap)."""
    starts = _starts(window, at - window.length + _TINY, at + _TINY)
    if not starts:
        return None
    return Interval(starts[-1], starts[-1] + window.length)


def next_occurrence(window: MaintenanceWindowSpec, after: datetime) -> Interval | None:
    """The first occurrence starting strictly after ``after``; ``None`` when there is none."""
    low = after + _TINY
    if window.starts_at is not None:
        low = max(low, window.starts_at)
    for horizon in _HORIZONS:
        starts = _starts(window, low, low + horizon)
        if starts:
            return Interval(starts[0], starts[0] + window.length)
        if window.covers_until is not None and low + horizon >= window.covers_until:
            return None
    return None


def occurrences_between(
    window: MaintenanceWindowSpec, start: datetime, end: datetime
) -> list[Interval]:
    """The time in ``[start, end)`` the window covers, as sorted, disjoint, clipped intervals."""
    merged: list[Interval] = []
    for begin in _starts(window, start - window.length + _TINY, end):
        interval = Interval(max(begin, start), min(begin + window.length, end))
        if merged and interval.start <= merged[-1].end:
            merged[-1] = Interval(merged[-1].start, max(merged[-1].end, interval.end))
        else:
            merged.append(interval)
    return merged


def _one_off(info: ValidationInfo) -> bool:
    # Only decide once rrule and cron were both valid; otherwise their own error explains it.
    data = info.data
    return "rrule" in data and "cron" in data and data["rrule"] is None and data["cron"] is None


def _starts(window: MaintenanceWindowSpec, low: datetime, high: datetime) -> list[datetime]:
    """Occurrence starts ``s`` with ``low <= s < high``, in UTC, sorted, without repeats."""
    found = {
        begin
        for begin in _candidate_starts(window, low - _SLACK, high + _SLACK)
        if low <= begin < high
        and (window.starts_at is None or begin >= window.starts_at)
        and (window.ends_at is None or not window.recurring or begin < window.ends_at)
    }
    return sorted(found)


def _candidate_starts(
    window: MaintenanceWindowSpec, low: datetime, high: datetime
) -> Iterator[datetime]:
    """Starts from about ``low`` until past ``high``, in wall-clock order, as UTC."""
    if window.rrule is not None:
        anchor = (window.starts_at or datetime(2000, 1, 1, tzinfo=UTC)).astimezone(window.zone)
        rule = _parse_rrule(window.rrule, anchor)
        yield from (begin.astimezone(UTC) for begin in rule.between(low, high, inc=True))
    elif window.cron is not None:
        for begin in CronSim(window.cron, (low - _TINY).astimezone(window.zone)):
            as_utc = begin.astimezone(UTC)
            if as_utc >= high:
                return
            yield as_utc
    elif window.starts_at is not None:
        yield window.starts_at


def _matches_any_date(text: str) -> bool:
    """Whether the rule's BY… parts match any time at all.

    A rule matching nothing makes dateutil search up to the year 9999, for many seconds, so it
    is refused up front. The BY… parts are tried yearly over the last 400-year cycle dateutil
    knows, which holds every combination of dates and weekdays there is.
    """
    ignored = ("FREQ=", "UNTIL=", "COUNT=", "INTERVAL=")
    parts = [part for part in text.split(";") if not part.upper().startswith(ignored)]
    probe = _parse_rrule(";".join(["FREQ=YEARLY", *parts]), _LAST_CYCLE)
    try:
        return probe.after(_LAST_CYCLE, inc=True) is not None
    except (TypeError, ValueError) as exc:  # dateutil checks BY… values only when iterating
        raise ValueError("invalid RRULE: a BY… value is out of range") from exc


def _parse_rrule(text: str, dtstart: datetime) -> rrule:
    try:
        parsed: Any = rrulestr(text, dtstart=dtstart)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"invalid RRULE: {exc}") from exc
    if not isinstance(parsed, rrule):
        raise ValueError("give a single RRULE")
    return parsed
