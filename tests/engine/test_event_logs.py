import logging
from datetime import UTC, datetime

import pytest
from structlog.testing import capture_logs

from upwatch.domain.state import Transition
from upwatch.domain.status import MonitorStatus
from upwatch.engine.embedded import FEW_EVENTS, report_events
from upwatch.services.transitions import MonitorEvent

AT = datetime(2026, 1, 1, tzinfo=UTC)


def _event(monitor_id: int, current: MonitorStatus, incident_id: int | None = None) -> MonitorEvent:
    transition = Transition(
        MonitorStatus.PENDING if incident_id is None else MonitorStatus.UP,
        current,
        AT,
        opens_incident=incident_id is not None,
    )
    return MonitorEvent(monitor_id, f"monitor {monitor_id}", transition, incident_id)


async def test_a_few_status_changes_get_a_line_each() -> None:
    events = [_event(n, MonitorStatus.UP) for n in range(FEW_EVENTS)]

    with capture_logs() as logs:
        await report_events(events)

    assert [(log["event"], log["monitor_id"]) for log in logs] == [
        ("monitor status changed", n) for n in range(FEW_EVENTS)
    ]
    assert {log["log_level"] for log in logs} == {"info"}


async def test_many_routine_changes_are_counted_but_an_incident_keeps_its_line() -> None:
    events = [_event(n, MonitorStatus.UP) for n in range(40)]
    events += [_event(40, MonitorStatus.MAINTENANCE), _event(41, MonitorStatus.DOWN, 7)]

    with capture_logs() as logs:
        await report_events(events)

    assert logs == [
        {
            "event": "monitor status changed",
            "log_level": "info",
            "monitor_id": 41,
            "monitor": "monitor 41",
            "previous": "up",
            "current": "down",
            "incident_id": 7,
            "flapping_started": False,
            "flapping_ended": False,
        },
        {
            "event": "monitor statuses changed",
            "log_level": "info",
            "monitors": 41,
            "changes": {"pending->up": 40, "pending->maintenance": 1},
        },
    ]


async def test_with_debug_on_each_counted_change_still_gets_a_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="upwatch.engine.embedded")
    events = [_event(n, MonitorStatus.UP) for n in range(FEW_EVENTS + 1)]

    with capture_logs() as logs:
        await report_events(events)

    assert [log["log_level"] for log in logs] == ["info"] + ["debug"] * len(events)
    assert [log["monitor_id"] for log in logs[1:]] == list(range(len(events)))
