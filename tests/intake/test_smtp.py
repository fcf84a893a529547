"""Sending through a real SMTP server (aiosmtpd, STARTTLS + AUTH): the prompt and the receipt
arrive with the right headers, a reply to the delivered prompt maps back to its cycle, and
refusals come back as typed outcomes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.utils import make_msgid
from pathlib import Path

import pytest

from intake.pipeline import ingest
from intake.prompts import EmailPromptRenderer
from intake.sending import SmtpSender
from lagesbild.operations.cycle_messages import enqueue_prompts
from reporting.model import Channel
from reporting.outbox import DeliveryState, MessageKind, OutboxMessage, Outcome
from storage.database import Database
from storage.repositories import OutboxRepository
from tests.intake.servers import SmtpServer, client_context, start_smtp
from tests.world import TZ, Municipality

FROM = "lagesbild@fagersta.se"


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = start_smtp(tmp_path)
    try:
        yield server
    finally:
        server.controller.stop()


def sender(server: SmtpServer, *, password: str | None = None) -> SmtpSender:
    return SmtpSender(host="127.0.0.1", port=server.port, security="starttls", username=server.username,
                      password=server.password if password is None else password, from_address=FROM,
                      ssl_context=client_context(server.cert))  # fmt: skip


def outbox_message(
    payload: dict[str, object], *, recipient: str = "bo@fagersta.se", id: int = 7
) -> OutboxMessage:
    return OutboxMessage(id=id, kind=MessageKind.REMINDER, channel="email", recipient=recipient, payload=payload,
                         text="", state=DeliveryState.SENDING, attempts=1,
                         created_at=dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC))  # fmt: skip


@pytest.mark.db
async def test_prompt_and_receipt_are_delivered_and_a_reply_maps_back_to_the_cycle(
    db: Database, municipality: Municipality, smtp: SmtpServer
) -> None:
    await enqueue_prompts(
        db, municipality.cycle, renderers={Channel.EMAIL: EmailPromptRenderer(TZ, FROM)}, tz=TZ
    )
    async with db.session(readonly=True) as s:
        [prompt] = [m for m in await OutboxRepository(s).list() if m.kind is MessageKind.PROMPT]
    mail = sender(smtp)
    result = await mail.send(prompt)
    assert result.outcome is Outcome.SENT and smtp.logins == ["lagesbild"]
    [got] = smtp.handler.received
    message = got.message
    assert got.rcpt_tos == ["bo@fagersta.se"] and got.mail_from == FROM
    assert message["Message-ID"] == prompt.payload["message_id"] == result.activity_id
    assert (
        message["Subject"].startswith("Lägesrapport EST v. ")
        and f"[LB-{municipality.cycle.id}]" in message["Subject"]
    )
    assert "svara senast" in message["Subject"] and message["To"] == "Bo Berg <bo@fagersta.se>"
    assert message["Auto-Submitted"] == "auto-generated"
    plain = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    assert "ovanför det citerade mejlet" in plain and "Skriv inga uppgifter om enskilda personer." in plain
    assert "1. Ordningsstörningar och otrygghet\nSvar:\nPåverkan (1–5):\nKommentar:" in plain
    assert "lyder under sekretess" in plain and "<p>1. Ordningsstörningar och otrygghet<br>" in html

    # Bo replies from his client: the subject lost its token, the In-Reply-To names the prompt.
    reply = (
        f"From: Bo Berg <bo@fagersta.se>\r\nTo: {FROM}\r\nSubject: Svar\r\nMessage-ID: {make_msgid()}\r\n"
        f"In-Reply-To: {message['Message-ID']}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "1. Svar: Buskörning på torget\r\nPåverkan: 2\r\n"
    ).encode()
    ingested = await ingest(db, reply, source="file", tz=TZ)
    assert (ingested.status, ingested.cycle_id) == ("stored", municipality.cycle.id)
    async with db.session(readonly=True) as s:
        [receipt] = [m for m in await OutboxRepository(s).list() if m.kind is MessageKind.RECEIPT]
    assert (await mail.send(receipt)).outcome is Outcome.SENT
    delivered = smtp.handler.received[-1].message
    assert delivered["In-Reply-To"] == ingested.message_id and delivered["Auto-Submitted"] == "auto-replied"
    assert delivered["Message-ID"].startswith(f"<lb.out.{receipt.id}.")
    assert "Fråga 1 (Ordningsstörningar och otrygghet): Buskörning på torget" in delivered.get_content()

    # A reply to the receipt (no token, no prompt id) still finds the cycle through the outbox row.
    again = (
        f"From: Bo Berg <bo@fagersta.se>\r\nTo: {FROM}\r\nSubject: Re: kvitto\r\nMessage-ID: {make_msgid()}\r\n"
        f"In-Reply-To: {delivered['Message-ID']}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "2. Svar: inget\r\n"
    ).encode()
    assert (await ingest(db, again, source="file", tz=TZ)).cycle_id == municipality.cycle.id


async def test_a_notice_payload_is_sent_as_plain_text_with_a_stable_message_id(smtp: SmtpServer) -> None:
    mail = sender(smtp)
    message = outbox_message(
        {"subject": "Påminnelse: lägesrapport EST", "text": "Svara på mejlet med frågorna."}
    )
    first, second = await mail.send(message), await mail.send(message)
    assert first.outcome is second.outcome is Outcome.SENT and first.activity_id == second.activity_id
    got = smtp.handler.received[0].message
    assert got["Subject"] == "Påminnelse: lägesrapport EST" and not got.is_multipart()
    assert got.get_content().strip() == "Svara på mejlet med frågorna."
    assert got["Message-ID"] == first.activity_id == "<lb.out.7.1795503600@fagersta.se>"


async def test_refusals_are_typed_outcomes(smtp: SmtpServer, tmp_path: Path) -> None:
    smtp.handler.refuse = {"gone@fagersta.se": (550, "5.1.1 <gone@fagersta.se>: Recipient address rejected"),
                           "full@fagersta.se": (452, "4.2.2 Mailbox full"),
                           "policy@fagersta.se": (554, "5.7.1 Rejected by policy")}  # fmt: skip
    mail = sender(smtp)
    payload = {"subject": "x", "text": "y"}
    gone = await mail.send(outbox_message(payload, recipient="gone@fagersta.se"))
    full = await mail.send(outbox_message(payload, recipient="full@fagersta.se"))
    policy = await mail.send(outbox_message(payload, recipient="policy@fagersta.se"))
    assert (gone.outcome, gone.status_code, gone.retryable) == (Outcome.RECIPIENT_GONE, 550, False)
    assert (full.outcome, full.status_code, full.retryable) == (Outcome.FAILED, 452, True)
    assert (policy.outcome, policy.status_code, policy.retryable) == (Outcome.FAILED, 554, False)
    wrong = await sender(smtp, password="fel").send(outbox_message(payload))
    assert (wrong.outcome, wrong.status_code, wrong.retryable) == (Outcome.FAILED, 535, True)
    closed = SmtpSender(host="127.0.0.1", port=1, from_address=FROM, ssl_context=client_context(smtp.cert))
    down = await closed.send(outbox_message(payload))
    assert (down.outcome, down.retryable) == (Outcome.FAILED, True)
    assert smtp.handler.received == []


@pytest.mark.db
async def test_the_outbox_dispatcher_delivers_email_through_the_smtp_sender(
    db: Database, municipality: Municipality, smtp: SmtpServer
) -> None:
    from lagesbild.operations.notify import notice
    from lagesbild.outbox import Connector, Dispatcher
    from storage.repositories import MemberRepository

    await enqueue_prompts(
        db, municipality.cycle, renderers={Channel.EMAIL: EmailPromptRenderer(TZ, FROM)}, tz=TZ
    )
    async with db.session() as s:
        bo = await MemberRepository(s).by_email(municipality.group.organisation_id, "bo@fagersta.se")
        reminder = notice(
            bo, kind=MessageKind.REMINDER, subject="Påminnelse", text="Svara på mejlet.", dedupe_key="r1"
        )
        await OutboxRepository(s).enqueue([reminder])
    mail = sender(smtp)
    async with Connector() as connector:
        dispatcher = Dispatcher(db, connector, senders={"email": mail}, email_rate=100.0)
        summary = await dispatcher.run_once()
    assert summary.sent == 2 and summary.dead == 0
    subjects = sorted(r.message["Subject"] for r in smtp.handler.received)
    assert subjects[0].startswith("Lägesrapport EST") and subjects[1] == "Påminnelse"
    async with db.session(readonly=True) as s:
        states = {m.kind: m.state for m in await OutboxRepository(s).list()}
    assert states == {MessageKind.PROMPT: DeliveryState.SENT, MessageKind.REMINDER: DeliveryState.SENT}
