"""Which municipality an outgoing message and an inbound email belong to, on both backends:
set when they are stored, filled in for rows stored before (migration 0008), and what the
organisation-filtered listings return."""

from __future__ import annotations

import asyncio
import datetime as dt

from alembic import command
from sqlalchemy import text

from reporting.outbox import MessageKind, NewMessage
from storage.database import Database
from storage.migrate import alembic_config, upgrade
from storage.repositories import MemberRepository, OrganisationRepository, OutboxRepository
from storage.repositories.inbound import InboundRepository, InboundStatus
from storage.repositories.teams import LinkedChannel, TeamsRepository
from tests.storage.conftest import World, member_input

NOW = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=5)


def message(key: str, **fields: object) -> NewMessage:
    """A message whose text and dedupe key are `key`."""
    return NewMessage(kind=MessageKind.SUMMARY, channel="email", recipient="x@example.org", payload={},
                      text=key, dedupe_key=key, **fields)  # type: ignore[arg-type]  # fmt: skip


async def _second_municipality(db: Database) -> tuple[int, int]:
    async with db.session() as s:
        org = await OrganisationRepository(s).ensure("Ludvika kommun")
        result = await MemberRepository(s).upsert(org.id, [member_input(9, email="karin@ludvika.se")])
    return org.id, result.member_ids[0]


async def _claim(db: Database, message_id: str, sender: str, organisation: str | None) -> int:
    async with db.session() as s:
        claim = await InboundRepository(s).claim(
            message_id=message_id, source="file", raw=b"x", raw_complete=True, sender=sender, subject="Hej",
            size=1, received_at=NOW, now=NOW, lease=LEASE, organisation=organisation,
        )  # fmt: skip
    return claim.record.id


async def test_each_message_gets_its_member_cycle_or_channel_municipality(db: Database, world: World) -> None:
    fagersta = world.group.organisation_id
    ludvika, karin = await _second_municipality(db)
    async with db.session() as s:
        await TeamsRepository(s).link_channel(
            LinkedChannel("19:bra@thread.tacv2", ludvika, "bra", None, "https://smba.example/", "t"), team_id=None,
            by=None, now=NOW,
        )  # fmt: skip
        added = await OutboxRepository(s).enqueue([
            message("member", member_id=world.members[0].id),
            message("cycle", cycle_id=world.cycles[0].id),
            message("channel", conversation_id="19:bra@thread.tacv2"),
            message("given", organisation_id=ludvika),
            message("member wins over cycle", member_id=karin, cycle_id=world.cycles[0].id),
            message("nothing tells"),
        ], now=NOW)  # fmt: skip
    assert added == 6
    async with db.session(readonly=True) as s:
        repo = OutboxRepository(s)
        ours = [m.text for m in await repo.list(organisation_id=fagersta)]
        theirs = [m.text for m in await repo.list(organisation_id=ludvika)]
        everyone = [m.text for m in await repo.list()]
    assert ours == ["member", "cycle"]
    assert theirs == ["channel", "given", "member wins over cycle"]
    assert len(everyone) == 6, "without a municipality (the dispatcher) every message"


async def test_an_inbound_email_is_its_senders_municipality_or_the_intakes(db: Database, world: World) -> None:
    fagersta = world.group.organisation_id
    ludvika, karin = await _second_municipality(db)
    unknown = await _claim(db, "<a@x>", "okand@example.org", "Fagersta kommun")
    report = await _claim(db, "<b@x>", "karin@ludvika.se", "Fagersta kommun")
    nowhere = await _claim(db, "<c@x>", "okand@example.org", "Ingen sådan kommun")
    async with db.session() as s:
        repo = InboundRepository(s)
        await repo.finish(unknown, status=InboundStatus.QUARANTINED, now=NOW)
        await repo.finish(report, status=InboundStatus.STORED, now=NOW, member_id=karin)
        await repo.finish(nowhere, status=InboundStatus.QUARANTINED, now=NOW)
    async with db.session(readonly=True) as s:
        repo = InboundRepository(s)
        assert [r.id for r in await repo.list(organisation_id=fagersta)] == [unknown]
        assert [r.id for r in await repo.list(organisation_id=ludvika)] == [report], "the sender's, not the intake's"
        assert (await repo.get(nowhere)).organisation_id is None
        assert [r.id for r in await repo.list(InboundStatus.QUARANTINED, organisation_id=fagersta)] == [unknown]


def test_migration_0008_fills_in_the_municipality_of_earlier_rows(database_url: str, world: World) -> None:
    """The rows are stored with 0008's code, the columns dropped (downgrade to 0007) and
    filled in again by the upgrade, from what each row points at."""

    def run(work):  # type: ignore[no-untyped-def]
        async def with_db():  # type: ignore[no-untyped-def]
            db = Database(database_url)
            try:
                return await work(db)
            finally:
                await db.dispose()

        return asyncio.run(with_db())

    async def seed(db: Database) -> dict[str, int]:
        ludvika, karin = await _second_municipality(db)
        async with db.session() as s:
            await OutboxRepository(s).enqueue([
                message("member", member_id=karin),
                message("cycle", cycle_id=world.cycles[0].id),
                message(f"county:{world.group.id}:2026-10"),
                message("nothing tells"),
            ], now=NOW)  # fmt: skip
        quarantined = await _claim(db, "<q@x>", "okand@example.org", "Fagersta kommun")
        stored = await _claim(db, "<s@x>", "karin@ludvika.se", None)
        async with db.session() as s:
            await InboundRepository(s).finish(stored, status=InboundStatus.STORED, now=NOW, member_id=karin)
        return {"ludvika": ludvika, "quarantined": quarantined, "stored": stored}

    def organisations(table: str, column: str) -> dict[object, int | None]:
        async def read(db: Database) -> dict[object, int | None]:
            async with db.session(readonly=True) as s:
                rows = await s.execute(text(f"SELECT {column}, organisation_id FROM {table} ORDER BY id"))
                return {key: org for key, org in rows.all()}

        return run(read)  # type: ignore[no-any-return]

    async def drop_ludvika(db: Database) -> None:
        async with db.session() as s:
            await s.execute(text("DELETE FROM organisations WHERE name = 'Ludvika kommun'"))

    def again() -> None:
        command.downgrade(alembic_config(database_url), "0007")  # as a database before 0008 held them
        upgrade(database_url)

    fagersta = world.group.organisation_id
    ids = run(seed)
    again()
    assert organisations("outbox_messages", "text") == {
        "member": ids["ludvika"], "cycle": fagersta, f"county:{world.group.id}:2026-10": fagersta,
        "nothing tells": None,
    }  # fmt: skip
    assert organisations("inbound_emails", "id") == {
        ids["quarantined"]: None,  # two municipalities: whose intake it was cannot be told any more
        ids["stored"]: ids["ludvika"],
    }
    run(drop_ludvika)
    again()
    assert organisations("inbound_emails", "id") == {ids["quarantined"]: fagersta}, "one municipality: all its"
    assert set(organisations("outbox_messages", "text").values()) == {fagersta}
