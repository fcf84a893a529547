"""Microsoft Graph against the local emulator, with msal pointed at it through an injected
http_client: delta query with paging, MIME by $value, move after the commit, the deltaLink
kept in the database, sendMail with typed outcomes, and how often msal fetched a token."""

from __future__ import annotations

import datetime as dt

import pytest

from intake.mailbox import Poller
from intake.pipeline import ingest
from intake.sending import GraphSender
from reporting.outbox import DeliveryState, MessageKind, OutboxMessage, Outcome
from storage.database import Database
from storage.repositories.inbound import InboundRepository
from tests.conftest import table_count
from tests.intake.conftest import MAILBOX, Cloud, fixture_mail
from tests.world import TZ, Municipality


def mails(municipality: Municipality) -> list[bytes]:
    cycle = municipality.cycle.id
    return [
        fixture_mail("outlook_sv_above_quote", sender="Bo Berg <bo@fagersta.se>", cycle_id=cycle),
        fixture_mail("gmail_sv_inline", sender="Anna Andersson <anna@fagersta.se>", cycle_id=cycle),
        fixture_mail("auto_reply_en", sender="Bo Berg <bo@fagersta.se>", cycle_id=cycle),
        fixture_mail("bounce_postfix_dsn", sender="MAILER-DAEMON@mx.fagersta.se"),
        fixture_mail("unknown_sender_private", sender="Okänd <okand@gmail.com>"),
    ]


@pytest.mark.db
async def test_delta_poll_stores_each_mail_once_moves_it_and_keeps_the_delta_link(
    db: Database, municipality: Municipality, cloud: Cloud
) -> None:
    for raw in mails(municipality):
        cloud.emulator.deliver(raw)
    tokens = cloud.tokens()
    box = cloud.mailbox(db, tokens)
    poller = Poller(db, box, tz=TZ)
    try:
        first = await poller.poll_once()
        assert first.fetched == 5 and first.acknowledged == 5 and first.errors == 0
        assert sorted(r.status for r in first.results) == [
            "ignored",
            "ignored",
            "quarantined",
            "stored",
            "stored",
        ]
        assert (
            len(cloud.emulator.in_folder("inbox")) == 0 and len(cloud.emulator.in_folder("Behandlade")) == 5
        )
        async with db.session(readonly=True) as s:
            link = await InboundRepository(s).delta_link(f"graph:{MAILBOX}")
        assert link is not None and "$deltatoken=" in link
        second = await poller.poll_once()  # the delta now lists only the five as removed
        assert second.fetched == 0
        cloud.emulator.deliver(
            fixture_mail("samsung_sv", sender="Bo Berg <bo@fagersta.se>", cycle_id=municipality.cycle.id)
        )
        third = await poller.poll_once()
        assert [r.status for r in third.results] == ["stored"]
        cloud.emulator.expired_before = 10**6  # Graph lost the sync state: 410 on the stored deltaLink
        cloud.emulator.deliver(
            fixture_mail("owa_sv", sender="Bo Berg <bo@fagersta.se>", cycle_id=municipality.cycle.id)
        )
        fourth = await poller.poll_once()
        assert [r.status for r in fourth.results] == ["stored"]
    finally:
        await box.aclose()
    assert await table_count(db, "inbound_emails") == 7
    assert await table_count(db, "submission_revisions") == 4
    delta_pages = [p for m, p, s in cloud.emulator.requests if p.endswith("/delta")]
    assert len(delta_pages) >= 5  # page size 2: nextLink pages were followed
    assert cloud.identity.token_calls == 1 and tokens.refreshes == 1  # one token for the whole session
    assert [p for m, p, s in cloud.emulator.requests if m == "POST" and p.endswith("/mailFolders")] != []


@pytest.mark.db
async def test_a_crash_between_commit_and_move_stores_each_mail_once(
    db: Database, municipality: Municipality, cloud: Cloud
) -> None:
    for raw in mails(municipality)[:2]:
        cloud.emulator.deliver(raw)
    crashed = cloud.mailbox(db)
    for item in await crashed.fetch(50):  # committed, never moved, deltaLink never stored
        await ingest(db, item.raw, source=item.source, mailbox_ref=item.mailbox_id, tz=TZ)
    await crashed.aclose()
    box = cloud.mailbox(db)
    try:
        summary = await Poller(db, box, tz=TZ).poll_once()
    finally:
        await box.aclose()
    assert [r.status for r in summary.results] == ["duplicate", "duplicate"] and summary.acknowledged == 2
    assert len(cloud.emulator.in_folder("Behandlade")) == 2
    assert await table_count(db, "submission_revisions") == 2


def outbox_message(payload: dict[str, object]) -> OutboxMessage:
    return OutboxMessage(id=3, kind=MessageKind.RECEIPT, channel="email", recipient="bo@fagersta.se", payload=payload,
                         text="", state=DeliveryState.SENDING, attempts=1,
                         created_at=dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC))  # fmt: skip


async def test_send_mail_through_graph_with_typed_outcomes(cloud: Cloud) -> None:
    tokens = cloud.tokens()
    sender = GraphSender(graph_url=f"{cloud.url}/v1.0", mailbox=MAILBOX, tokens=tokens, from_address=MAILBOX)
    payload = {
        "subject": "Kvitto: lägesrapport EST [LB-4]",
        "text": "Tack!",
        "headers": {"In-Reply-To": "<a@b>"},
    }
    try:
        sent = await sender.send(outbox_message(payload))
        assert (sent.outcome, sent.status_code) == (Outcome.SENT, 202)
        [delivered] = cloud.emulator.sent
        message = delivered["message"]
        assert message["Subject"] == "Kvitto: lägesrapport EST [LB-4]" and message["In-Reply-To"] == "<a@b>"
        assert message["Message-ID"] == sent.activity_id and message["To"] == "bo@fagersta.se"
        cloud.emulator.script_send.extend([(429, 7.0), (503, None)])
        throttled = await sender.send(outbox_message(payload))
        assert (throttled.outcome, throttled.retry_after) == (Outcome.THROTTLED, 7.0)
        unavailable = await sender.send(outbox_message(payload))
        assert (unavailable.outcome, unavailable.retryable) == (Outcome.FAILED, True)
        cloud.emulator.mailboxes.clear()
        missing = await sender.send(outbox_message(payload))
        assert (missing.outcome, missing.status_code, missing.retryable) == (Outcome.FAILED, 404, False)
    finally:
        await sender.aclose()
    assert cloud.identity.token_calls == 1
