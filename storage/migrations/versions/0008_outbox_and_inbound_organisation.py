"""The municipality an outgoing message or an inbound email belongs to.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

Written by hand: a nullable `organisation_id` on `outbox_messages` and `inbound_emails`, so
`lagesbild outbox list` and `intake quarantine list|release` act within `--org`'s
municipality only. New rows get it when they are stored (an outgoing message from its
member, cycle or channel, or as given; an inbound email from its sender's membership, or
the municipality whose intake quarantined it). Existing rows are filled the same way from
what they point at; in a database with a single municipality every row left is that
municipality's. A row that still has none (another municipality's mail in a shared database
that cannot be told apart) is shown to no municipality.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("outbox_messages", "inbound_emails")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                f"fk_{table}_organisation_id_organisations", "organisations", ["organisation_id"], ["id"],
                ondelete="CASCADE",
            )  # fmt: skip
            batch.create_index(f"ix_{table}_organisation_id", ["organisation_id"])
    for table in TABLES:
        op.execute(
            f"UPDATE {table} SET organisation_id = (SELECT members.organisation_id FROM members "
            f"WHERE members.id = {table}.member_id) WHERE organisation_id IS NULL AND member_id IS NOT NULL"
        )
        op.execute(
            f"UPDATE {table} SET organisation_id = (SELECT reporting_groups.organisation_id FROM cycles "
            "JOIN reporting_groups ON reporting_groups.id = cycles.group_id "
            f"WHERE cycles.id = {table}.cycle_id) WHERE organisation_id IS NULL AND cycle_id IS NOT NULL"
        )
    op.execute(
        "UPDATE outbox_messages SET organisation_id = (SELECT teams_channels.organisation_id FROM teams_channels "
        "WHERE teams_channels.channel_id = outbox_messages.conversation_id) "
        "WHERE organisation_id IS NULL AND conversation_id IS NOT NULL"
    )
    # The county's monthly report (dedupe key county:<group id>:<month>) names its group only there.
    connection = op.get_bind()
    county = connection.execute(
        sa.text(
            "SELECT outbox_messages.id, reporting_groups.organisation_id FROM outbox_messages "
            "JOIN reporting_groups ON outbox_messages.dedupe_key LIKE 'county:' || reporting_groups.id || ':%' "
            "WHERE outbox_messages.organisation_id IS NULL"
        )
    ).all()
    for message_id, organisation_id in county:
        connection.execute(
            sa.text("UPDATE outbox_messages SET organisation_id = :org WHERE id = :id"),
            {"org": organisation_id, "id": message_id},
        )
    for table in TABLES:
        op.execute(
            f"UPDATE {table} SET organisation_id = (SELECT min(id) FROM organisations) "
            "WHERE organisation_id IS NULL AND (SELECT count(*) FROM organisations) = 1"
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_organisation_id")
            batch.drop_constraint(f"fk_{table}_organisation_id_organisations", type_="foreignkey")
            batch.drop_column("organisation_id")
