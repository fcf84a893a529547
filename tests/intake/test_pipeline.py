"""The inbound pipeline against the database (both backends): every mail once, to the right
cycle and question, with a receipt; the odd ones kept with their reason."""

from __future__ import annotations

import datetime as dt

import pytest

from intake.pipeline import ingest
from lagesbild.operations.reports import member_by_identity, report_context
from reporting.outbox import DeliveryState, MessageKind, NewMessage
from storage.database import Database
from storage.repositories import OutboxRepository
from storage.repositories.inbound import InboundRepository, InboundStatus
from tests.conftest import table_count
from tests.intake.conftest import fixture_mail
from tests.world import TZ, Municipality

pytestmark = pytest.mark.db

BO = "Bo Berg <bo@fagersta.se>"


async def answers_of(db: Database, email: str, cycle_id: int) -> dict[str, object]:
    member = await member_by_identity(db, aad_object_id=None, email=email)
    assert member is not None
    context = await report_context(db, member, cycle_id)
    assert context.submission is not None
    return context.submission.answers


async def receipts(db: Database) -> list[object]:
    async with db.session(readonly=True) as s:
        return [m for m in await OutboxRepository(s).list() if m.kind is MessageKind.RECEIPT]


async def test_outlook_reply_in_swedish_with_answers_above_the_quote(
    db: Database, municipality: Municipality
) -> None:
    cycle = municipality.cycle
    raw = fixture_mail("outlook_sv_above_quote", sender=BO, cycle_id=cycle.id)
    result = await ingest(db, raw, source="file", tz=TZ)
    assert (result.status, result.kind, result.cycle_id, result.receipt) == (
        "stored",
        "report",
        cycle.id,
        True,
    )
    answers = await answers_of(db, "bo@fagersta.se", cycle.id)
    assert answers["1"].observations.startswith("Buskörning med mopeder på skolgården")
    assert answers["1"].impact == 3 and answers["1"].comment == "Polisen är informerad."
    assert (
        answers["2"].nothing_to_report and answers["4"].nothing_to_report and answers["6"].nothing_to_report
    )
    assert (answers["3"].impact, answers["5"].impact) == (2, 1)
    assert answers["7"].comment == "Ny belysning vid gångtunneln är uppsatt och fungerar."
    [receipt] = await receipts(db)
    text = receipt.payload["text"]
    assert receipt.recipient == "bo@fagersta.se" and receipt.channel == "email"
    assert "Fråga 1 (Ordningsstörningar och otrygghet): Buskörning" in text and "Påverkan 3" in text
    assert "Fråga 2 (Hot och våld): Inget att rapportera." in text
    assert "det senaste svaret på varje fråga gäller" in text.lower()
    assert "Skriv inga uppgifter om enskilda personer." not in text  # no reply form in a receipt
    assert receipt.payload["headers"]["In-Reply-To"].startswith("<AM0PR07MB6132")
    assert f"[LB-{cycle.id}]" in receipt.payload["subject"]


async def test_iphone_reply_with_answers_typed_inside_the_quoted_questions(
    db: Database, municipality: Municipality
) -> None:
    cycle = municipality.cycle
    raw = fixture_mail("iphone_sv_inline_quoted", sender=BO, cycle_id=cycle.id)
    result = await ingest(db, raw, source="file", tz=TZ)
    assert result.status == "stored"
    answers = await answers_of(db, "bo@fagersta.se", cycle.id)
    assert set(answers) == {"1", "2", "6", "7"}
    assert answers["1"].observations == "Bilar som buskör på Ängelsbergsvägen nätterna mot lördag"
    assert answers["1"].impact == 3
    assert answers["2"].nothing_to_report
    assert answers["6"].observations == "Luciatåget på torget 13 dec, behövs vakter?"
    assert answers["7"].comment == "Ny fritidsledare på Bruksgården"


async def test_the_same_mail_twice_is_stored_once(db: Database, municipality: Municipality) -> None:
    raw = fixture_mail("outlook_sv_above_quote", sender=BO, cycle_id=municipality.cycle.id)
    first = await ingest(db, raw, source="imap", tz=TZ)
    second = await ingest(db, raw, source="graph", tz=TZ)
    assert (first.status, second.status) == ("stored", "duplicate") and second.done
    assert await table_count(db, "inbound_emails") == 1
    assert await table_count(db, "submission_revisions") == 1
    assert len(await receipts(db)) == 1


async def test_a_mail_without_token_goes_to_the_members_open_cycle(
    db: Database, municipality: Municipality
) -> None:
    raw = fixture_mail("plain_new_message_numbered", sender=BO, cycle_id=None)
    result = await ingest(db, raw, source="file", tz=TZ)
    assert (result.status, result.cycle_id) == ("stored", municipality.cycle.id)


async def test_auto_replies_and_bounces_are_kept_without_a_receipt(
    db: Database, municipality: Municipality
) -> None:
    for name in ("auto_reply_exchange_sv", "auto_reply_precedence_bulk", "read_receipt"):
        result = await ingest(
            db, fixture_mail(name, sender=BO, cycle_id=municipality.cycle.id), source="file"
        )
        assert (result.status, result.kind) == ("ignored", "auto_reply"), name
    for name in ("bounce_postfix_dsn", "bounce_exchange_ndr_sv"):
        result = await ingest(db, (fixture_mail(name, sender="MAILER-DAEMON@fagersta.se")), source="file")
        assert (result.status, result.kind) == ("ignored", "bounce"), name
    assert await receipts(db) == []
    assert await table_count(db, "inbound_emails") == 5
    assert await table_count(db, "submissions") == 0


async def test_a_bounce_marks_the_members_address_and_tells_the_coordinator(
    db: Database, municipality: Municipality
) -> None:
    now = dt.datetime.now(dt.UTC)
    raw = fixture_mail("bounce_postfix_dsn", sender="MAILER-DAEMON@mx.fagersta.se").replace(
        b"tidigare.anstalld@fagersta.se", b"bo@fagersta.se"
    )
    result = await ingest(db, raw, source="file", now=now, tz=TZ)
    assert (result.status, result.kind, result.receipt) == ("ignored", "bounce", False)
    assert "studsar: bo@fagersta.se" in result.reason
    bo = await member_by_identity(db, aad_object_id=None, email="bo@fagersta.se")
    assert bo is not None and bo.email_bounced_at is not None
    assert bo.email_bounce == "5.1.10 550 5.1.10 RESOLVER.ADR.RecipientNotFound"
    async with db.session(readonly=True) as s:
        [told] = [m for m in await OutboxRepository(s).list() if m.kind is MessageKind.QUARANTINE_NOTICE]
    assert told.recipient == "cecilia@fagersta.se"
    assert "Mejl från Lägesbild till Bo Berg (bo@fagersta.se) kommer inte fram: 5.1.10" in told.text

    def prompt(key: str) -> NewMessage:
        return NewMessage(kind=MessageKind.PROMPT, channel="email", recipient="bo@fagersta.se",
                          payload={"subject": "Lägesrapport", "text": "…"}, text="Lägesrapport", member_id=bo.id,
                          dedupe_key=key)  # fmt: skip

    async with db.session() as s:
        await OutboxRepository(s).enqueue([prompt("bounced-prompt")], now=now)
    async with db.session(readonly=True) as s:
        [held] = [m for m in await OutboxRepository(s).list() if m.kind is MessageKind.PROMPT]
    assert held.state is DeliveryState.DEAD and held.last_error == "e-postadressen studsar"

    again = fixture_mail("outlook_sv_above_quote", sender=BO, cycle_id=municipality.cycle.id)
    assert (await ingest(db, again, source="file", now=now, tz=TZ)).status == "stored"
    bo = await member_by_identity(db, aad_object_id=None, email="bo@fagersta.se")
    assert bo is not None and bo.email_bounced_at is None, "mail from the address clears the mark"
    async with db.session() as s:
        await OutboxRepository(s).enqueue([prompt("prompt-after")], now=now)
        prompts = [m for m in await OutboxRepository(s).list() if m.kind is MessageKind.PROMPT]
    assert [m.state for m in prompts] == [DeliveryState.DEAD, DeliveryState.PENDING]


async def test_unknown_sender_is_quarantined_and_the_coordinator_told_once_a_day(
    db: Database, municipality: Municipality
) -> None:
    now = dt.datetime.now(dt.UTC)
    for i in range(3):
        raw = fixture_mail("unknown_sender_private", sender="Okänd <okand@gmail.com>", message_id=f"<u{i}@x>")
        result = await ingest(db, raw, source="file", now=now + dt.timedelta(minutes=i), tz=TZ)
        assert (result.status, result.kind, result.receipt) == ("quarantined", "unknown_sender", False)
    async with db.session(readonly=True) as s:
        notices = [m for m in await OutboxRepository(s).list() if m.kind is MessageKind.QUARANTINE_NOTICE]
        quarantined = await InboundRepository(s).list(InboundStatus.QUARANTINED)
    assert [n.recipient for n in notices] == ["cecilia@fagersta.se"]
    assert (
        "okand@gmail.com" in notices[0].payload["text"] if "text" in notices[0].payload else notices[0].text
    )
    assert len(quarantined) == 3 and quarantined[0].reason == "okänd avsändare: okand@gmail.com"
    raw = fixture_mail("unknown_sender_private", sender="Okänd <okand@gmail.com>", message_id="<next-day@x>")
    await ingest(db, raw, source="file", now=now + dt.timedelta(days=1), tz=TZ)
    async with db.session(readonly=True) as s:
        notices = [m for m in await OutboxRepository(s).list() if m.kind is MessageKind.QUARANTINE_NOTICE]
    assert len(notices) == 2
