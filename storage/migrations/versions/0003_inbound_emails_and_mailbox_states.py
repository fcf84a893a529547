"""Inbound emails (each received once, raw kept, with what became of it) and mailbox state.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

Reviewed by hand after autogenerate:
- `inbound_emails.message_id` is unique: the Message-ID, or a content hash when a mail
  has none. It is what makes "every inbound email processed once" hold when two pollers
  race or a process dies between the database commit and the mailbox move;
- the raw message is kept in the row (`raw`, bytea/BLOB, at most 10 MB plus headers),
  so a quarantined or rejected mail can be read and released from the database alone;
- ix_inbound_emails_status_sender serves `intake quarantine list` and the per-sender
  lookups on release;
- `mailbox_states` keeps the Microsoft Graph deltaLink between polls;
- UTCDateTime columns are plain `DateTime(timezone=True)` here, as in 0001/0002.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mailbox_states",
        sa.Column("mailbox", sa.String(length=300), nullable=False),
        sa.Column("delta_link", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("mailbox", name=op.f("pk_mailbox_states")),
    )
    op.create_table(
        "inbound_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=1000), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("mailbox_ref", sa.String(length=500), nullable=True),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("cycle_id", sa.Integer(), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("raw_complete", sa.Boolean(), nullable=False),
        sa.Column("parsed", sa.JSON(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IS NULL OR kind IN ('report', 'auto_reply', 'bounce', 'unknown_sender')",
            name=op.f("ck_inbound_emails_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('processing', 'stored', 'closed', 'quarantined', 'ignored', 'rejected')",
            name=op.f("ck_inbound_emails_status"),
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_inbound_emails_cycle_id_cycles"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_inbound_emails_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_emails")),
        sa.UniqueConstraint("message_id", name=op.f("uq_inbound_emails_message_id")),
    )
    with op.batch_alter_table("inbound_emails", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_emails_status_sender", ["status", "sender"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbound_emails", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_emails_status_sender")
    op.drop_table("inbound_emails")
    op.drop_table("mailbox_states")
