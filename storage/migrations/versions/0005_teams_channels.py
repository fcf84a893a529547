"""Teams channels linked to a group or to the municipality's Brå.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

Written by hand: one table, `teams_channels`, keyed by the channel's conversation id. A
channel is linked by a coordinator with "@Lägesbild koppla EST" or "koppla brå" in it; the
service URL and tenant of that message are what later channel posts use.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams_channels",
        sa.Column("channel_id", sa.String(length=500), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.String(length=300), nullable=True),
        sa.Column("service_url", sa.String(length=500), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("linked_by", sa.Integer(), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("purpose IN ('group', 'bra')", name=op.f("ck_teams_channels_purpose")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_teams_channels_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["reporting_groups.id"], name=op.f("fk_teams_channels_group_id_reporting_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["linked_by"], ["members.id"], name=op.f("fk_teams_channels_linked_by_members"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_teams_channels")),
    )  # fmt: skip
    op.create_index(
        "ix_teams_channels_organisation_id_purpose", "teams_channels", ["organisation_id", "purpose"]
    )


def downgrade() -> None:
    op.drop_index("ix_teams_channels_organisation_id_purpose", table_name="teams_channels")
    op.drop_table("teams_channels")
