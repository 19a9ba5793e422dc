"""compact check_results: (monitor_id, scheduled_at) as the key, no id, narrow columns;
late results found through rollup_late_hours instead of result ids

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23

Every row is copied into a rebuilt table (on PostgreSQL, rebuilt partitioned by day with the
same partitions), so nothing is lost: ``latency_ms`` goes to ``real`` (7 significant digits),
``status_code`` to ``smallint``, an empty ``details`` object to NULL. The downgrade numbers the
rows again in time order.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from upwatch.store.partitions import SCHEMA, ensure_day_partitions, existing_days

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COPIED = "monitor_id, scheduled_at, started_at, outcome, latency_ms, status_code, error"
OLD_CONSTRAINTS = (
    "pk_check_results",
    "uq_check_results_monitor_id_scheduled_at",
    "fk_check_results_monitor_id_monitors",
)
NEW_CONSTRAINTS = ("pk_check_results", "fk_check_results_monitor_id_monitors")
FOREIGN_KEY = (
    "CONSTRAINT fk_check_results_monitor_id_monitors FOREIGN KEY (monitor_id) "
    "REFERENCES monitors (id) ON DELETE CASCADE"
)
# Widest first: nothing is padded, and the NULL bitmap of 8 columns fits the 23-byte header.
COMPACT_COLUMNS = """
    scheduled_at TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at TIMESTAMP WITH TIME ZONE NOT NULL,
    monitor_id INTEGER NOT NULL,
    latency_ms REAL,
    status_code SMALLINT,
    outcome VARCHAR(20) NOT NULL,
    error TEXT,
    details JSON,
    CONSTRAINT pk_check_results PRIMARY KEY (monitor_id, scheduled_at),
"""
WIDE_COLUMNS = """
    id BIGINT NOT NULL DEFAULT nextval('check_results_id_seq'::regclass),
    monitor_id INTEGER NOT NULL,
    scheduled_at TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at TIMESTAMP WITH TIME ZONE NOT NULL,
    outcome VARCHAR(20) NOT NULL,
    latency_ms FLOAT,
    status_code INTEGER,
    error TEXT,
    details JSON NOT NULL,
    CONSTRAINT uq_check_results_monitor_id_scheduled_at UNIQUE (monitor_id, scheduled_at),
"""
EMPTY_AS_NULL = "CASE WHEN CAST(details AS TEXT) IN ('{}', 'null') THEN NULL ELSE details END"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rebuild_partitioned(
            f"{COMPACT_COLUMNS} {FOREIGN_KEY}",
            OLD_CONSTRAINTS,
            f"{COPIED}, details",
            f"{COPIED}, {EMPTY_AS_NULL}",
        )
        op.execute("DROP SEQUENCE IF EXISTS check_results_id_seq")  # owned by the old id
    else:
        _rebuild_sqlite_compact()
    op.create_table(
        "rollup_late_hours",
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["monitors.id"],
            name=op.f("fk_rollup_late_hours_monitor_id_monitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("monitor_id", "hour", name=op.f("pk_rollup_late_hours")),
    )
    with op.batch_alter_table("rollup_state") as batch:
        batch.drop_column("id_floor")
        batch.drop_column("id_seen")


def downgrade() -> None:
    with op.batch_alter_table("rollup_state") as batch:
        batch.add_column(sa.Column("id_floor", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("id_seen", sa.BigInteger(), nullable=False, server_default="0"))
    # The ids restart, so the late-result scan starts over from them (at worst one extra re-roll).
    op.drop_table("rollup_late_hours")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE check_results_id_seq")
        _rebuild_partitioned(
            f"{WIDE_COLUMNS} CONSTRAINT pk_check_results PRIMARY KEY (id, scheduled_at), "
            f"{FOREIGN_KEY}",
            NEW_CONSTRAINTS,
            f"id, {COPIED}, details",
            f"nextval('check_results_id_seq'), {COPIED}, coalesce(details, '{{}}')",
            order_by="ORDER BY scheduled_at, monitor_id",
        )
        op.execute("ALTER SEQUENCE check_results_id_seq OWNED BY check_results.id")
    else:
        _rebuild_sqlite_wide()


def _rebuild_partitioned(
    definition: str,
    constraints: Sequence[str],
    columns: str,
    values: str,
    order_by: str = "",
) -> None:
    """Rebuild the partitioned table with ``definition`` and copy every row across, keeping
    its day partitions; the old partitions go with the old table."""
    connection = op.get_bind()
    days = existing_days(connection)
    op.execute("ALTER TABLE check_results RENAME TO check_results_old")
    for name in constraints:
        op.execute(f"ALTER TABLE check_results_old RENAME CONSTRAINT {name} TO {name}_old")
    op.execute("ALTER INDEX ix_check_results_scheduled_at RENAME TO ix_check_results_scheduled_old")
    op.execute(f"ALTER SCHEMA {SCHEMA} RENAME TO {SCHEMA}_old")
    op.execute(f"CREATE TABLE check_results ({definition}) PARTITION BY RANGE (scheduled_at)")
    op.execute(
        "CREATE INDEX ix_check_results_scheduled_at ON check_results USING brin (scheduled_at)"
    )
    op.execute(f"CREATE SCHEMA {SCHEMA}")
    op.execute(f"CREATE TABLE {SCHEMA}.overflow PARTITION OF check_results DEFAULT")
    ensure_day_partitions(connection, days)
    op.execute(
        f"INSERT INTO check_results ({columns}) "  # noqa: S608
        f"SELECT {values} FROM check_results_old {order_by}"
    )
    op.execute("DROP TABLE check_results_old CASCADE")
    op.execute(f"DROP SCHEMA {SCHEMA}_old CASCADE")


def _rebuild_sqlite_compact() -> None:
    op.execute("ALTER TABLE check_results RENAME TO check_results_old")
    op.execute("DROP INDEX ix_check_results_scheduled_at")
    op.execute(f"CREATE TABLE check_results ({COMPACT_COLUMNS} {FOREIGN_KEY})")
    op.execute(
        f"INSERT INTO check_results ({COPIED}, details) "  # noqa: S608
        f"SELECT {COPIED}, {EMPTY_AS_NULL} FROM check_results_old"
    )
    op.execute("DROP TABLE check_results_old")
    op.create_index(op.f("ix_check_results_scheduled_at"), "check_results", ["scheduled_at"])


def _rebuild_sqlite_wide() -> None:
    op.execute("ALTER TABLE check_results RENAME TO check_results_new")
    op.execute("DROP INDEX ix_check_results_scheduled_at")
    sequenced_id = "id BIGINT NOT NULL DEFAULT nextval('check_results_id_seq'::regclass)"
    wide = WIDE_COLUMNS.replace(sequenced_id, "id INTEGER NOT NULL")
    op.execute(
        f"CREATE TABLE check_results ({wide} CONSTRAINT pk_check_results PRIMARY KEY (id), "
        f"{FOREIGN_KEY})"
    )
    op.execute(
        f"INSERT INTO check_results ({COPIED}, details) "  # noqa: S608
        f"SELECT {COPIED}, coalesce(details, '{{}}') FROM check_results_new "
        "ORDER BY scheduled_at, monitor_id"
    )
    op.execute("DROP TABLE check_results_new")
    op.create_index(op.f("ix_check_results_scheduled_at"), "check_results", ["scheduled_at"])
