"""The IMAP mailbox against a real Dovecot: every report stored once, moved to "Behandlade"
only after the commit; polling twice and a crash between commit and move change nothing."""

from __future__ import annotations

import asyncio

import pytest

from intake.imap import ImapMailbox
from intake.mailbox import Poller
from intake.pipeline import ingest
from intake.tokens import OUTLOOK_SCOPE
from storage.database import Database
from storage.repositories.inbound import InboundRepository
from tests.conftest import table_count
from tests.intake.conftest import IMAP_PASSWORD as PASSWORD
from tests.intake.conftest import IMAP_USER as USER
from tests.intake.conftest import Cloud, fixture_mail
from tests.intake.servers import Dovecot, client_context, start_dovecot
from tests.world import TZ, Municipality

pytestmark = pytest.mark.db


def mailbox(server: Dovecot, *, security: str = "starttls") -> ImapMailbox:
    port = server.imap_port if security == "starttls" else server.imaps_port
    return ImapMailbox(host="127.0.0.1", port=port, security=security, username=USER, password=PASSWORD,
                       ssl_context=client_context(server.cert))  # fmt: skip


def reports(municipality: Municipality) -> list[bytes]:
    cycle = municipality.cycle.id
    return [
        fixture_mail("outlook_sv_above_quote", sender="Bo Berg <bo@fagersta.se>", cycle_id=cycle),
        fixture_mail("iphone_sv_inline_quoted", sender="Anna Andersson <anna@fagersta.se>", cycle_id=cycle),
        fixture_mail("auto_reply_exchange_sv", sender="Bo Berg <bo@fagersta.se>", cycle_id=cycle),
        fixture_mail("unknown_sender_private", sender="Okänd <okand@gmail.com>"),
    ]


async def test_poll_stores_every_mail_once_and_moves_it_after_the_commit(
    db: Database, municipality: Municipality, dovecot: Dovecot
) -> None:
    dovecot.append(USER, *reports(municipality))
    box = mailbox(dovecot)
    poller = Poller(db, box, tz=TZ)
    try:
        summary = await poller.poll_once()
        assert summary.fetched == 4 and summary.acknowledged == 4 and summary.errors == 0
        assert sorted(r.status for r in summary.results) == ["ignored", "quarantined", "stored", "stored"]
        assert dovecot.uids(USER, "INBOX") == [] and len(dovecot.uids(USER, "Behandlade")) == 4
        again = await poller.poll_once()
        assert again.fetched == 0
    finally:
        await box.aclose()
    assert await table_count(db, "inbound_emails") == 4
    assert await table_count(db, "submission_revisions") == 2
    async with db.session(readonly=True) as s:
        refs = {r.mailbox_ref for r in await InboundRepository(s).list()}
    assert refs == {"1", "2", "3", "4"}


async def test_a_crash_between_commit_and_move_and_a_second_poller_store_each_report_once(
    db: Database, municipality: Municipality, dovecot: Dovecot
) -> None:
    dovecot.append(USER, *reports(municipality))
    first = mailbox(dovecot, security="tls")
    try:
        # The first worker fetches and commits every mail, then dies before moving any.
        for item in await first.fetch(50):
            await ingest(db, item.raw, source=item.source, mailbox_ref=item.mailbox_id, tz=TZ)
    finally:
        await first.aclose()
    assert len(dovecot.uids(USER, "INBOX")) == 4
    # Two pollers start again at once over the same mailbox.
    boxes = [mailbox(dovecot), mailbox(dovecot)]
    try:
        summaries = await asyncio.gather(*(Poller(db, b, tz=TZ).poll_once() for b in boxes))
    finally:
        for b in boxes:
            await b.aclose()
    statuses = [r.status for s in summaries for r in s.results]
    assert set(statuses) == {"duplicate"}
    # Both pollers may move the same mail at the same moment, and Dovecot may then file it
    # twice; what matters is that the inbox is empty and the database holds each mail once.
    assert dovecot.uids(USER, "INBOX") == []
    assert len(set(dovecot.message_ids(USER, "Behandlade"))) == 4
    assert await table_count(db, "inbound_emails") == 4
    assert await table_count(db, "submission_revisions") == 2
    assert await table_count(db, "outbox_messages") == 3  # two receipts, one quarantine notice


async def test_the_poller_wakes_on_idle_when_mail_arrives(
    db: Database, municipality: Municipality, dovecot: Dovecot
) -> None:
    box = mailbox(dovecot)
    poller = Poller(db, box, tz=TZ, interval=30)
    await poller.start()
    try:
        for _ in range(100):
            if poller.rounds >= 1:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # the poller is in IDLE now
        dovecot.append(USER, reports(municipality)[0])
        for _ in range(100):
            if await table_count(db, "submission_revisions") == 1 and not dovecot.uids(USER, "INBOX"):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the mail was not processed within 5 s of arriving")
    finally:
        await poller.stop()
    assert len(dovecot.uids(USER, "Behandlade")) == 1


async def test_xoauth2_with_a_token_from_msal(db: Database, municipality: Municipality, cloud: Cloud) -> None:
    """Exchange Online's way: msal fetches a token for outlook.office365.com, the IMAP login is
    AUTHENTICATE XOAUTH2, and the server checks the token (here Dovecot asks the emulator)."""
    server = start_dovecot({USER: PASSWORD}, introspection_url=f"{cloud.url}/_emulator/introspect")
    tokens = cloud.tokens(OUTLOOK_SCOPE)
    box = ImapMailbox(host="127.0.0.1", port=server.imaps_port, security="tls", username=USER, tokens=tokens,
                      ssl_context=client_context(server.cert))  # fmt: skip
    try:
        server.append(USER, reports(municipality)[0])
        summary = await Poller(db, box, tz=TZ).poll_once()
        assert [r.status for r in summary.results] == ["stored"] and summary.acknowledged == 1
        assert box.logins == 1 and cloud.emulator.introspections >= 1 and cloud.identity.token_calls == 1
        wrong = ImapMailbox(host="127.0.0.1", port=server.imaps_port, security="tls", username=USER,
                            tokens=cloud.tokens(), ssl_context=client_context(server.cert))  # a Graph token  # fmt: skip
        with pytest.raises(Exception, match="(?i)auth"):
            await wrong.fetch(10)
        await wrong.aclose()
    finally:
        await box.aclose()
        server.stop()
