"""What keeps a batch of results from alerting: maintenance windows and down parents.

Resolved once per batch (one query for the windows, one for the parents), then asked per result.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.results import CheckResult
from upwatch.domain.status import Outcome
from upwatch.services.dependencies import load_parents, parent_down
from upwatch.services.maintenance import MaintenanceCalendar
from upwatch.store.monitors import StateColumns
from upwatch.store.tables import MonitorRow


@dataclass(frozen=True, slots=True)
class Silencing:
    calendar: MaintenanceCalendar
    parents: dict[int, MonitorRow]
    # How many of its ancestors each monitor has in the batch.
    depths: dict[int, int]

    @classmethod
    async def load(
        cls,
        session: AsyncSession,
        *,
        monitors: Mapping[int, StateColumns],
        times: Collection[datetime],
    ) -> "Silencing":
        if not monitors or not times:
            return cls(MaintenanceCalendar((), _EPOCH, _EPOCH), {}, {})
        calendar = await MaintenanceCalendar.load(session, since=min(times), until=max(times))
        parents = await load_parents(session, monitors.values())
        return cls(calendar, parents, _depths(monitors) if parents else {})

    def order(self, result: CheckResult) -> tuple[int, datetime]:
        """Sort key for applying a batch: parents before their children, so that a gateway
        and a service behind it that fail at the same moment alert as the gateway alone;
        each monitor's own results stay in time order."""
        return self.depths.get(result.monitor_id, 0), result.scheduled_at

    def in_maintenance(self, monitor: StateColumns, at: datetime) -> bool:
        return self.calendar.covers(monitor.id, monitor.tags, at)

    def adjusted(self, result: CheckResult, monitor: StateColumns) -> CheckResult:
        """A result inside a maintenance window is stored as ``maintenance``, its verdict
        kept in ``details["verdict"]``. A check Upwatch did not run stays ``not_run``."""
        if result.outcome is Outcome.NOT_RUN or not self.in_maintenance(
            monitor, result.scheduled_at
        ):
            return result
        details = {**result.result.details, "verdict": result.outcome.value}
        probe = replace(result.result, outcome=Outcome.MAINTENANCE, details=details)
        return replace(result, result=probe)

    def parent_down(self, monitor: MonitorRow) -> bool:
        return parent_down(monitor, self.parents)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _depths(monitors: Mapping[int, StateColumns]) -> dict[int, int]:
    depths: dict[int, int] = {}

    def depth(monitor_id: int, path: frozenset[int]) -> int:
        if monitor_id not in depths:
            parents = [
                parent
                for parent in monitors[monitor_id].depends_on
                if parent in monitors and parent not in path  # ``path`` guards against cycles
            ]
            depths[monitor_id] = 1 + max(
                (depth(parent, path | {monitor_id}) for parent in parents), default=-1
            )
        return depths[monitor_id]

    for monitor_id in monitors:
        depth(monitor_id, frozenset())
    return depths
