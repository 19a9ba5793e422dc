"""Schedule arithmetic: drift-free check slots and heartbeat deadlines."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from hashlib import blake2b
from zoneinfo import ZoneInfo

from cronsim import CronSim

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def phase_offset(monitor_id: int, interval: int) -> int:
    """A stable offset in [0, interval) that spreads monitors of equal interval over time."""
    digest = blake2b(str(monitor_id).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % interval


@dataclass(frozen=True, slots=True)
class Slots:
    """The instants ``epoch + phase + k * interval``: where a monitor's checks fall."""

    interval: int
    phase: int

    def at_or_before(self, moment: datetime) -> datetime:
        elapsed = (moment - _EPOCH).total_seconds() - self.phase
        return _EPOCH + timedelta(seconds=self.phase + (elapsed // self.interval) * self.interval)

    def after(self, moment: datetime) -> datetime:
        return self.at_or_before(moment) + timedelta(seconds=self.interval)

    def claim(self, due_at: datetime, now: datetime) -> tuple[datetime, datetime]:
        """The slot to run now and the next one, for a monitor that was due at ``due_at``.

        On time, the run is ``due_at`` and the next is the following slot: no drift. After
        downtime, the missed slots collapse into the latest one instead of being replayed. A
        first run off the grid (right after creation) is followed by the monitor's own slots.
        """
        run = due_at if now - due_at < timedelta(seconds=self.interval) else self.at_or_before(now)
        return run, self.after(run)


def slots_for(monitor_id: int, interval: int) -> Slots:
    return Slots(interval=interval, phase=phase_offset(monitor_id, interval))


def next_cron_time(expression: str, timezone: str, after: datetime) -> datetime:
    """The first time the cron expression fires strictly after ``after``, as UTC.

    The expression is read in ``timezone``, so "0 2 * * *" follows that zone across DST.
    """
    local = after.astimezone(ZoneInfo(timezone)).replace(microsecond=0)
    # cronsim drops the DST fold of its start, so in the repeated hour of a fall-back night it
    # may first yield a time that already passed; skip those.
    return next(
        fire for fire in (f.astimezone(UTC) for f in CronSim(expression, local)) if fire > after
    )


def heartbeat_deadline(
    *,
    last_event_at: datetime,
    grace: int,
    period: int | None = None,
    cron: str | None = None,
    timezone: str = "UTC",
) -> datetime:
    """When a heartbeat last heard from (or created) at ``last_event_at`` becomes overdue."""
    if period is not None:
        expected = last_event_at + timedelta(seconds=period)
    elif cron is not None:
        expected = next_cron_time(cron, timezone, last_event_at)
    else:
        raise ValueError("a heartbeat needs a period or a cron expression")
    return expected + timedelta(seconds=grace)
