"""The statuses a monitor can be in and the verdicts a single check can return."""

from enum import StrEnum


class MonitorStatus(StrEnum):
    PENDING = "pending"
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    PAUSED = "paused"
    MAINTENANCE = "maintenance"


class Outcome(StrEnum):
    """The verdict of one check. ``NOT_RUN`` is Upwatch's own trouble, never the target's."""

    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    NOT_RUN = "not_run"


class PingKind(StrEnum):
    SUCCESS = "success"
    START = "start"
    FAIL = "fail"
