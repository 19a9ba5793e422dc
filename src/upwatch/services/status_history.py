"""Status page bars of the days already in the daily rollups, kept between renders.

Those rows change only when the rollup job writes again (re-rolling a day after late results, or
merging the next day), and each such write moves ``rollup_state.updated_at`` in the same
transaction. So a monitor's bars for those days are kept under the days they cover and that time,
and read again only when either moves. A render reads the rollup state before any rows, so rows
kept are never older than the state they are filed under. Each process keeps its own: every API
process of a fleet sees a re-roll on its next render, as ``serve`` does.
"""

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.services import rollups
from upwatch.services.rollups import DayUptime

# About 15 kB each with the HTML made of them: 30 MB at most, and more monitors than the
# pages of most installations show together.
MAX_MONITORS = 2000


@dataclass(slots=True)
class DayBar:
    """A plain dataclass, not a model: a page shows thousands of them (pydantic still
    serializes them within the summary)."""

    day: date
    uptime_percent: float | None
    downtime_seconds: float


@dataclass(frozen=True, slots=True)
class Window:
    """Rolled-up days ``[since, until)`` as the rollup state written at ``rolled_at`` has them."""

    since: date
    until: date
    rolled_at: datetime | None


@dataclass(frozen=True, slots=True)
class MonitorKey:
    """A monitor as kept: SQLite may give a deleted monitor's id to the next one created."""

    id: int
    created_at: datetime


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class FinishedDays:
    """One monitor's bars for a run of days (a window's, as kept) and the checks and failures
    behind them. Compared by identity: renderers keep what they make of it (weakly) for as long
    as it is kept."""

    bars: tuple[DayBar, ...]
    checks: int
    failures: int


class FinishedDaysCache:
    """Per process: ``FinishedDays`` of the monitors pages showed lately, for one window."""

    def __init__(self, max_monitors: int = MAX_MONITORS) -> None:
        self.max_monitors = max_monitors
        self.reads = 0
        self._window: Window | None = None
        self._kept: OrderedDict[MonitorKey, FinishedDays] = OrderedDict()

    async def get(
        self, *, session: AsyncSession, monitors: Sequence[MonitorKey], window: Window
    ) -> dict[int, FinishedDays]:
        """The window's bars of each monitor, by id; one query for those not kept."""
        if window != self._window:
            self._kept.clear()
            self._window = window
        found = {}
        missing = []
        for key in monitors:
            kept = self._kept.get(key)
            if kept is None:
                missing.append(key)
            else:
                self._kept.move_to_end(key)
                found[key.id] = kept
        if missing:
            self.reads += 1
            loaded = await read_finished(
                session=session, monitor_ids=[key.id for key in missing], window=window
            )
            found |= loaded
            # A render that read a newer state meanwhile has moved the window on.
            if window == self._window:
                for key in missing:
                    self._keep(key, loaded[key.id])
        return found

    def _keep(self, key: MonitorKey, days: FinishedDays) -> None:
        self._kept[key] = days
        while len(self._kept) > self.max_monitors:
            self._kept.popitem(last=False)


async def read_finished(
    *, session: AsyncSession, monitor_ids: Sequence[int], window: Window
) -> dict[int, FinishedDays]:
    by_day = await rollups.rolled_days(
        session=session, monitor_ids=monitor_ids, since=window.since, until=window.until
    )
    return tally_days(by_day, monitor_ids)


def tally_days(
    by_day: Mapping[date, Mapping[int, DayUptime]], monitor_ids: Sequence[int]
) -> dict[int, FinishedDays]:
    """Each monitor's bars for the days of ``by_day`` (in its order), with the checks and
    failures behind them."""
    # Kept for long, so made small: one bar per day for every monitor without checks that day
    # (most of a young installation's 90 days), one date object per day.
    empty = {day: DayBar(day, None, 0) for day in by_day}
    tallied = {}
    for monitor_id in monitor_ids:
        bars = []
        checks = failures = 0
        for day, monitors in by_day.items():
            found = monitors.get(monitor_id)
            if found is None:
                bars.append(empty[day])
            else:
                bars.append(DayBar(day, found.uptime_percent, round(found.downtime_seconds)))
                checks += found.checks
                failures += found.failures
        tallied[monitor_id] = FinishedDays(tuple(bars), checks, failures)
    return tallied
