"""hourly and daily rollups; check_results partitioned by day on PostgreSQL

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from upwatch.store.partitions import SCHEMA, days_ahead, ensure_day_partitions

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTITIONS_AHEAD = 7
OLDEST_PARTITION_DAYS = 400  # older rows go to the default partition and are pruned from there
RESULT_COLUMNS = (
    "id, monitor_id, scheduled_at, started_at, outcome, latency_ms, status_code, error, details"
)
CONSTRAINTS = (
    "pk_check_results",
    "uq_check_results_monitor_id_scheduled_at",
    "fk_check_results_monitor_id_monitors",
)


def _rollup_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("degraded", sa.Integer(), nullable=False),
        sa.Column("maintenance", sa.Integer(), nullable=False),
        sa.Column("not_run", sa.Integer(), nullable=False),
        sa.Column("downtime_seconds", sa.Float(), nullable=False),
        sa.Column("latency_p50", sa.Float(), nullable=True),
        sa.Column("latency_p95", sa.Float(), nullable=True),
        sa.Column("latency_p99", sa.Float(), nullable=True),
        sa.Column("latency_sketch", sa.LargeBinary(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "rollups_hourly",
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        *_rollup_columns(),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["monitors.id"],
            name=op.f("fk_rollups_hourly_monitor_id_monitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("monitor_id", "hour", name=op.f("pk_rollups_hourly")),
    )
    op.create_index(op.f("ix_rollups_hourly_hour"), "rollups_hourly", ["hour"])
    op.create_table(
        "rollups_daily",
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *_rollup_columns(),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["monitors.id"],
            name=op.f("fk_rollups_daily_monitor_id_monitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("monitor_id", "day", name=op.f("pk_rollups_daily")),
    )
    op.create_table(
        "rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hours_through", sa.DateTime(timezone=True), nullable=True),
        sa.Column("days_through", sa.Date(), nullable=True),
        sa.Column("id_floor", sa.BigInteger(), nullable=False),
        sa.Column("id_seen", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_state")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _partition_check_results()
    else:
        op.create_index(op.f("ix_check_results_scheduled_at"), "check_results", ["scheduled_at"])


def _partition_check_results() -> None:
    """Rebuild ``check_results`` as a table partitioned by day, keeping rows, ids and keys."""
    op.execute("ALTER TABLE check_results RENAME TO check_results_unpartitioned")
    for name in CONSTRAINTS:
        op.execute(
            f"ALTER TABLE check_results_unpartitioned RENAME CONSTRAINT {name} TO {name}_old"
        )
    op.execute(
        """
        CREATE TABLE check_results (
            id BIGINT NOT NULL DEFAULT nextval('check_results_id_seq'::regclass),
            monitor_id INTEGER NOT NULL,
            scheduled_at TIMESTAMP WITH TIME ZONE NOT NULL,
            started_at TIMESTAMP WITH TIME ZONE NOT NULL,
            outcome VARCHAR(20) NOT NULL,
            latency_ms FLOAT,
            status_code INTEGER,
            error TEXT,
            details JSON NOT NULL,
            CONSTRAINT pk_check_results PRIMARY KEY (id, scheduled_at),
            CONSTRAINT uq_check_results_monitor_id_scheduled_at UNIQUE (monitor_id, scheduled_at),
            CONSTRAINT fk_check_results_monitor_id_monitors FOREIGN KEY (monitor_id)
                REFERENCES monitors (id) ON DELETE CASCADE
        ) PARTITION BY RANGE (scheduled_at)
        """
    )
    op.execute(
        "CREATE INDEX ix_check_results_scheduled_at ON check_results USING brin (scheduled_at)"
    )
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    op.execute(f"CREATE TABLE {SCHEMA}.overflow PARTITION OF check_results DEFAULT")
    connection = op.get_bind()
    today = datetime.now(UTC).date()
    oldest = connection.scalar(sa.text("SELECT min(scheduled_at) FROM check_results_unpartitioned"))
    first = today
    if oldest is not None:
        first = max(oldest.astimezone(UTC).date(), today - timedelta(days=OLDEST_PARTITION_DAYS))
    span = (today - first).days if first < today else 0
    ensure_day_partitions(connection, days_ahead(first, span + PARTITIONS_AHEAD))
    op.execute(
        f"INSERT INTO check_results ({RESULT_COLUMNS}) "  # noqa: S608
        f"SELECT {RESULT_COLUMNS} FROM check_results_unpartitioned"
    )
    op.execute("ALTER SEQUENCE check_results_id_seq OWNED BY check_results.id")
    op.execute("DROP TABLE check_results_unpartitioned")


def _unpartition_check_results() -> None:
    op.execute("ALTER TABLE check_results RENAME TO check_results_partitioned")
    for name in CONSTRAINTS:
        op.execute(f"ALTER TABLE check_results_partitioned RENAME CONSTRAINT {name} TO {name}_old")
    op.execute("ALTER INDEX ix_check_results_scheduled_at RENAME TO ix_check_results_scheduled_old")
    op.execute(
        """
        CREATE TABLE check_results (
            id BIGINT NOT NULL DEFAULT nextval('check_results_id_seq'::regclass),
            monitor_id INTEGER NOT NULL,
            scheduled_at TIMESTAMP WITH TIME ZONE NOT NULL,
            started_at TIMESTAMP WITH TIME ZONE NOT NULL,
            outcome VARCHAR(20) NOT NULL,
            latency_ms FLOAT,
            status_code INTEGER,
            error TEXT,
            details JSON NOT NULL,
            CONSTRAINT pk_check_results PRIMARY KEY (id),
            CONSTRAINT uq_check_results_monitor_id_scheduled_at UNIQUE (monitor_id, scheduled_at),
            CONSTRAINT fk_check_results_monitor_id_monitors FOREIGN KEY (monitor_id)
                REFERENCES monitors (id) ON DELETE CASCADE
        )
        """
    )
    op.execute(
        f"INSERT INTO check_results ({RESULT_COLUMNS}) "  # noqa: S608
        f"SELECT {RESULT_COLUMNS} FROM check_results_partitioned"
    )
    op.execute("ALTER SEQUENCE check_results_id_seq OWNED BY check_results.id")
    op.execute("DROP TABLE check_results_partitioned CASCADE")
    op.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _unpartition_check_results()
    else:
        op.drop_index(op.f("ix_check_results_scheduled_at"), "check_results")
    op.drop_table("rollup_state")
    op.drop_table("rollups_daily")
    op.drop_index(op.f("ix_rollups_hourly_hour"), "rollups_hourly")
    op.drop_table("rollups_hourly")
