"""Places, frozen digests, the group's assessments and escalations to Brå.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

Reviewed by hand after autogenerate:
- `places` holds the municipality's place names, one row per name and organisation
  (unique), so `places import` twice changes nothing;
- `digests` are frozen: JSON, cards, chart series and item sources as built, with the
  template version; a rebuild adds a revision (unique per cycle), nothing is updated in
  place. The unique (cycle_id, revision) index also serves "the latest for a cycle";
- `assessments`: one per cycle and question (unique), replaced when set again;
- `escalations`: one per cycle and question (unique), so a red assessment set twice is
  escalated once; ix_escalations_state serves "what is still to be sent" (pending);
  `outbox_message_id` points at the card once enqueued and is nulled if that row goes;
- UTCDateTime columns are plain `DateTime(timezone=True)` here, as in 0001–0003.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_places_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
        sa.UniqueConstraint("organisation_id", "name", name=op.f("uq_places_organisation_id_name")),
    )
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("cards", sa.JSON(), nullable=False),
        sa.Column("series", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_digests_cycle_id_cycles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint("cycle_id", "revision", name=op.f("uq_digests_cycle_id_revision")),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=4), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("set_by_member_id", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level IN ('green', 'yellow', 'red')", name=op.f("ck_assessments_level")),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_assessments_cycle_id_cycles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["set_by_member_id"],
            ["members.id"],
            name=op.f("fk_assessments_set_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint("cycle_id", "question", name=op.f("uq_assessments_cycle_id_question")),
    )
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=4), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_by_member_id", sa.Integer(), nullable=True),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("level IN ('green', 'yellow', 'red')", name=op.f("ck_escalations_level")),
        sa.CheckConstraint("reason IN ('red', 'manual')", name=op.f("ck_escalations_reason")),
        sa.CheckConstraint("state IN ('pending', 'enqueued')", name=op.f("ck_escalations_state")),
        sa.ForeignKeyConstraint(
            ["created_by_member_id"],
            ["members.id"],
            name=op.f("fk_escalations_created_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_escalations_cycle_id_cycles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_escalations_outbox_message_id_outbox_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("cycle_id", "question", name=op.f("uq_escalations_cycle_id_question")),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index("ix_escalations_state", ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_escalations_state")
    op.drop_table("escalations")
    op.drop_table("assessments")
    op.drop_table("digests")
    op.drop_table("places")
