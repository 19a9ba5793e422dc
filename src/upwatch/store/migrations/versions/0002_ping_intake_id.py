"""pings carry the id they were given at intake, so a redelivered ping is stored once

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pings") as batch:
        batch.add_column(sa.Column("intake_id", sa.String(length=32), nullable=True))
        batch.create_unique_constraint(op.f("uq_pings_intake_id"), ["intake_id"])


def downgrade() -> None:
    with op.batch_alter_table("pings") as batch:
        batch.drop_constraint(op.f("uq_pings_intake_id"), type_="unique")
        batch.drop_column("intake_id")
