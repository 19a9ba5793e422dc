from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upwatch.domain.state import (
    FlapPolicy,
    MonitorState,
    Transition,
    apply_outcome,
    pause,
    resume,
)
from upwatch.domain.status import MonitorStatus, Outcome

S = MonitorStatus
START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
NO_FLAPPING = FlapPolicy(threshold=1000, window=timedelta(minutes=10))
UP, DEGRADED, DOWN, NOT_RUN = Outcome.UP, Outcome.DEGRADED, Outcome.DOWN, Outcome.NOT_RUN
MAINTENANCE = Outcome.MAINTENANCE
VERDICTS = [UP, DEGRADED, DOWN, NOT_RUN]
HEALTHY_STATUS = {UP: S.UP, DEGRADED: S.DEGRADED}


@dataclass(frozen=True)
class Step:
    outcome: Outcome
    at: datetime
    before: MonitorState
    after: MonitorState
    transition: Transition | None


def _run(
    outcomes: list[Outcome],
    *,
    retries: int = 0,
    flap: FlapPolicy = NO_FLAPPING,
    gaps: list[int] | None = None,
    state: MonitorState | None = None,
) -> list[Step]:
    """Apply ``outcomes`` one a minute (or after the given gaps in seconds) from START."""
    state = state if state is not None else MonitorState()
    at = START
    steps = []
    for index, outcome in enumerate(outcomes):
        at += timedelta(seconds=gaps[index] if gaps else 60)
        after, transition = apply_outcome(state, outcome, at=at, retries=retries, flap=flap)
        steps.append(Step(outcome, at, state, after, transition))
        state = after
    return steps


def _statuses(steps: list[Step]) -> list[MonitorStatus]:
    return [step.after.status for step in steps]


@pytest.mark.parametrize(
    ("retries", "outcomes", "statuses"),
    [
        (0, [DOWN], [S.DOWN]),
        (0, [UP, DOWN, UP], [S.UP, S.DOWN, S.UP]),
        (0, [DEGRADED, UP, DEGRADED], [S.DEGRADED, S.UP, S.DEGRADED]),
        (2, [DOWN, DOWN, DOWN, DOWN], [S.PENDING, S.PENDING, S.DOWN, S.DOWN]),
        (1, [UP, DOWN, UP, DOWN, DOWN], [S.UP, S.UP, S.UP, S.UP, S.DOWN]),
        (1, [DEGRADED, DOWN, DOWN], [S.DEGRADED, S.DEGRADED, S.DOWN]),
        (1, [UP, DOWN, NOT_RUN, DOWN], [S.UP, S.UP, S.UP, S.DOWN]),
        (0, [DOWN, NOT_RUN, NOT_RUN], [S.DOWN, S.DOWN, S.DOWN]),
        (3, [DOWN, DOWN, DOWN, DOWN, DEGRADED], [S.PENDING] * 3 + [S.DOWN, S.DEGRADED]),
        (0, [NOT_RUN], [S.PENDING]),
    ],
)
def test_status_after_each_outcome(
    retries: int, outcomes: list[Outcome], statuses: list[MonitorStatus]
) -> None:
    assert _statuses(_run(outcomes, retries=retries)) == statuses


def test_failures_open_one_incident_and_the_first_success_resolves_it() -> None:
    steps = _run([UP, DOWN, DOWN, DOWN, DOWN, UP], retries=1)

    opens = [step.at for step in steps if step.transition and step.transition.opens_incident]
    resolves = [step.at for step in steps if step.transition and step.transition.resolves_incident]
    assert opens == [steps[2].at]
    assert resolves == [steps[5].at]
    assert [step.after.consecutive_failures for step in steps] == [0, 1, 2, 3, 4, 0]


def test_an_unchanged_status_reports_no_transition() -> None:
    steps = _run([UP, UP, NOT_RUN, UP])

    assert [step.transition for step in steps] == [
        Transition(S.PENDING, S.UP, steps[0].at),
        None,
        None,
        None,
    ]


def test_flapping_starts_at_the_threshold_and_ends_when_the_window_calms_down() -> None:
    flap = FlapPolicy(threshold=4, window=timedelta(minutes=10))
    # Changes at minutes 1 to 5, then steady UP at minutes 8, 12 and 13.
    gaps = [60] * 5 + [180, 240, 60]
    steps = _run([UP, DOWN, UP, DOWN, UP, UP, UP, UP], flap=flap, gaps=gaps)

    assert [step.after.flapping for step in steps] == [False] * 3 + [True] * 4 + [False]
    started = [
        i for i, step in enumerate(steps) if step.transition and step.transition.flapping_started
    ]
    assert started == [3]
    # At minute 12 three changes (3, 4, 5) are fewer than the threshold, but more than half of it.
    assert len(steps[-2].after.recent_changes) == 3
    # At minute 13 the window holds only the changes at minutes 4 and 5, half the threshold.
    last = steps[-1]
    assert last.after.recent_changes == (steps[3].at, steps[4].at)
    assert last.transition == Transition(S.UP, S.UP, last.at, flapping_ended=True)


def test_recent_changes_keep_only_the_latest_threshold_many() -> None:
    flap = FlapPolicy(threshold=3, window=timedelta(hours=1))
    steps = _run([UP, DOWN, UP, DOWN, UP], flap=flap)

    assert steps[-1].after.recent_changes == tuple(step.at for step in steps[-3:])


def test_pausing_ignores_outcomes_until_resumed() -> None:
    (down,) = _run([DOWN])
    paused, paused_transition = pause(down.after, at=START)

    assert paused_transition == Transition(S.DOWN, S.PAUSED, START, resolves_incident=True)
    assert pause(paused, at=START) == (paused, None)
    for outcome in Outcome:
        assert apply_outcome(paused, outcome, at=START, retries=0, flap=NO_FLAPPING) == (
            paused,
            None,
        )

    resumed, resumed_transition = resume(paused, at=START)
    assert resumed == MonitorState(status=S.PENDING, recent_changes=down.after.recent_changes)
    assert resumed_transition == Transition(S.PAUSED, S.PENDING, START)
    assert resume(resumed, at=START) == (resumed, None)


def test_pausing_a_flapping_monitor_ends_its_flapping() -> None:
    flap = FlapPolicy(threshold=2, window=timedelta(hours=1))
    flapping = _run([UP, DOWN], flap=flap)[-1].after
    assert flapping.flapping

    paused, transition = pause(flapping, at=START)

    assert not paused.flapping
    assert transition == Transition(
        S.DOWN, S.PAUSED, START, flapping_ended=True, resolves_incident=True
    )


# Properties over random histories -------------------------------------------------------------

outcomes_and_gaps = st.lists(
    st.tuples(st.sampled_from(VERDICTS), st.integers(min_value=1, max_value=900)),
    max_size=60,
)
retry_counts = st.integers(min_value=0, max_value=4)
flap_policies = st.builds(
    FlapPolicy,
    threshold=st.integers(min_value=1, max_value=6),
    window=st.integers(min_value=1, max_value=3600).map(lambda seconds: timedelta(seconds=seconds)),
)


def _random_run(
    history: list[tuple[Outcome, int]],
    retries: int,
    flap: FlapPolicy = NO_FLAPPING,
    state: MonitorState | None = None,
) -> list[Step]:
    return _run(
        [outcome for outcome, _ in history],
        retries=retries,
        flap=flap,
        gaps=[gap for _, gap in history],
        state=state,
    )


def _real_outcomes_so_far(steps: list[Step], end: int) -> list[Outcome]:
    return [step.outcome for step in steps[: end + 1] if step.outcome is not NOT_RUN]


def _trailing_failures(outcomes: list[Outcome]) -> int:
    count = 0
    for outcome in reversed(outcomes):
        if outcome is not DOWN:
            break
        count += 1
    return count


@given(outcomes_and_gaps, retry_counts, flap_policies)
def test_down_exactly_when_the_last_retries_plus_one_real_outcomes_failed(
    history: list[tuple[Outcome, int]], retries: int, flap: FlapPolicy
) -> None:
    steps = _random_run(history, retries, flap)
    for index, step in enumerate(steps):
        real = _real_outcomes_so_far(steps, index)
        all_down = len(real) > retries and all(o is DOWN for o in real[-(retries + 1) :])
        assert (step.after.status is S.DOWN) == all_down


@given(outcomes_and_gaps, retry_counts)
def test_outside_down_the_status_is_the_last_healthy_outcome(
    history: list[tuple[Outcome, int]], retries: int
) -> None:
    steps = _random_run(history, retries)
    for index, step in enumerate(steps):
        if step.after.status is S.DOWN:
            continue
        healthy = [o for o in _real_outcomes_so_far(steps, index) if o in HEALTHY_STATUS]
        assert step.after.status is (HEALTHY_STATUS[healthy[-1]] if healthy else S.PENDING)


@given(outcomes_and_gaps, retry_counts, flap_policies)
def test_the_first_healthy_outcome_after_down_leaves_down(
    history: list[tuple[Outcome, int]], retries: int, flap: FlapPolicy
) -> None:
    for step in _random_run(history, retries, flap):
        if step.before.status is S.DOWN and step.outcome in HEALTHY_STATUS:
            assert step.after.status is HEALTHY_STATUS[step.outcome]
            assert step.transition is not None
            assert step.transition.resolves_incident


@given(outcomes_and_gaps, retry_counts, flap_policies)
def test_incidents_open_and_resolve_in_turn(
    history: list[tuple[Outcome, int]], retries: int, flap: FlapPolicy
) -> None:
    incident_open = False
    for step in _random_run(history, retries, flap):
        if step.transition is None:
            continue
        assert not (step.transition.opens_incident and step.transition.resolves_incident)
        if step.transition.opens_incident:
            assert not incident_open
            incident_open = True
        if step.transition.resolves_incident:
            assert incident_open
            incident_open = False
        assert incident_open == (step.after.status is S.DOWN) == step.after.incident_open


@given(outcomes_and_gaps, retry_counts, flap_policies)
def test_consecutive_failures_count_the_trailing_run_of_down(
    history: list[tuple[Outcome, int]], retries: int, flap: FlapPolicy
) -> None:
    steps = _random_run(history, retries, flap)
    for index, step in enumerate(steps):
        expected = _trailing_failures(_real_outcomes_so_far(steps, index))
        assert step.after.consecutive_failures == expected


@given(outcomes_and_gaps, retry_counts, flap_policies)
def test_not_run_changes_nothing(
    history: list[tuple[Outcome, int]], retries: int, flap: FlapPolicy
) -> None:
    for step in _random_run(history, retries, flap):
        if step.outcome is NOT_RUN:
            assert step.after is step.before
            assert step.transition is None


@given(outcomes_and_gaps, retry_counts, flap_policies, st.integers(min_value=0, max_value=60))
def test_a_paused_monitor_ignores_every_outcome(
    history: list[tuple[Outcome, int]], retries: int, flap: FlapPolicy, paused_after: int
) -> None:
    before_pause = _random_run(history[:paused_after], retries, flap)
    state = before_pause[-1].after if before_pause else MonitorState()
    paused, _ = pause(state, at=START)

    steps = _random_run(history, retries, flap, state=paused)
    assert all(step.after is paused and step.transition is None for step in steps)


@given(outcomes_and_gaps, retry_counts, flap_policies)
def test_transitions_report_exactly_what_changed(
    history: list[tuple[Outcome, int]], retries: int, flap: FlapPolicy
) -> None:
    for step in _random_run(history, retries, flap):
        changed = step.before.status is not step.after.status
        flapping_changed = step.before.flapping != step.after.flapping
        assert (step.transition is not None) == (changed or flapping_changed)
        if step.transition is not None:
            assert (step.transition.previous, step.transition.current) == (
                step.before.status,
                step.after.status,
            )
            assert step.transition.at == step.at
            assert step.transition.flapping_started == (
                step.after.flapping and not step.before.flapping
            )
            assert step.transition.flapping_ended == (
                step.before.flapping and not step.after.flapping
            )


@given(outcomes_and_gaps, retry_counts, flap_policies)
def test_recent_changes_stay_within_threshold_and_window(
    history: list[tuple[Outcome, int]], retries: int, flap: FlapPolicy
) -> None:
    for step in _random_run(history, retries, flap):
        recent = step.after.recent_changes
        assert len(recent) <= flap.threshold
        assert list(recent) == sorted(recent)
        if step.outcome is not NOT_RUN:
            assert all(step.at - change < flap.window for change in recent)


@given(outcomes_and_gaps, retry_counts, flap_policies)
def test_flapping_starts_only_when_changes_in_the_window_reach_the_threshold(
    history: list[tuple[Outcome, int]], retries: int, flap: FlapPolicy
) -> None:
    change_times: list[datetime] = []
    for step in _random_run(history, retries, flap):
        if step.before.status is not step.after.status:
            change_times.append(step.at)
        if step.outcome is NOT_RUN:
            continue
        in_window = sum(1 for change in change_times if step.at - change < flap.window)
        if in_window >= flap.threshold:
            assert step.after.flapping
        if step.transition is not None and step.transition.flapping_started:
            assert in_window >= flap.threshold
        # Hysteresis: flapping lasts exactly while more than half the threshold stays in the window.
        if step.before.flapping:
            assert step.after.flapping == (in_window > flap.threshold // 2)


@given(
    st.lists(
        st.tuples(
            st.sampled_from([*VERDICTS, "pause", "resume"]),
            st.integers(min_value=1, max_value=900),
        ),
        max_size=60,
    ),
    retry_counts,
    flap_policies,
)
def test_pause_and_resume_keep_transitions_and_incidents_consistent(
    events: list[tuple[Outcome | str, int]], retries: int, flap: FlapPolicy
) -> None:
    state, at, incident_open = MonitorState(), START, False
    for event, gap in events:
        at += timedelta(seconds=gap)
        if event == "pause":
            after, transition = pause(state, at=at)
        elif event == "resume":
            after, transition = resume(state, at=at)
        else:
            after, transition = apply_outcome(
                state, Outcome(event), at=at, retries=retries, flap=flap
            )
        if transition is None:
            assert (after.status, after.flapping) == (state.status, state.flapping)
        else:
            assert (transition.previous, transition.current) == (state.status, after.status)
            assert transition.flapping_started == (after.flapping and not state.flapping)
            assert transition.flapping_ended == (state.flapping and not after.flapping)
            incident_open ^= transition.opens_incident or transition.resolves_incident
        assert incident_open == (after.status is S.DOWN)
        state = after


# Maintenance and dependencies ----------------------------------------------------------------


def _apply(
    state: MonitorState, outcome: Outcome, *, retries: int = 0, parent_down: bool = False
) -> tuple[MonitorState, Transition | None]:
    return apply_outcome(
        state, outcome, at=START, retries=retries, flap=NO_FLAPPING, parent_down=parent_down
    )


def test_maintenance_keeps_an_open_incident_until_the_monitor_recovers() -> None:
    down = _run([DOWN])[-1].after
    held, entered = _apply(down, MAINTENANCE)
    still_down, again = _apply(held, DOWN)
    recovered, resolved = _apply(held, UP)

    assert entered == Transition(S.DOWN, S.MAINTENANCE, START)
    assert held.incident_open
    assert again == Transition(S.MAINTENANCE, S.DOWN, START)  # the same incident, no new one
    assert still_down.incident_open
    assert resolved == Transition(S.MAINTENANCE, S.UP, START, resolves_incident=True)
    assert not recovered.incident_open


def test_after_maintenance_a_healthy_monitor_announces_nothing() -> None:
    up = _run([UP])[-1].after
    held, _ = _apply(up, MAINTENANCE)
    _, after = _apply(held, UP)
    _, failed = _apply(held, DOWN)

    assert after == Transition(S.MAINTENANCE, S.UP, START)
    assert failed == Transition(S.MAINTENANCE, S.DOWN, START, opens_incident=True)


def test_maintenance_restarts_the_failure_count() -> None:
    failing = _run([UP, DOWN], retries=2)[-1].after
    held, _ = _apply(failing, MAINTENANCE, retries=2)
    first, _ = _apply(held, DOWN, retries=2)

    assert held.consecutive_failures == 0
    assert (first.status, first.consecutive_failures) == (S.PENDING, 1)


def test_a_failing_child_of_a_down_parent_shows_dependency_down_until_the_parent_recovers() -> None:
    up = _run([UP])[-1].after
    behind, entered = _apply(up, DOWN, parent_down=True)
    still, unchanged = _apply(behind, DOWN, parent_down=True)
    down, opened = _apply(behind, DOWN)
    healthy, recovered = _apply(behind, UP)

    assert entered == Transition(S.UP, S.DEPENDENCY_DOWN, START)
    assert (still, unchanged) == (replace(behind, consecutive_failures=2), None)
    assert opened == Transition(S.DEPENDENCY_DOWN, S.DOWN, START, opens_incident=True)
    assert down.incident_open
    assert recovered == Transition(S.DEPENDENCY_DOWN, S.UP, START)
    assert not healthy.incident_open


def test_a_child_already_down_stays_down_when_its_parent_fails() -> None:
    down = _run([DOWN])[-1].after

    assert _apply(down, DOWN, parent_down=True) == (
        replace(down, consecutive_failures=2),
        None,
    )


def test_a_child_within_its_retries_is_not_yet_dependency_down() -> None:
    up = _run([UP])[-1].after

    after, transition = _apply(up, DOWN, retries=1, parent_down=True)

    assert (after.status, transition) == (S.UP, None)


def test_pausing_in_maintenance_resolves_the_open_incident() -> None:
    held, _ = _apply(_run([DOWN])[-1].after, MAINTENANCE)

    _, transition = pause(held, at=START)

    assert transition == Transition(S.MAINTENANCE, S.PAUSED, START, resolves_incident=True)


silenced_histories = st.lists(
    st.tuples(
        st.sampled_from([*Outcome]),
        st.booleans(),
        st.integers(min_value=1, max_value=900),
    ),
    max_size=60,
)


@given(silenced_histories, retry_counts, flap_policies)
def test_silenced_statuses_never_open_resolve_or_start_flapping(
    history: list[tuple[Outcome, bool, int]], retries: int, flap: FlapPolicy
) -> None:
    state, at, incident_open = MonitorState(), START, False
    for outcome, parent_down, gap in history:
        at += timedelta(seconds=gap)
        after, transition = apply_outcome(
            state, outcome, at=at, retries=retries, flap=flap, parent_down=parent_down
        )
        if transition is not None:
            assert not (transition.opens_incident and transition.resolves_incident)
            if transition.opens_incident:
                assert not incident_open
            if transition.resolves_incident:
                assert incident_open
            incident_open ^= transition.opens_incident or transition.resolves_incident
            if transition.silenced:
                assert not transition.opens_incident
                assert not transition.resolves_incident
                assert not transition.flapping_started
        assert after.incident_open == incident_open
        if after.status is S.DOWN:
            assert incident_open
        if outcome is MAINTENANCE:
            assert after.status is S.MAINTENANCE
        if after.status is S.DEPENDENCY_DOWN:
            assert parent_down or state.status is S.DEPENDENCY_DOWN
            assert not incident_open
        state = after
