"""Brå's decisions (with their history and the answers they rest on), priorities and
citizen promises (items, follow-ups).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

Reviewed by hand after autogenerate:
- `decisions`: one row per Brå decision, of a municipality (CASCADE with it); kind and
  status are checked lists; an owner is a member or an agency, never both
  (ck_decisions_one_owner); cycle, escalation and members are SET NULL when removed, so a
  decision outlives what it was linked to. ix_decisions_organisation_id_status serves the
  open/overdue lists (digest, agenda, reminders); ix_decisions_cycle_id_question "what did
  Brå decide on this question";
- `decision_notes`: the dated status history, appended only;
- `decision_answers`: the answers a decision rests on (PK decision + answer, so an answer
  is linked once), with the reporter's member id for the feedback fan-out and "led to"
  look-ups (ix_decision_answers_member_id);
- `priorities`: current until `ends_on` unless `cleared_at`; the index serves "current
  for the municipality";
- `promises` unique per municipality, title and start (the same file twice is refused);
  `promise_items` unique per promise and number; `promise_follow_ups` unique per item,
  month and indicator (written again, replaced);
- UTCDateTime columns are plain `DateTime(timezone=True)` here, as in 0001–0005.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "priorities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("questions", sa.String(length=40), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_by_member_id", sa.Integer(), nullable=True),
        sa.Column("created_by_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_member_id"],
            ["members.id"],
            name=op.f("fk_priorities_created_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_priorities_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_priorities")),
    )
    with op.batch_alter_table("priorities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_priorities_organisation_id_ends_on", ["organisation_id", "ends_on"], unique=False
        )

    op.create_table(
        "promises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("background", sa.Text(), nullable=False),
        sa.Column("validity", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.Date(), nullable=True),
        sa.Column("signed_place", sa.String(length=100), nullable=False),
        sa.Column("signatories", sa.JSON(), nullable=False),
        sa.Column("created_by_member_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("period_from <= period_to", name=op.f("ck_promises_period")),
        sa.ForeignKeyConstraint(
            ["created_by_member_id"],
            ["members.id"],
            name=op.f("fk_promises_created_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_promises_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promises")),
        sa.UniqueConstraint(
            "organisation_id",
            "title",
            "period_from",
            name=op.f("uq_promises_organisation_id_title_period_from"),
        ),
    )
    op.create_table(
        "promise_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("promise_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("heading", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(length=10), nullable=False),
        sa.Column("questions", sa.String(length=40), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "responsible IN ('polis', 'kommun', 'bada')", name=op.f("ck_promise_items_responsible")
        ),
        sa.ForeignKeyConstraint(
            ["promise_id"],
            ["promises.id"],
            name=op.f("fk_promise_items_promise_id_promises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promise_items")),
        sa.UniqueConstraint("promise_id", "number", name=op.f("uq_promise_items_promise_id_number")),
    )
    op.create_table(
        "promise_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("indicator", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("by_member_id", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_member_id"],
            ["members.id"],
            name=op.f("fk_promise_follow_ups_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["promise_items.id"],
            name=op.f("fk_promise_follow_ups_item_id_promise_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promise_follow_ups")),
        sa.UniqueConstraint(
            "item_id", "month", "indicator", name=op.f("uq_promise_follow_ups_item_id_month_indicator")
        ),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("meeting_date", sa.Date(), nullable=False),
        sa.Column("decided_by_member_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_name", sa.String(length=200), nullable=False),
        sa.Column("owner_member_id", sa.Integer(), nullable=True),
        sa.Column("owner_agency", sa.String(length=100), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.String(length=4), nullable=True),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('atgard', 'orsaksanalys', 'information')", name=op.f("ck_decisions_kind")
        ),
        sa.CheckConstraint(
            "status IN ('beslutad', 'pagar', 'klar', 'avbruten')", name=op.f("ck_decisions_status")
        ),
        sa.CheckConstraint(
            "owner_member_id IS NULL OR owner_agency IS NULL", name=op.f("ck_decisions_one_owner")
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_decisions_cycle_id_cycles"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_member_id"],
            ["members.id"],
            name=op.f("fk_decisions_decided_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_decisions_escalation_id_escalations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_decisions_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_member_id"],
            ["members.id"],
            name=op.f("fk_decisions_owner_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index("ix_decisions_cycle_id_question", ["cycle_id", "question"], unique=False)
        batch_op.create_index(
            "ix_decisions_organisation_id_status", ["organisation_id", "status"], unique=False
        )

    op.create_table(
        "decision_answers",
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["answers.id"],
            name=op.f("fk_decision_answers_answer_id_answers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_answers_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_decision_answers_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("decision_id", "answer_id", name=op.f("pk_decision_answers")),
    )
    with op.batch_alter_table("decision_answers", schema=None) as batch_op:
        batch_op.create_index("ix_decision_answers_member_id", ["member_id"], unique=False)

    op.create_table(
        "decision_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("by_member_id", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('beslutad', 'pagar', 'klar', 'avbruten')", name=op.f("ck_decision_notes_status")
        ),
        sa.ForeignKeyConstraint(
            ["by_member_id"],
            ["members.id"],
            name=op.f("fk_decision_notes_by_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_notes_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_notes")),
    )
    with op.batch_alter_table("decision_notes", schema=None) as batch_op:
        batch_op.create_index("ix_decision_notes_decision_id", ["decision_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("decision_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_decision_notes_decision_id")

    op.drop_table("decision_notes")
    with op.batch_alter_table("decision_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_decision_answers_member_id")

    op.drop_table("decision_answers")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_organisation_id_status")
        batch_op.drop_index("ix_decisions_cycle_id_question")

    op.drop_table("decisions")
    op.drop_table("promise_follow_ups")
    op.drop_table("promise_items")
    op.drop_table("promises")
    with op.batch_alter_table("priorities", schema=None) as batch_op:
        batch_op.drop_index("ix_priorities_organisation_id_ends_on")

    op.drop_table("priorities")
