from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from upwatch.domain.notifications import EventKind
from upwatch.domain.policies import (
    DEFAULT_EVENTS,
    AlertSettings,
    EscalationStep,
    TagPolicy,
    effective_policy,
    escalations_due,
    opening_event,
    reminder_due,
)

OPENED = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _tag(tag: str, channels: list[int], **settings: object) -> TagPolicy:
    return TagPolicy(tag=tag, channels=channels, settings=AlertSettings.model_validate(settings))


def test_without_settings_a_monitor_alerts_its_channels_on_all_but_degraded() -> None:
    policy = effective_policy(channels=[1, 2], settings=None, tag_policies=[])

    assert policy.channels == (1, 2)
    assert policy.events == DEFAULT_EVENTS
    assert not policy.announces(EventKind.DEGRADED)
    assert (policy.renotify, policy.escalation) == (None, ())


def test_tags_fill_what_the_monitor_leaves_unset_and_merge_among_themselves() -> None:
    web = _tag("web", [1], events=["down", "up"], renotify_minutes=30)
    prod = _tag(
        "prod",
        [2],
        events=["flapping"],
        renotify_minutes=10,
        escalation=[{"after_minutes": 15, "channels": [3]}],
    )

    policy = effective_policy(channels=[], settings=None, tag_policies=[web, prod])

    assert policy.channels == (1, 2)
    assert policy.events == {EventKind.DOWN, EventKind.UP, EventKind.FLAPPING}
    assert policy.renotify == timedelta(minutes=10)
    assert [s.after_minutes for s in policy.escalation] == [15]


def test_the_monitors_own_settings_win_field_by_field() -> None:
    prod = _tag("prod", [2], events=["down"], renotify_minutes=10)
    own = AlertSettings(
        renotify_minutes=60,
        escalation=[
            EscalationStep(after_minutes=30, channels=[5]),
            EscalationStep(after_minutes=5, channels=[4]),
        ],
    )

    policy = effective_policy(channels=[9], settings=own, tag_policies=[prod])

    assert policy.channels == (9,)
    assert policy.events == {EventKind.DOWN}  # unset on the monitor: from the tag
    assert policy.renotify == timedelta(minutes=60)
    assert [s.after_minutes for s in policy.escalation] == [5, 30]


@pytest.mark.parametrize(
    "settings",
    [
        {"events": ["test"]},
        {"events": ["sideways"]},
        {"renotify_minutes": 0},
        {"escalation": [{"after_minutes": 5, "channels": []}]},
        {"escalation": [{"after_minutes": 0, "channels": [1]}]},
        {"unknown": 1},
    ],
)
def test_invalid_settings_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AlertSettings.model_validate(settings)


@pytest.mark.parametrize(
    ("kind", "cause", "event"),
    [
        ("http", {"error": "refused", "details": {}}, EventKind.DOWN),
        ("heartbeat", {"details": {"overdue": True}}, EventKind.HEARTBEAT_LATE),
        ("heartbeat", {"error": "exit code 1", "details": {}}, EventKind.DOWN),
        ("tls", {"details": {"days_left": 2}}, EventKind.CERTIFICATE_EXPIRING),
        ("tls", {"error": "handshake failed"}, EventKind.DOWN),
    ],
)
def test_an_opening_is_announced_by_its_cause(
    kind: str, cause: dict[str, object], event: EventKind
) -> None:
    assert opening_event(kind, cause) is event


def test_only_the_latest_reminder_is_due() -> None:
    every = timedelta(minutes=10)
    assert reminder_due(OPENED, OPENED + timedelta(minutes=9), every) == 0
    assert reminder_due(OPENED, OPENED + timedelta(minutes=10), every) == 1
    assert reminder_due(OPENED, OPENED + timedelta(minutes=95), every) == 9
    assert reminder_due(OPENED, OPENED + timedelta(hours=5), None) == 0


def test_escalation_steps_come_due_by_their_delay() -> None:
    steps = [
        EscalationStep(after_minutes=5, channels=[1]),
        EscalationStep(after_minutes=30, channels=[2]),
    ]

    assert escalations_due(OPENED, OPENED + timedelta(minutes=4), steps) == []
    assert [p for p, _ in escalations_due(OPENED, OPENED + timedelta(minutes=5), steps)] == [0]
    assert [p for p, _ in escalations_due(OPENED, OPENED + timedelta(hours=1), steps)] == [0, 1]
