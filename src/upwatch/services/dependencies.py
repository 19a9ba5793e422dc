"""Monitor dependencies: checking ``depends_on`` and telling whether a monitor's parents are down.

While a parent is down (or failing, in maintenance, or itself behind a down parent) a failing
child shows ``dependency_down`` and alerts nothing: the parent's incident already explains it.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.status import MonitorStatus
from upwatch.errors import ValidationFailedError
from upwatch.store.monitors import StateColumns
from upwatch.store.tables import MonitorRow

_UNAVAILABLE = frozenset(
    {MonitorStatus.DOWN, MonitorStatus.DEPENDENCY_DOWN, MonitorStatus.MAINTENANCE}
)


async def ensure_valid_dependencies(
    *, session: AsyncSession, monitor_id: int | None, depends_on: Sequence[int]
) -> None:
    """Refuse unknown monitors and cycles, naming the ``depends_on[i]`` at fault.

    ``monitor_id`` is the monitor being changed, ``None`` for one being created (which nothing
    can depend on yet, so it cannot close a cycle).
    """
    if not depends_on:
        return
    graph: dict[int, list[int]] = {
        row_id: list(parents)
        for row_id, parents in await session.execute(select(MonitorRow.id, MonitorRow.depends_on))
    }
    if monitor_id is not None:
        graph[monitor_id] = list(depends_on)
    problems = []
    for index, parent in enumerate(depends_on):
        field = f"depends_on[{index}]"
        if parent == monitor_id:
            problems.append((field, "a monitor cannot depend on itself"))
        elif parent not in graph:
            problems.append((field, f"monitor {parent} does not exist"))
        elif monitor_id is not None and _reaches(graph, parent, monitor_id):
            problems.append(
                (field, f"monitor {parent} depends on this one, so this would make a cycle")
            )
    if problems:
        raise ValidationFailedError(problems)


async def forget_monitor(*, session: AsyncSession, monitor_id: int, now: datetime) -> None:
    """Take a deleted monitor out of every ``depends_on`` list; a monitor changed so moves its
    ``updated_at``, which cached specs are kept by."""
    # JSON lists compare differently on SQLite and PostgreSQL; deletions are rare.
    for row in await session.scalars(select(MonitorRow)):
        if monitor_id in row.depends_on:
            row.depends_on = [parent for parent in row.depends_on if parent != monitor_id]
            row.updated_at = now


async def load_parents(
    session: AsyncSession, monitors: Iterable[StateColumns]
) -> dict[int, MonitorRow]:
    """The parents of ``monitors`` in one query. Rows already in the session are the same
    objects, so a parent changed earlier in the batch is seen as it is now."""
    ids = {parent for monitor in monitors for parent in monitor.depends_on}
    if not ids:
        return {}
    rows = await session.scalars(select(MonitorRow).where(MonitorRow.id.in_(ids)))
    return {row.id: row for row in rows}


def parent_down(monitor: MonitorRow, parents: dict[int, MonitorRow]) -> bool:
    return any(
        parent_id in parents and _unavailable(parents[parent_id])
        for parent_id in monitor.depends_on
    )


def _unavailable(parent: MonitorRow) -> bool:
    # A parent still counting failures towards DOWN counts too: when a gateway and the services
    # behind it fail together, the services must not alert first because of the retries.
    status = MonitorStatus(parent.status)
    return status in _UNAVAILABLE or (
        status is not MonitorStatus.PAUSED and parent.consecutive_failures > 0
    )


def _reaches(graph: dict[int, list[int]], start: int, goal: int) -> bool:
    seen: set[int] = set()
    stack = [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(graph.get(node, ()))
    return False
