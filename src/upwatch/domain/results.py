"""What one check produced, independent of how the probe got it."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from upwatch.domain.status import Outcome


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """A probe's verdict. Failures are data: a failed probe returns one of these, never raises."""

    outcome: Outcome
    latency_ms: float | None = None
    error: str | None = None
    status_code: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.outcome is Outcome.DOWN


@dataclass(frozen=True, slots=True)
class CheckResult:
    """A probe result placed in time for one monitor; unique per (monitor_id, scheduled_at)."""

    monitor_id: int
    scheduled_at: datetime
    started_at: datetime
    result: ProbeResult

    @property
    def outcome(self) -> Outcome:
        return self.result.outcome

    def cause_snapshot(self) -> dict[str, Any]:
        """What an incident records about the first failing check that opened it."""
        return {
            "scheduled_at": self.scheduled_at.isoformat(),
            "outcome": self.result.outcome.value,
            "error": self.result.error,
            "status_code": self.result.status_code,
            "latency_ms": self.result.latency_ms,
            "details": self.result.details,
        }
