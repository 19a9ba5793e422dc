"""maintenance windows, monitor dependencies, incidents that stay open through maintenance

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monitors") as batch:
        batch.add_column(
            sa.Column("depends_on", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch.add_column(
            sa.Column("incident_open", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Until now a monitor had an open incident exactly while it was down.
    op.execute("UPDATE monitors SET incident_open = (status = 'down')")
    if op.get_bind().dialect.name == "postgresql":
        # "maintenance" is longer than the old VARCHAR(10); SQLite does not enforce lengths,
        # and rebuilding a large results table there for nothing would be slow.
        op.alter_column(
            "check_results",
            "outcome",
            type_=sa.String(length=20),
            existing_type=sa.String(length=10),
            existing_nullable=False,
        )
    op.create_table(
        "maintenance_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rrule", sa.Text(), nullable=True),
        sa.Column("cron", sa.String(length=200), nullable=True),
        sa.Column("duration", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("monitor_ids", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("covers_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_windows")),
    )
    op.create_index(
        op.f("ix_maintenance_windows_covers_until"), "maintenance_windows", ["covers_until"]
    )


def downgrade() -> None:
    op.drop_table("maintenance_windows")
    if op.get_bind().dialect.name == "postgresql":
        # The old schema knows no maintenance; such checks count as not run, outside uptime.
        op.execute("UPDATE check_results SET outcome = 'not_run' WHERE outcome = 'maintenance'")
        op.alter_column(
            "check_results",
            "outcome",
            type_=sa.String(length=10),
            existing_type=sa.String(length=20),
            existing_nullable=False,
        )
    with op.batch_alter_table("monitors") as batch:
        batch.drop_column("incident_open")
        batch.drop_column("depends_on")
