"""What one check produced, independent of how the probe got it."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from upwatch.domain.status import Outcome

# What a passing check reports every time and nobody reads back from a stored result: its phase
# timings (latency_ms keeps the total), the proof that the reply or certificate was fine, and
# the final URL when nothing redirected. Failing, degraded and maintenance results keep all.
ROUTINE_WHEN_UP = frozenset(
    {"timings", "connect_ms", "reply_excerpt", "tls_days_left", "tls_not_after"}
)
UNREDIRECTED = frozenset({"final_url", "redirects"})


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

    def stored_details(self) -> dict[str, Any]:
        """The details worth keeping with the stored result: all of them unless it passed; a
        passing check drops the routine ones, except in the first minute of each hour, which
        keeps an hourly sample of the phase timings for the monitor."""
        details = self.result.details
        if self.result.outcome is not Outcome.UP or self.scheduled_at.minute == 0:
            return details
        routine = ROUTINE_WHEN_UP | (UNREDIRECTED if details.get("redirects") == 0 else set())
        return {key: value for key, value in details.items() if key not in routine}

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
