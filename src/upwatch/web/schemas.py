"""The JSON the API answers with. Monitor input is the domain's ``MonitorSpec`` itself."""

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from upwatch.domain.status import MonitorStatus, Outcome
from upwatch.store.monitors import spec_of
from upwatch.store.tables import CheckResultRow, IncidentRow, MonitorRow

Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    total: int
    limit: int
    offset: int


def monitor_json(row: MonitorRow, *, ping_url: str | None) -> dict[str, Any]:
    """The flat monitor document plus what Upwatch knows about it."""
    document: dict[str, Any] = spec_of(row).model_dump(mode="json")
    document.update(
        id=row.id,
        status=MonitorStatus(row.status).value,
        flapping=row.flapping,
        status_changed_at=row.status_changed_at,
        last_checked_at=row.last_checked_at,
        next_check_at=row.next_run_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
    if row.kind == "heartbeat":
        document.update(
            ping_url=ping_url, last_ping_at=row.last_ping_at, deadline_at=row.deadline_at
        )
    return document


class ResultOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    scheduled_at: datetime
    started_at: datetime
    outcome: Outcome
    latency_ms: float | None
    status_code: int | None
    error: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, row: CheckResultRow) -> "ResultOut":
        return cls.model_validate(row)


class ResultsPage(BaseModel):
    items: list[ResultOut]
    next_before: datetime | None


class IncidentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    monitor_id: int
    opened_at: datetime
    resolved_at: datetime | None
    cause: dict[str, Any]
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_by: str | None = Field(
        description="Who resolved it by hand; null when the monitor's recovery resolved it."
    )

    @classmethod
    def of(cls, row: IncidentRow) -> "IncidentOut":
        return cls.model_validate(row)


class TimelineEntryOut(BaseModel):
    at: datetime
    kind: str
    detail: dict[str, Any]


class IncidentDetailOut(IncidentOut):
    timeline: list[TimelineEntryOut]


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=10_000)


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(
        None, min_length=1, max_length=10_000, description="Kept on the incident's timeline."
    )


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: int
    author: str
    text: str
    created_at: datetime


class WindowOut(BaseModel):
    checks: int
    failures: int
    uptime_percent: float | None
    latency_ms: dict[str, float | None]


class SummaryOut(BaseModel):
    monitor_id: int
    status: MonitorStatus
    windows: dict[str, WindowOut]
