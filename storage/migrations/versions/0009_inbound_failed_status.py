"""Inbound emails the intake failed on are kept with the status `failed`.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27

Written by hand: the status check constraint of `inbound_emails` admits `failed`, a mail
that could not be processed (an error in the intake, not in the mail's content) and is
kept raw with the error as its reason. SQLite rebuilds the table (batch mode); PostgreSQL
swaps the constraint. A downgrade files such mail as `rejected`.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("processing", "stored", "closed", "quarantined", "ignored", "rejected")
AFTER = (*BEFORE, "failed")


def _check(states: tuple[str, ...]) -> str:
    return "status IN ({})".format(", ".join(f"'{s}'" for s in states))


def upgrade() -> None:
    with op.batch_alter_table("inbound_emails") as batch:
        batch.drop_constraint(op.f("ck_inbound_emails_status"), type_="check")
        batch.create_check_constraint(op.f("ck_inbound_emails_status"), _check(AFTER))


def downgrade() -> None:
    op.execute("UPDATE inbound_emails SET status = 'rejected' WHERE status = 'failed'")
    with op.batch_alter_table("inbound_emails") as batch:
        batch.drop_constraint(op.f("ck_inbound_emails_status"), type_="check")
        batch.create_check_constraint(op.f("ck_inbound_emails_status"), _check(BEFORE))
