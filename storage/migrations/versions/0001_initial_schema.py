"""Initial schema: organisations, questionnaires, groups, members, cycles, submissions.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

Reviewed by hand after autogenerate:
- timestamps are `DateTime(timezone=True)`; `storage.types.UTCDateTime` stores naive UTC on
  SQLite and `timestamptz` on PostgreSQL, so no Python type is referenced here;
- the unique constraints are the product's duplicate guards (one submission per member
  and cycle, one answer per question, one member per email and organisation, one AAD
  object id, one cycle per group and period start); keep their names, the repositories'
  ON CONFLICT clauses rely on the columns;
- SQLite gets batch mode for indexes (render_as_batch in env.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("agency", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("aad_object_id", sa.String(length=64), nullable=True),
        sa.Column("away_until", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("channel IN ('teams', 'email')", name=op.f("ck_members_channel")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_members_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("aad_object_id", name=op.f("uq_members_aad_object_id")),
        sa.UniqueConstraint("organisation_id", "email", name=op.f("uq_members_organisation_id_email")),
    )
    op.create_table(
        "questionnaires",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("preset", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_questionnaires_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaires")),
        sa.UniqueConstraint(
            "organisation_id",
            "preset",
            "version",
            name=op.f("uq_questionnaires_organisation_id_preset_version"),
        ),
    )
    op.create_table(
        "member_roles",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "role IN ('reporter', 'coordinator', 'deputy', 'bra', 'admin')", name=op.f("ck_member_roles_role")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_member_roles_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("member_id", "role", name=op.f("pk_member_roles")),
    )
    op.create_table(
        "reporting_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("preset", sa.String(length=60), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("cadence_weeks", sa.Integer(), nullable=False),
        sa.Column("open_weekday", sa.Integer(), nullable=False),
        sa.Column("open_time", sa.Time(), nullable=False),
        sa.Column("deadline_weekday", sa.Integer(), nullable=False),
        sa.Column("deadline_time", sa.Time(), nullable=False),
        sa.Column("meeting_weekday", sa.Integer(), nullable=False),
        sa.Column("meeting_time", sa.Time(), nullable=False),
        sa.Column("reminder_hours", sa.String(length=60), nullable=False),
        sa.Column("first_meeting", sa.Date(), nullable=False),
        sa.Column("teams_channel_id", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("cadence_weeks BETWEEN 1 AND 8", name=op.f("ck_reporting_groups_cadence")),
        sa.CheckConstraint(
            "open_weekday BETWEEN 0 AND 6 AND deadline_weekday BETWEEN 0 AND 6 AND meeting_weekday BETWEEN 0 AND 6",
            name=op.f("ck_reporting_groups_weekdays"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_reporting_groups_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaires.id"],
            name=op.f("fk_reporting_groups_questionnaire_id_questionnaires"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_groups")),
        sa.UniqueConstraint("organisation_id", "name", name=op.f("uq_reporting_groups_organisation_id_name")),
    )
    op.create_table(
        "cycles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("meeting_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('planned', 'open', 'closed', 'digested')", name=op.f("ck_cycles_state")
        ),
        sa.CheckConstraint("opens_at < deadline AND deadline <= meeting_at", name=op.f("ck_cycles_order")),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["reporting_groups.id"],
            name=op.f("fk_cycles_group_id_reporting_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaires.id"],
            name=op.f("fk_cycles_questionnaire_id_questionnaires"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycles")),
        sa.UniqueConstraint("group_id", "period_from", name=op.f("uq_cycles_group_id_period_from")),
    )
    # The scheduler asks "which planned cycles are due" every minute.
    op.create_index("ix_cycles_state_opens_at", "cycles", ["state", "opens_at"], unique=False)

    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["reporting_groups.id"],
            name=op.f("fk_group_members_group_id_reporting_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_group_members_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", "member_id", name=op.f("pk_group_members")),
    )
    op.create_index("ix_group_members_member_id", "group_members", ["member_id"], unique=False)
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("channel IN ('teams', 'email')", name=op.f("ck_submissions_channel")),
        sa.CheckConstraint("state IN ('draft', 'submitted')", name=op.f("ck_submissions_state")),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_submissions_cycle_id_cycles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_submissions_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint("cycle_id", "member_id", name=op.f("uq_submissions_cycle_id_member_id")),
    )
    op.create_index("ix_submissions_member_id", "submissions", ["member_id"], unique=False)
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=4), nullable=False),
        sa.Column("observations", sa.Text(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("places_times", sa.Text(), nullable=False),
        sa.Column("nothing_to_report", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("impact IS NULL OR impact BETWEEN 1 AND 5", name=op.f("ck_answers_impact")),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_answers_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint("submission_id", "question", name=op.f("uq_answers_submission_id_question")),
    )
    op.create_table(
        "submission_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_submission_revisions_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_revisions")),
        sa.UniqueConstraint(
            "submission_id", "revision", name=op.f("uq_submission_revisions_submission_id_revision")
        ),
    )


def downgrade() -> None:
    op.drop_table("submission_revisions")
    op.drop_table("answers")
    op.drop_table("submissions")
    op.drop_table("group_members")
    op.drop_table("cycles")
    op.drop_table("reporting_groups")
    op.drop_table("member_roles")
    op.drop_table("questionnaires")
    op.drop_table("members")
    op.drop_table("organisations")
