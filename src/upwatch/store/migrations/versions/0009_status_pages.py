"""status pages, their groups and the monitors shown in them

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "status_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("custom_domain", sa.String(length=253), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_pages")),
        sa.UniqueConstraint("slug", name=op.f("uq_status_pages_slug")),
        sa.UniqueConstraint("custom_domain", name=op.f("uq_status_pages_custom_domain")),
    )
    op.create_table(
        "status_page_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status_page_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["status_page_id"],
            ["status_pages.id"],
            name=op.f("fk_status_page_groups_status_page_id_status_pages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_page_groups")),
    )
    op.create_index(
        op.f("ix_status_page_groups_status_page_id_position"),
        "status_page_groups",
        ["status_page_id", "position"],
    )
    op.create_table(
        "status_page_components",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["status_page_groups.id"],
            name=op.f("fk_status_page_components_group_id_status_page_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["monitors.id"],
            name=op.f("fk_status_page_components_monitor_id_monitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_page_components")),
    )
    op.create_index(
        op.f("ix_status_page_components_group_id_position"),
        "status_page_components",
        ["group_id", "position"],
    )
    op.create_index(
        op.f("ix_status_page_components_monitor_id"), "status_page_components", ["monitor_id"]
    )


def downgrade() -> None:
    op.drop_table("status_page_components")
    op.drop_table("status_page_groups")
    op.drop_table("status_pages")
