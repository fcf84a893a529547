"""A member's email address that bounces.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26

Written by hand: two nullable columns on `members`. `email_bounced_at` is set when a delivery
status notification reports a permanent failure for the member's address, `email_bounce`
keeps the status and the receiving server's words; both are cleared when mail from the
address arrives again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("email_bounced_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("email_bounce", sa.String(length=400), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("email_bounce")
        batch.drop_column("email_bounced_at")
