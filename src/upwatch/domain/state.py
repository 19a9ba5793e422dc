"""The monitor state machine: results in, status and incident decisions out."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from upwatch.domain.status import MonitorStatus, Outcome

_HEALTHY = {Outcome.UP: MonitorStatus.UP, Outcome.DEGRADED: MonitorStatus.DEGRADED}


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


@dataclass(frozen=True, slots=True)
class Transition:
    previous: MonitorStatus
    current: MonitorStatus
    at: datetime
    flapping_started: bool = False
    flapping_ended: bool = False

    @property
    def opens_incident(self) -> bool:
        return self.current is MonitorStatus.DOWN and self.previous is not MonitorStatus.DOWN

    @property
    def resolves_incident(self) -> bool:
        return self.previous is MonitorStatus.DOWN and self.current is not MonitorStatus.DOWN

    @property
    def status_changed(self) -> bool:
        return self.previous is not self.current


def apply_outcome(
    state: MonitorState,
    outcome: Outcome,
    *,
    at: datetime,
    retries: int,
    flap: FlapPolicy,
) -> tuple[MonitorState, Transition | None]:
    """Advance ``state`` by one check outcome.

    DOWN comes only after ``retries + 1`` consecutive failures; the first success recovers.
    A paused monitor and a check Upwatch did not run change nothing.
    """
    if state.status is MonitorStatus.PAUSED or outcome is Outcome.NOT_RUN:
        return state, None
    if outcome is Outcome.DOWN:
        failures = state.consecutive_failures + 1
        target = MonitorStatus.DOWN if failures > retries else state.status
        return _move(replace(state, consecutive_failures=failures), target, at, flap)
    return _move(replace(state, consecutive_failures=0), _HEALTHY[outcome], at, flap)


def pause(state: MonitorState, *, at: datetime) -> tuple[MonitorState, Transition | None]:
    if state.status is MonitorStatus.PAUSED:
        return state, None
    paused = MonitorState(status=MonitorStatus.PAUSED, recent_changes=state.recent_changes)
    return paused, Transition(state.status, MonitorStatus.PAUSED, at, flapping_ended=state.flapping)


def resume(state: MonitorState, *, at: datetime) -> tuple[MonitorState, Transition | None]:
    if state.status is not MonitorStatus.PAUSED:
        return state, None
    resumed = MonitorState(status=MonitorStatus.PENDING, recent_changes=state.recent_changes)
    return resumed, Transition(MonitorStatus.PAUSED, MonitorStatus.PENDING, at)


def _move(
    state: MonitorState, target: MonitorStatus, at: datetime, flap: FlapPolicy
) -> tuple[MonitorState, Transition | None]:
    recent = tuple(t for t in state.recent_changes if at - t < flap.window)
    if target is not state.status:
        recent = (*recent, at)[-flap.threshold :]
    flapping = len(recent) >= flap.threshold or (
        # Hysteresis: once flapping, stay so until the window holds at most half the threshold.
        state.flapping and len(recent) > flap.threshold // 2
    )
    moved = replace(state, status=target, recent_changes=recent, flapping=flapping)
    if target is state.status and flapping == state.flapping:
        return moved, None
    return moved, Transition(
        previous=state.status,
        current=target,
        at=at,
        flapping_started=flapping and not state.flapping,
        flapping_ended=state.flapping and not flapping,
    )
