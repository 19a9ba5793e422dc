"""The database tables. API schemas live in upwatch.web; these are storage only."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from upwatch.store.types import BigId, Float32, JSONObjectOrNull, UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class MonitorRow(Base):
    __tablename__ = "monitors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    interval: Mapped[int]
    timeout: Mapped[float] = mapped_column(Float)
    retries: Mapped[int]
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    channel_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    alert_settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    depends_on: Mapped[list[int]] = mapped_column(JSON, default=list)

    status: Mapped[str] = mapped_column(String(20), default="pending")
    status_changed_at: Mapped[datetime]
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    recent_changes: Mapped[list[str]] = mapped_column(JSON, default=list)
    flapping: Mapped[bool] = mapped_column(Boolean, default=False)
    incident_open: Mapped[bool] = mapped_column(Boolean, default=False)
    pending_cause: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_checked_at: Mapped[datetime | None]

    next_run_at: Mapped[datetime | None] = mapped_column(index=True)
    ping_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    last_ping_at: Mapped[datetime | None]
    last_start_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None] = mapped_column(index=True)

    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CheckResultRow(Base):
    __tablename__ = "check_results"
    # One row per (monitor, schedule slot), which is the primary key: no surrogate id. Columns
    # run widest first so PostgreSQL pads nothing, and a passing check stores no routine details
    # (see CheckResult.stored_details), so a typical row is 56 bytes. PostgreSQL:
    # range-partitioned by day on scheduled_at (store/partitions.py); BRIN keeps the time index
    # tiny (rows arrive in order).
    __table_args__ = (
        PrimaryKeyConstraint("monitor_id", "scheduled_at"),
        Index(None, "scheduled_at", postgresql_using="brin"),
    )

    scheduled_at: Mapped[datetime]
    started_at: Mapped[datetime]
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    latency_ms: Mapped[float | None] = mapped_column(Float32)
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    outcome: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONObjectOrNull, default=dict)


class IncidentRow(Base):
    __tablename__ = "incidents"
    __table_args__ = (Index(None, "monitor_id", "opened_at"), Index(None, "resolved_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    cause: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    # Who resolved it by hand; none when the monitor's recovery resolved it.
    resolved_by: Mapped[str | None] = mapped_column(String(200))


class IncidentNoteRow(Base):
    __tablename__ = "incident_notes"
    __table_args__ = (Index(None, "incident_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class PingRow(Base):
    __tablename__ = "pings"
    __table_args__ = (Index(None, "monitor_id", "received_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    intake_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    received_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(10))
    exit_code: Mapped[int | None]
    body: Mapped[str] = mapped_column(Text, default="")
    body_truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    duration_s: Mapped[float | None] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(10))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]


class ChannelRow(Base):
    """A notification channel; ``config`` holds its secret fields encrypted."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    healthy: Mapped[bool] = mapped_column(Boolean, default=True)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class DeliveryRow(Base):
    """One message for one channel: the outbox row, and its delivery log."""

    __tablename__ = "deliveries"
    __table_args__ = (Index(None, "status", "next_attempt_at"), Index(None, "incident_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(30))
    message: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # Set on a delivery that went out inside another one's grouped message.
    grouped_into: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("deliveries.id", ondelete="SET NULL")
    )


class AlertPolicyRow(Base):
    """Alert defaults for every monitor carrying ``tag``."""

    __tablename__ = "alert_policies"

    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


class UserRow(Base):
    """A person who signs in to the dashboard; ``role`` applies to the single default project."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The last time step a code was accepted for, so that a code works only once.
    totp_last_step: Mapped[int | None]
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class UserSessionRow(Base):
    """A signed-in browser: the cookie holds a random token, the row its SHA-256 hash."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index(None, "expires_at"), Index(None, "user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # False between a correct password and the TOTP code of a user who enabled it.
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class LoginFailureRow(Base):
    """A wrong password or code, counted per address and per account to slow down guessing."""

    __tablename__ = "login_failures"
    __table_args__ = (Index(None, "address", "at"), Index(None, "username", "at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]


# The dashboard filters monitors by status and name and streams status changes since a time.
Index(None, MonitorRow.status)
Index(None, MonitorRow.name)
Index(None, MonitorRow.status_changed_at)


class StatusPageRow(Base):
    """A public status page, reached at /status/{slug} or through its own host name."""

    __tablename__ = "status_pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    custom_domain: Mapped[str | None] = mapped_column(String(253), unique=True)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StatusPageGroupRow(Base):
    """A heading on a status page; an empty name shows its components without one."""

    __tablename__ = "status_page_groups"
    __table_args__ = (Index(None, "status_page_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status_page_id: Mapped[int] = mapped_column(ForeignKey("status_pages.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int]


class StatusPageComponentRow(Base):
    """A monitor shown in a group, optionally under another name than its own."""

    __tablename__ = "status_page_components"
    __table_args__ = (Index(None, "group_id", "position"), Index(None, "monitor_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("status_page_groups.id", ondelete="CASCADE"))
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    display_name: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int]


class HourlyRollupRow(Base):
    """One monitor's checks in one hour (see services/rollup_job.py for how each is counted)."""

    __tablename__ = "rollups_hourly"

    monitor_id: Mapped[int] = mapped_column(
        ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(primary_key=True, index=True)
    checks: Mapped[int]
    failures: Mapped[int]
    degraded: Mapped[int]
    maintenance: Mapped[int]
    not_run: Mapped[int]
    downtime_seconds: Mapped[float] = mapped_column(Float)
    latency_p50: Mapped[float | None] = mapped_column(Float)
    latency_p95: Mapped[float | None] = mapped_column(Float)
    latency_p99: Mapped[float | None] = mapped_column(Float)
    latency_sketch: Mapped[bytes] = mapped_column(LargeBinary)


class DailyRollupRow(Base):
    """One monitor's checks in one UTC day, merged from its hourly rollups."""

    __tablename__ = "rollups_daily"

    monitor_id: Mapped[int] = mapped_column(
        ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    checks: Mapped[int]
    failures: Mapped[int]
    degraded: Mapped[int]
    maintenance: Mapped[int]
    not_run: Mapped[int]
    downtime_seconds: Mapped[float] = mapped_column(Float)
    latency_p50: Mapped[float | None] = mapped_column(Float)
    latency_p95: Mapped[float | None] = mapped_column(Float)
    latency_p99: Mapped[float | None] = mapped_column(Float)
    latency_sketch: Mapped[bytes] = mapped_column(LargeBinary)


class RollupStateRow(Base):
    """How far the rollup job got: every hour before ``hours_through`` and every day before
    ``days_through`` is rolled up."""

    __tablename__ = "rollup_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hours_through: Mapped[datetime | None]
    days_through: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime]


class LateResultHourRow(Base):
    """An hour of a monitor that got a result after the hour had ended, so its rollup may be
    stale; the write path adds these, the rollup job re-rolls and deletes them."""

    __tablename__ = "rollup_late_hours"

    monitor_id: Mapped[int] = mapped_column(
        ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(primary_key=True)


class MaintenanceWindowRow(Base):
    """A maintenance window; ``covers_until`` (NULL: recurs forever) finds the ones still in
    force with one indexed query."""

    __tablename__ = "maintenance_windows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    rrule: Mapped[str | None] = mapped_column(Text)
    cron: Mapped[str | None] = mapped_column(String(200))
    duration: Mapped[int | None]
    timezone: Mapped[str] = mapped_column(String(64))
    monitor_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    covers_until: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
