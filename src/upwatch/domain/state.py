"""The monitor state machine: results in, status and incident decisions out."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from upwatch.domain.status import MonitorStatus, Outcome

_HEALTHY = {Outcome.UP: MonitorStatus.UP, Outcome.DEGRADED: MonitorStatus.DEGRADED}
_RESOLVING = frozenset(_HEALTHY.values())
SILENCED = frozenset({MonitorStatus.MAINTENANCE, MonitorStatus.DEPENDENCY_DOWN})


@dataclass(frozen=True, slots=True)
class FlapPolicy:
    threshold: int = 5
    window: timedelta = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class MonitorState:
    status: MonitorStatus = MonitorStatus.PENDING
    consecutive_failures: int = 0
    recent_changes: tuple[datetime, ...] = ()
    flapping: bool = False
    # Mostly the same as status DOWN, but an incident stays open through a maintenance window.
    incident_open: bool = False


@dataclass(frozen=True, slots=True)
class Transition:
    previous: MonitorStatus
    current: MonitorStatus
    at: datetime
    flapping_started: bool = False
    flapping_ended: bool = False
    opens_incident: bool = False
    resolves_incident: bool = False

    @property
    def status_changed(self) -> bool:
        return self.previous is not self.current

    @property
    def silenced(self) -> bool:
        """The monitor is in maintenance or behind a down dependency: nothing to announce."""
        return self.current in SILENCED


def apply_outcome(
    state: MonitorState,
    outcome: Outcome,
    *,
    at: datetime,
    retries: int,
    flap: FlapPolicy,
    parent_down: bool = False,
) -> tuple[MonitorState, Transition | None]:
    """Advance ``state`` by one check outcome.

    DOWN comes only after ``retries + 1`` consecutive failures; the first success recovers.
    A paused monitor and a check Upwatch did not run change nothing. A check inside a
    maintenance window (``Outcome.MAINTENANCE``) puts the monitor in maintenance and restarts
    the failure count. With ``parent_down`` a monitor that would go DOWN shows
    ``dependency_down`` instead, unless its own incident was already open. Neither opens nor
    resolves an incident, and neither counts towards flapping; the first real verdict after
    them decides as usual.
    """
    if state.status is MonitorStatus.PAUSED or outcome is Outcome.NOT_RUN:
        return state, None
    if outcome is Outcome.MAINTENANCE:
        return _hold(replace(state, consecutive_failures=0), MonitorStatus.MAINTENANCE, at)
    if outcome is Outcome.DOWN:
        failures = state.consecutive_failures + 1
        counted = replace(state, consecutive_failures=failures)
        if failures <= retries:
            # Not DOWN yet; after a silenced spell the earlier verdict is no longer known.
            target = MonitorStatus.PENDING if state.status in SILENCED else state.status
            return _move(counted, target, at, flap)
        if parent_down and not state.incident_open:
            return _hold(counted, MonitorStatus.DEPENDENCY_DOWN, at)
        return _move(counted, MonitorStatus.DOWN, at, flap)
    return _move(replace(state, consecutive_failures=0), _HEALTHY[outcome], at, flap)


def pause(state: MonitorState, *, at: datetime) -> tuple[MonitorState, Transition | None]:
    if state.status is MonitorStatus.PAUSED:
        return state, None
    paused = MonitorState(status=MonitorStatus.PAUSED, recent_changes=state.recent_changes)
    return paused, Transition(
        state.status,
        MonitorStatus.PAUSED,
        at,
        flapping_ended=state.flapping,
        resolves_incident=state.incident_open,
    )


def resume(state: MonitorState, *, at: datetime) -> tuple[MonitorState, Transition | None]:
    if state.status is not MonitorStatus.PAUSED:
        return state, None
    resumed = MonitorState(status=MonitorStatus.PENDING, recent_changes=state.recent_changes)
    return resumed, Transition(MonitorStatus.PAUSED, MonitorStatus.PENDING, at)


def _hold(
    state: MonitorState, target: MonitorStatus, at: datetime
) -> tuple[MonitorState, Transition | None]:
    """Enter or stay in a silenced status: incidents and flapping are left as they are."""
    if target is state.status:
        return state, None
    return replace(state, status=target), Transition(state.status, target, at)


def _move(
    state: MonitorState, target: MonitorStatus, at: datetime, flap: FlapPolicy
) -> tuple[MonitorState, Transition | None]:
    recent = tuple(t for t in state.recent_changes if at - t < flap.window)
    if target is not state.status and state.status not in SILENCED:
        recent = (*recent, at)[-flap.threshold :]
    flapping = len(recent) >= flap.threshold or (
        # Hysteresis: once flapping, stay so until the window holds at most half the threshold.
        state.flapping and len(recent) > flap.threshold // 2
    )
    opens = target is MonitorStatus.DOWN and not state.incident_open
    resolves = state.incident_open and target in _RESOLVING
    moved = replace(
        state,
        status=target,
        recent_changes=recent,
        flapping=flapping,
        incident_open=(state.incident_open or opens) and not resolves,
    )
    if target is state.status and flapping == state.flapping and not (opens or resolves):
        return moved, None
    return moved, Transition(
        previous=state.status,
        current=target,
        at=at,
        flapping_started=flapping and not state.flapping,
        flapping_ended=state.flapping and not flapping,
        opens_incident=opens,
        resolves_incident=resolves,
    )
