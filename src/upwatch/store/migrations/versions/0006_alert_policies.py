"""alert policies: per-monitor settings, per-tag defaults, grouped deliveries

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monitors") as batch:
        batch.add_column(sa.Column("alert_settings", sa.JSON(), nullable=True))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column(
                "grouped_into",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch.create_foreign_key(
            op.f("fk_deliveries_grouped_into_deliveries"),
            "deliveries",
            ["grouped_into"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "alert_policies",
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("channel_ids", sa.JSON(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tag", name=op.f("pk_alert_policies")),
    )


def downgrade() -> None:
    op.drop_table("alert_policies")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(op.f("fk_deliveries_grouped_into_deliveries"), type_="foreignkey")
        batch.drop_column("grouped_into")
    with op.batch_alter_table("monitors") as batch:
        batch.drop_column("alert_settings")
