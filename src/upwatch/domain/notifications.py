"""What a notification says and what became of sending it; pure types, no I/O, no clock."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class EventKind(StrEnum):
    DOWN = "down"
    UP = "up"
    DEGRADED = "degraded"
    CERTIFICATE_EXPIRING = "certificate_expiring"
    HEARTBEAT_LATE = "heartbeat_late"
    FLAPPING = "flapping"
    REMINDER = "reminder"
    ESCALATION = "escalation"
    TEST = "test"
    # Someone closed the incident by hand; unlike UP, the monitor may still be failing.
    RESOLVED = "resolved"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MonitorRef(_Frozen):
    id: int
    name: str
    kind: str
    target: str | None = Field(None, description="The URL or host checked; none for heartbeats.")


class IncidentRef(_Frozen):
    id: int
    opened_at: AwareDatetime
    resolved_at: AwareDatetime | None = None
    cause: dict[str, Any] = Field(
        default_factory=dict, description="Snapshot of the first failing check."
    )


class Links(_Frozen):
    acknowledge: str | None = Field(None, description="Signed one-click acknowledge URL.")
    monitor: str | None = Field(None, description="The monitor's page in Upwatch.")


class Notification(_Frozen):
    """One incident event for one channel.

    ``idempotency_key`` is stable per event and channel, so a receiver (or the delivery log) can
    drop a second copy when a redelivered job sends it again.
    """

    event: EventKind
    monitor: MonitorRef
    incident: IncidentRef | None = Field(
        None, description="The incident; none for an event without one (degraded)."
    )
    occurred_at: AwareDatetime
    downtime_seconds: float | None = Field(
        None, ge=0, description="How long the monitor was down; set on recovery."
    )
    links: Links = Field(default_factory=Links)
    idempotency_key: str = Field(min_length=1, max_length=200)
    check: dict[str, Any] = Field(
        default_factory=dict, description="The check behind an event without an incident."
    )

    @property
    def cause(self) -> dict[str, Any]:
        """What went wrong: the incident's first failing check, or the check behind the event."""
        return self.incident.cause if self.incident else self.check


class GroupedNotification(_Frozen):
    """Many monitors with the same event at about the same time: one message listing them all."""

    event: EventKind
    notifications: tuple[Notification, ...] = Field(min_length=1)
    occurred_at: AwareDatetime
    idempotency_key: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_event(self) -> Self:
        others = {n.event for n in self.notifications} - {self.event}
        if others:
            listed = ", ".join(sorted(others))
            raise ValueError(f"every grouped notification must be {self.event}, not {listed}")
        return self


Message = Notification | GroupedNotification


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of one attempt to send one message to one channel.

    Failures are data: ``permanent`` says that retrying cannot help (a rejected address, a
    missing endpoint, bad credentials), so the channel should be marked unhealthy instead.
    """

    ok: bool
    permanent: bool
    status_code: int | None
    error: str | None
    duration_ms: float

    @classmethod
    def delivered(cls, *, duration_ms: float, status_code: int | None = None) -> Self:
        return cls(
            ok=True, permanent=False, status_code=status_code, error=None, duration_ms=duration_ms
        )

    @classmethod
    def failed(
        cls, error: str, *, permanent: bool, duration_ms: float, status_code: int | None = None
    ) -> Self:
        return cls(
            ok=False,
            permanent=permanent,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
        )
