"""Email reports meeting the rest of the product: the prompt a reply answers, Teams answers of
the same reporter, closed periods, quarantine release, odd mail. Both database backends."""

from __future__ import annotations

import datetime as dt
from email.utils import make_msgid

import pytest

from adaptive_cards.report import VERB_SUBMIT
from intake.pipeline import ingest, release
from intake.prompts import EmailPromptRenderer
from lagesbild.operations.cycle_messages import enqueue_prompts
from lagesbild.operations.cycles import close_cycle
from lagesbild.operations.errors import InputError
from lagesbild.operations.members import import_members
from lagesbild.operations.reports import member_by_identity, report_context, save_report
from reporting.model import Answer, Channel, SubmissionState
from reporting.outbox import MessageKind
from storage.database import Database
from storage.repositories import OutboxRepository, SubmissionRepository
from storage.repositories.inbound import InboundRepository, InboundStatus
from tests.conftest import table_count
from tests.intake.conftest import fixture_mail
from tests.world import TZ, Municipality, TeamsUser

pytestmark = pytest.mark.db

FROM = "lagesbild@fagersta.se"


def reply_to(prompt: dict[str, str], *, sender: str, above: str, subject: str | None = None) -> bytes:
    """A plain-text reply the way Outlook writes it: answers above, the prompt quoted below."""
    quoted = prompt["text"]
    name = sender.split("<")[0].strip()
    body = (
        f"{above}\n\nMed vänlig hälsning\n{name}\n\n"
        f"Från: Lägesbild <{FROM}>\nSkickat: den 24 november 2026 08:00\nTill: {sender}\n"
        f"Ämne: {prompt['subject']}\n\n{quoted}"
    )
    headers = (
        f"From: {sender}\r\nTo: Lägesbild <{FROM}>\r\nSubject: {subject if subject is not None else 'SV: ' + prompt['subject']}\r\n"
        f"Message-ID: {make_msgid(domain='fagersta.se')}\r\nIn-Reply-To: {prompt['message_id']}\r\n"
        f"References: {prompt['message_id']}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return headers.encode("utf-8") + body.replace("\n", "\r\n").encode("utf-8")


async def email_prompt(db: Database, municipality: Municipality, email: str) -> dict[str, str]:
    renderer = EmailPromptRenderer(TZ, FROM)
    await enqueue_prompts(db, municipality.cycle, renderers={Channel.EMAIL: renderer}, tz=TZ)
    async with db.session(readonly=True) as s:
        [prompt] = [
            m
            for m in await OutboxRepository(s).list()
            if m.kind is MessageKind.PROMPT and m.recipient == email
        ]
    return prompt.payload


async def test_reporter_answers_question_1_in_teams_and_2_to_7_by_email(
    db: Database, municipality: Municipality, anna: TeamsUser
) -> None:
    cycle = municipality.cycle
    await anna.press(VERB_SUBMIT, {"cycle": cycle.id, "q1_observations": "Klotter vid Brunnsparken",
                                   "q1_impact": "3", "q1_comment": "Fredagskvällar"})  # fmt: skip
    renderer = EmailPromptRenderer(TZ, FROM)
    member = await member_by_identity(db, aad_object_id=None, email="anna@fagersta.se")
    assert member is not None
    context = await report_context(db, member, cycle.id)
    prompt = renderer(
        member=member, group=municipality.group, cycle=cycle, questionnaire=context.questionnaire
    ).payload
    above = (
        "2. Svar: Hot mot personal på fritidsgården\nPåverkan: 4\n\n3. Svar: inget\n\n4. Svar: inget\n\n"
        "5. Svar: Lustgaspatroner i Brunnsparken\nPåverkan (1–5): 2\n\n6. Svar: inget\n\n"
        "7. Kommentar: Nattvandrarna var ute i helgen"
    )
    result = await ingest(
        db, reply_to(prompt, sender="Anna Andersson <anna@fagersta.se>", above=above), source="file", tz=TZ
    )
    assert (result.status, result.cycle_id) == ("stored", cycle.id)
    async with db.session(readonly=True) as s:
        [submission] = await SubmissionRepository(s).for_cycle(cycle.id)
        revisions = await SubmissionRepository(s).revisions(submission.id)
    assert submission.state is SubmissionState.SUBMITTED and submission.member_id == member.id
    assert sorted(submission.answers) == ["1", "2", "3", "4", "5", "6", "7"]
    a = submission.answers
    assert (a["1"].observations, a["1"].impact, a["1"].comment) == (
        "Klotter vid Brunnsparken",
        3,
        "Fredagskvällar",
    )
    assert (a["2"].observations, a["2"].impact) == ("Hot mot personal på fritidsgården", 4)
    assert a["3"].nothing_to_report and a["4"].nothing_to_report and a["6"].nothing_to_report
    assert (a["5"].observations, a["5"].impact) == ("Lustgaspatroner i Brunnsparken", 2)
    assert a["7"].comment == "Nattvandrarna var ute i helgen"
    assert [r["channel"] for r in revisions] == ["teams", "email"]
    [receipt] = [m for m in await _outbox(db) if m.kind is MessageKind.RECEIPT]
    assert "Din rapport har nu svar på 7 av 7 frågor." in receipt.payload["text"]


async def _outbox(db: Database) -> list[object]:
    async with db.session(readonly=True) as s:
        return list(await OutboxRepository(s).list())


async def test_a_reply_maps_to_its_cycle_by_in_reply_to_when_the_subject_lost_the_token(
    db: Database, municipality: Municipality
) -> None:
    prompt = await email_prompt(db, municipality, "bo@fagersta.se")
    assert f"[LB-{municipality.cycle.id}]" in prompt["subject"]
    raw = reply_to(
        prompt,
        sender="Bo Berg <bo@fagersta.se>",
        subject="Svar",
        above="2. Svar: Hot vid stationen\nPåverkan: 2",
    )
    raw = raw.replace(f"[LB-{municipality.cycle.id}]".encode(), b"")  # no token anywhere
    result = await ingest(db, raw, source="file", tz=TZ)
    assert (result.status, result.cycle_id) == ("stored", municipality.cycle.id)


async def test_after_the_deadline_the_sender_is_told_and_nothing_is_stored(
    db: Database, municipality: Municipality
) -> None:
    await close_cycle(db, municipality.group, now=dt.datetime.now(dt.UTC), tz=TZ)
    raw = fixture_mail(
        "outlook_sv_above_quote", sender="Bo Berg <bo@fagersta.se>", cycle_id=municipality.cycle.id
    )
    result = await ingest(db, raw, source="file", tz=TZ)
    assert (result.status, result.receipt) == ("closed", True)
    assert await table_count(db, "submissions") == 0
    async with db.session(readonly=True) as s:
        record = await InboundRepository(s).get(result.inbound_id)
        assert await InboundRepository(s).raw(record.id) == raw
    [reply] = [m for m in await _outbox(db) if m.kind is MessageKind.RECEIPT]
    assert "stängde" in reply.payload["text"] and "ingenting sparades" in reply.payload["text"]


async def test_quarantined_mail_is_released_once_the_sender_is_a_member(
    db: Database, municipality: Municipality
) -> None:
    raw = fixture_mail(
        "outlook_sv_above_quote", sender="Dan Ny <dan@fagersta.se>", cycle_id=municipality.cycle.id
    )
    first = await ingest(db, raw, source="file", tz=TZ)
    assert first.status == "quarantined"
    with pytest.raises(InputError, match="finns fortfarande inte"):
        await release(db, first.inbound_id, tz=TZ)
    await import_members(db, organisation="Fagersta kommun",
                         csv_text="name,email,agency,roles,channel\nDan Ny,dan@fagersta.se,fritid,reporter,email\n")  # fmt: skip
    released = await release(db, first.inbound_id, tz=TZ)
    assert (released.status, released.inbound_id, released.receipt) == ("stored", first.inbound_id, True)
    member = await member_by_identity(db, aad_object_id=None, email="dan@fagersta.se")
    assert member is not None
    context = await report_context(db, member, municipality.cycle.id)
    assert context.submission is not None and context.submission.answers["1"].impact == 3
    with pytest.raises(InputError, match="ligger inte i karantän"):
        await release(db, first.inbound_id, tz=TZ)
    async with db.session(readonly=True) as s:
        record = await InboundRepository(s).get(first.inbound_id)
    assert record.status is InboundStatus.STORED and record.released_at is not None


async def test_a_worker_taking_over_after_a_crash_between_save_and_finish_does_not_save_twice(
    db: Database, municipality: Municipality
) -> None:
    """The first worker claimed the mail and saved the report, then died before finishing it."""
    raw = fixture_mail(
        "outlook_sv_above_quote", sender="Bo Berg <bo@fagersta.se>", cycle_id=municipality.cycle.id
    )
    crashed_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    member = await member_by_identity(db, aad_object_id=None, email="bo@fagersta.se")
    assert member is not None
    context = await report_context(db, member, municipality.cycle.id)
    async with db.session() as s:
        repo = InboundRepository(s)
        claim = await repo.claim(message_id="<AM0PR07MB61321B0F9E2A4C7D8E5F6A7B8C9D0E1F@AM0PR07MB6132.eurprd07.prod.outlook.com>",
                                 source="imap", raw=raw, raw_complete=True, sender="bo@fagersta.se", subject="SV",
                                 size=len(raw), received_at=crashed_at, now=crashed_at, lease=dt.timedelta(minutes=5))  # fmt: skip
        await repo.prepare_save(
            claim.record.id, member_id=member.id, cycle_id=context.cycle.id, saved_at=crashed_at
        )
    await save_report(
        db, context, {"1": Answer("1", "Buskörning", 3)}, channel=Channel.EMAIL, submit=True, now=crashed_at
    )
    busy = await ingest(db, raw, source="imap", tz=TZ, now=crashed_at + dt.timedelta(minutes=1))
    assert (busy.status, busy.done) == ("busy", False)
    result = await ingest(db, raw, source="imap", tz=TZ)
    assert (result.status, result.inbound_id) == ("stored", claim.record.id)
    assert await table_count(db, "submission_revisions") == 1
    assert len([m for m in await _outbox(db) if m.kind is MessageKind.RECEIPT]) == 1


def _big_mail(size: int) -> bytes:
    head = (
        "From: Bo Berg <bo@fagersta.se>\r\nTo: lagesbild@fagersta.se\r\nSubject: SV: Lägesrapport\r\n"
        "Message-ID: <big@fagersta.se>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n1. Svar: Klotter\r\n\r\n--b\r\n"
        "Content-Type: image/jpeg\r\nContent-Disposition: attachment; filename=bild.jpg\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode()
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3\r\n"
    return head + line * (size // len(line)) + b"--b--\r\n"


async def test_a_mail_over_10_mb_keeps_its_headers_and_the_sender_is_told(
    db: Database, municipality: Municipality
) -> None:
    raw = _big_mail(11 * 1024 * 1024)
    result = await ingest(db, raw, source="file", tz=TZ)
    assert (result.status, result.reason, result.receipt) == ("rejected", "för stort", True)
    async with db.session(readonly=True) as s:
        record = await InboundRepository(s).get(result.inbound_id)
        kept = await InboundRepository(s).raw(result.inbound_id)
    assert not record.raw_complete and record.size == len(raw) and len(kept) < 2000
    assert b"Message-ID: <big@fagersta.se>" in kept
    assert {"code": "too_large", "detail": f"{len(raw)} bytes; only headers read"} in record.problems
    [reply] = [m for m in await _outbox(db) if m.kind is MessageKind.RECEIPT]
    assert "för stort" in reply.payload["text"] and reply.recipient == "bo@fagersta.se"


async def test_attachment_content_is_not_kept_but_its_metadata_is(
    db: Database, municipality: Municipality
) -> None:
    raw = fixture_mail("attachment_photo", sender="Bo Berg <bo@fagersta.se>", cycle_id=municipality.cycle.id)
    result = await ingest(db, raw, source="file", tz=TZ)
    assert result.status == "stored"
    async with db.session(readonly=True) as s:
        record = await InboundRepository(s).get(result.inbound_id)
        kept = await InboundRepository(s).raw(result.inbound_id)
    [photo] = [a for a in record.attachments if a["disposition"] == "attachment"]
    assert photo["content_type"].startswith("image/") and photo["size"] > 0
    assert not record.raw_complete and len(kept) < len(raw) and b"bilaga borttagen" in kept


async def test_damaged_mail_is_kept_with_its_problems_and_nothing_crashes(
    db: Database, municipality: Municipality
) -> None:
    for name in ("malformed_mime", "no_message_id", "mislabelled_cp1252_as_utf8", "html_only_webmail_script"):
        raw = fixture_mail(name, sender="Bo Berg <bo@fagersta.se>", cycle_id=municipality.cycle.id)
        result = await ingest(db, raw, source="file", tz=TZ)
        assert result.status in ("stored", "rejected"), (name, result)
        async with db.session(readonly=True) as s:
            record = await InboundRepository(s).get(result.inbound_id)
            assert await InboundRepository(s).raw(record.id) == raw
        if name == "html_only_webmail_script":  # never rendered: nothing from the script is an answer
            assert "document.write" not in str(record.parsed) and "javascript" not in str(record.parsed)
        else:
            assert record.problems, name
    garbage = b"\x00\xff\xfe not an email at all \r\n\r\n\x81"
    result = await ingest(db, garbage, source="file", tz=TZ)
    assert result.status == "quarantined" and result.message_id.endswith(".sha256@lagesbild.invalid>")
    again = await ingest(db, garbage, source="file", tz=TZ)
    assert again.status == "duplicate"
