"""Who hears about an incident, about what, and how often: alert policies, pure and clock-free.

A monitor's own settings win field by field; what it leaves unset comes from the policies of its
tags. Several tags merge: channels and events are united, the shortest re-notify interval wins,
and escalation steps are combined.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from upwatch.domain.notifications import EventKind

# Events a policy can choose; reminders and escalations follow from re-notify and escalation.
SELECTABLE_EVENTS = frozenset(
    {
        EventKind.DOWN,
        EventKind.UP,
        EventKind.DEGRADED,
        EventKind.CERTIFICATE_EXPIRING,
        EventKind.HEARTBEAT_LATE,
        EventKind.FLAPPING,
    }
)
DEFAULT_EVENTS = SELECTABLE_EVENTS - {EventKind.DEGRADED}
# The events that announce an incident opening; the monitor's kind and cause pick one.
OPENING_EVENTS = frozenset(
    {EventKind.DOWN, EventKind.HEARTBEAT_LATE, EventKind.CERTIFICATE_EXPIRING}
)

ChannelId = Annotated[int, Field(ge=1)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EscalationStep(_Frozen):
    after_minutes: int = Field(
        ge=1, le=10_080, description="Minutes after the incident opened, if nobody acknowledged."
    )
    channels: list[ChannelId] = Field(min_length=1, description="Channel ids to alert in addition.")


class AlertSettings(_Frozen):
    """A monitor's or a tag's alert settings; ``None`` means "not set here"."""

    events: list[EventKind] | None = Field(
        None, description="Events to announce; default: all but degraded."
    )
    renotify_minutes: int | None = Field(
        None, ge=1, le=10_080, description="Repeat the alert this often while down."
    )
    escalation: list[EscalationStep] | None = Field(None, max_length=10)

    @model_validator(mode="after")
    def _selectable_events(self) -> Self:
        if self.events is not None:
            wrong = sorted(set(self.events) - SELECTABLE_EVENTS)
            if wrong:
                allowed = ", ".join(sorted(SELECTABLE_EVENTS))
                raise ValueError(f"events may only be {allowed}; not {', '.join(wrong)}")
        return self


class TagPolicy(_Frozen):
    """The defaults for every monitor carrying ``tag``."""

    tag: str = Field(min_length=1, max_length=64)
    channels: list[ChannelId] = Field(default_factory=list)
    settings: AlertSettings = Field(default_factory=AlertSettings)


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    channels: tuple[int, ...]
    events: frozenset[EventKind]
    renotify: timedelta | None
    escalation: tuple[EscalationStep, ...]

    def announces(self, event: EventKind) -> bool:
        return event in self.events


def effective_policy(
    *,
    channels: Sequence[int],
    settings: AlertSettings | None,
    tag_policies: Iterable[TagPolicy],
) -> AlertPolicy:
    own = settings or AlertSettings()
    tags = list(tag_policies)
    tag_channels = [c for policy in tags for c in policy.channels]
    tag_events = [set(p.settings.events) for p in tags if p.settings.events is not None]
    tag_renotify = [p.settings.renotify_minutes for p in tags if p.settings.renotify_minutes]
    tag_steps = [s for p in tags for s in p.settings.escalation or ()]

    if own.events is not None:
        events = frozenset(own.events)
    elif tag_events:
        events = frozenset(set().union(*tag_events))
    else:
        events = DEFAULT_EVENTS
    renotify_minutes = own.renotify_minutes or min(tag_renotify, default=None)
    steps = own.escalation if own.escalation is not None else tag_steps
    return AlertPolicy(
        channels=tuple(dict.fromkeys(channels or tag_channels)),
        events=events,
        renotify=timedelta(minutes=renotify_minutes) if renotify_minutes else None,
        escalation=tuple(sorted(steps, key=lambda step: step.after_minutes)),
    )


def opening_event(monitor_kind: str, cause: dict[str, Any]) -> EventKind:
    """How an incident's opening is announced: a late heartbeat and an expiring certificate
    have their own events, so that a policy can route them apart from plain outages."""
    details = cause.get("details") or {}
    if monitor_kind == "heartbeat" and details.get("overdue"):
        return EventKind.HEARTBEAT_LATE
    if "days_left" in details:
        return EventKind.CERTIFICATE_EXPIRING
    return EventKind.DOWN


def reminder_due(opened_at: datetime, now: datetime, every: timedelta | None) -> int:
    """The number of the reminder due now (0: none yet). Only the latest is ever sent, so a
    delivery loop that was away does not send a burst of stale reminders."""
    if every is None or now < opened_at:
        return 0
    return int((now - opened_at) / every)


def escalations_due(
    opened_at: datetime, now: datetime, steps: Sequence[EscalationStep]
) -> list[tuple[int, EscalationStep]]:
    """The escalation steps (by position) whose time has come."""
    elapsed = now - opened_at
    return [
        (position, step)
        for position, step in enumerate(steps)
        if elapsed >= timedelta(minutes=step.after_minutes)
    ]
