"""The statuses a monitor can be in and the verdicts a single check can return."""

from enum import StrEnum


class MonitorStatus(StrEnum):
    PENDING = "pending"
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    PAUSED = "paused"
    MAINTENANCE = "maintenance"
    # Failing while a monitor it depends on is down: the parent's incident speaks for it.
    DEPENDENCY_DOWN = "dependency_down"


class Outcome(StrEnum):
    """The verdict of one check. ``NOT_RUN`` is Upwatch's own trouble, never the target's;
    ``MAINTENANCE`` a check inside a maintenance window (its verdict is kept in the details)."""

    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    NOT_RUN = "not_run"
    MAINTENANCE = "maintenance"


class PingKind(StrEnum):
    SUCCESS = "success"
    START = "start"
    FAIL = "fail"
