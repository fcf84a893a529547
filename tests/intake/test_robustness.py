"""No mail is lost: every mail ends as a report or reply row, a quarantine entry, or kept raw
as `failed` with its reason, and one bad mail never stops the others (both backends).

The bad mail here is real: raw 8-bit bytes in From and Message-ID, MIME nested thousands
of levels deep, and a deterministic corpus of damaged fixtures (tests/intake/mutations.py;
bench/intake_fuzz.py runs 3,000 of them). Where the intake itself must fail, the database
is made to refuse the row (a constraint or trigger added for the test), nothing is mocked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from intake.imap import ImapMailbox
from intake.mailbox import Poller
from intake.mime import MAX_DEPTH
from intake.pipeline import TOO_DEEP_REASON, ingest, release
from lagesbild.operations.errors import InputError
from lagesbild.operations.reports import member_by_identity
from reporting.outbox import MessageKind
from storage.database import Database
from storage.repositories import OutboxRepository
from storage.repositories.inbound import InboundRepository, InboundStatus
from tests.conftest import table_count
from tests.intake.conftest import FIXTURES, IMAP_PASSWORD, IMAP_USER, T0, fixture_mail, municipality_at
from tests.intake.mutations import corpus, nested
from tests.intake.servers import Dovecot, client_context
from tests.intake.test_cli import lagesbild
from tests.world import TZ

pytestmark = pytest.mark.db

BO = "Bo Berg <bo@fagersta.se>"
ARRIVAL = T0 + dt.timedelta(hours=2)  # Monday 3 March 2025, 11.00: cycle 1 is open
FUZZ_MAILS = 240
"""The test's share of the fuzz corpus (seed 11); bench/intake_fuzz.py runs 3,000."""


def eight_bit(raw: bytes, header: bytes, value: bytes) -> bytes:
    """`raw` with its `header` line replaced by `value`, raw bytes and all."""
    pattern = rb"(?mi)^" + re.escape(header) + rb": [^\r\n]*"
    assert re.search(pattern, raw)
    return re.sub(pattern, lambda _m: header + b": " + value, raw, count=1)


async def statuses(db: Database) -> dict[str, int]:
    async with db.session(readonly=True) as s:
        records = await InboundRepository(s).list()
    counts: dict[str, int] = {}
    for r in records:
        counts[r.status.value] = counts.get(r.status.value, 0) + 1
    return counts


# -- raw 8-bit bytes in the headers the pipeline looks up and stores ---------------------


async def test_ingest_goes_through_every_file_when_from_and_message_id_hold_raw_8bit_bytes(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    cycle = (await municipality_at(db)).cycle.id
    report = fixture_mail("outlook_sv_above_quote", sender=BO, cycle_id=cycle)
    files = {
        "1-bo.eml": report,
        # A Latin-1 byte in the sender's name and address, as a misconfigured client sends it.
        "2-from.eml": eight_bit(fixture_mail("samsung_sv", sender=BO, cycle_id=cycle), b"From",
                                b"Bo B\xe4rg <bo\xe4@fagersta.se>"),  # fmt: skip
        # A Latin-1 byte in the Message-ID of a member's report.
        "3-message-id.eml": eight_bit(
            fixture_mail("gmail_sv_above_quote", sender="Anna Andersson <anna@fagersta.se>", cycle_id=cycle),
            b"Message-ID", b"<CAF\xe4r9x@mail.gmail.com>",
        ),
        "4-auto.eml": fixture_mail("auto_reply_exchange_sv", sender=BO, cycle_id=cycle),
    }
    for name, raw in files.items():
        (tmp_path / name).write_bytes(raw)
    out = lagesbild("intake", "ingest", *(str(tmp_path / n) for n in files),
                    database_url=database_url, cwd=tmp_path, now=ARRIVAL.isoformat())  # fmt: skip
    lines = out.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == list(files)
    assert lines[0].startswith(f"1-bo.eml: sparad, rapport, period {cycle}")
    assert lines[1].startswith("2-from.eml: i karantän (okänd avsändare)")
    assert lines[2].startswith(f"3-message-id.eml: sparad, rapport, period {cycle}")
    assert lines[3].startswith("4-auto.eml: ignorerad, autosvar")
    assert "inbound #2" in out.stderr and "raw 8-bit bytes" in out.stderr  # the operator's log line
    async with db.session(readonly=True) as s:
        records = await InboundRepository(s).list()
        raws = [await InboundRepository(s).raw(r.id) for r in records]
    assert [r.status for r in records] == [InboundStatus.STORED, InboundStatus.QUARANTINED, InboundStatus.STORED,
                                           InboundStatus.IGNORED]  # fmt: skip
    assert records[1].sender == "boä@fagersta.se" and records[1].reason == "okänd avsändare: boä@fagersta.se"
    assert records[2].message_id == "<CAFär9x@mail.gmail.com>"
    assert raws[1] == files["2-from.eml"] and raws[2] == files["3-message-id.eml"]  # kept as they came
    assert await table_count(db, "submissions") == 2
    again = lagesbild("intake", "ingest", str(tmp_path / "2-from.eml"), str(tmp_path / "3-message-id.eml"),
                      database_url=database_url, cwd=tmp_path).stdout  # fmt: skip
    assert again.count("redan behandlad") == 2 and await table_count(db, "inbound_emails") == 4


async def test_the_poller_stores_a_mail_with_raw_8bit_headers_once_and_moves_it(
    db: Database, dovecot: Dovecot
) -> None:
    cycle = (await municipality_at(db)).cycle.id
    bad = eight_bit(fixture_mail("samsung_sv", sender=BO, cycle_id=cycle), b"From", b"Bo B\xe4rg <bo\xe4@fagersta.se>")
    bad = eight_bit(bad, b"Message-ID", b"<bad\xe4id@example.org>")
    good = fixture_mail("outlook_sv_above_quote", sender=BO, cycle_id=cycle)
    dovecot.append(IMAP_USER, bad, good)
    box = ImapMailbox(host="127.0.0.1", port=dovecot.imaps_port, security="tls", username=IMAP_USER,
                      password=IMAP_PASSWORD, ssl_context=client_context(dovecot.cert))  # fmt: skip
    poller = Poller(db, box, tz=TZ, clock=lambda: ARRIVAL)
    try:
        first = await poller.poll_once()
        second = await poller.poll_once()
    finally:
        await box.aclose()
    assert (first.fetched, first.acknowledged, first.errors) == (2, 2, 0)
    assert sorted(r.status for r in first.results) == ["quarantined", "stored"]
    assert second.fetched == 0  # not offered again, round after round
    assert dovecot.uids(IMAP_USER, "INBOX") == [] and len(dovecot.uids(IMAP_USER, "Behandlade")) == 2
    assert await statuses(db) == {"quarantined": 1, "stored": 1}


# -- nesting ------------------------------------------------------------------------


async def test_a_mail_nested_5000_levels_deep_is_quarantined_unread_and_the_member_told(db: Database) -> None:
    cycle = (await municipality_at(db)).cycle.id
    raw = nested(5000, headers=b"From: Bo Berg <bo@fagersta.se>\r\nMessage-ID: <deep.1@example.org>\r\n"
                 b"Subject: Svar [LB-%d]" % cycle)  # fmt: skip
    result = await ingest(db, raw, source="file", now=ARRIVAL, tz=TZ)
    assert (result.status, result.reason, result.message_id) == ("quarantined", TOO_DEEP_REASON, "<deep.1@example.org>")
    assert f"{MAX_DEPTH} nivåer" in result.reason
    async with db.session(readonly=True) as s:
        record = await InboundRepository(s).get(result.inbound_id or 0)
        assert await InboundRepository(s).raw(record.id) == raw and record.raw_complete
        [notice] = await OutboxRepository(s).list()
    assert record.sender == "bo@fagersta.se" and [p["code"] for p in record.problems] == ["too_deep"]
    assert notice.recipient == "bo@fagersta.se" and notice.kind is MessageKind.RECEIPT
    assert notice.payload["subject"] == "Ditt mejl kunde inte läsas" and "Ingenting sparades" in notice.payload["text"]
    assert await table_count(db, "submissions") == 0
    with pytest.raises(InputError, match="kan inte släppas: MIME-strukturen är nästlad djupare än 30 nivåer"):
        await release(db, record.id, now=ARRIVAL + dt.timedelta(hours=1), tz=TZ)


# -- whatever still fails is kept raw, with the reason ---------------------------------


@contextmanager
def refusing(database_url: str, backend: str, table: str, column: str) -> Iterator[None]:
    """The database refuses rows of `table` whose `column` holds "BOOM" (a CHECK constraint on
    PostgreSQL, a trigger on SQLite), as a stand-in for any error that is not an outage."""
    import psycopg

    if backend == "postgresql":
        from sqlalchemy.engine import make_url

        url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"ALTER TABLE {table} ADD CONSTRAINT test_boom_{table} CHECK ({column} NOT LIKE '%BOOM%')")
        try:
            yield
        finally:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT test_boom_{table}")
        return
    import sqlite3

    path = database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        for event in ("INSERT", "UPDATE"):
            conn.execute(f"CREATE TRIGGER test_boom_{table}_{event.lower()} BEFORE {event} ON {table} "
                         f"WHEN NEW.{column} LIKE '%BOOM%' BEGIN SELECT RAISE(ABORT, 'boom'); END")  # fmt: skip
    yield


async def test_a_mail_the_database_refuses_is_kept_raw_as_failed_with_the_reason_once(
    db: Database, database_url: str, backend: str, tmp_path: Path
) -> None:
    cycle = (await municipality_at(db)).cycle.id
    refused_at_claim = fixture_mail("samsung_sv", sender=BO, cycle_id=cycle).replace(b"Subject: ", b"Subject: BOOM ", 1)
    refused_at_save = fixture_mail("outlook_sv_above_quote", sender="Anna Andersson <anna@fagersta.se>",
                                   cycle_id=cycle).replace(b"Svar: Busk", b"Svar: BOOM Busk", 1)  # fmt: skip
    fine = fixture_mail("gmail_sv_above_quote", sender=BO, cycle_id=cycle)
    for name, raw in (("1.eml", refused_at_claim), ("2.eml", refused_at_save), ("3.eml", fine)):
        (tmp_path / name).write_bytes(raw)
    with refusing(database_url, backend, "inbound_emails", "subject"), refusing(database_url, backend, "answers",
                                                                                 "observations"):  # fmt: skip
        out = lagesbild("intake", "ingest", *(str(tmp_path / n) for n in
                        ("1.eml", "2.eml", "3.eml")), database_url=database_url, cwd=tmp_path, now=ARRIVAL.isoformat())  # fmt: skip
        lines = out.stdout.strip().splitlines()
        assert lines[0].startswith("1.eml: sparad som den kom, kunde inte behandlas: IntegrityError")
        assert lines[1].startswith("2.eml: sparad som den kom, kunde inte behandlas: IntegrityError")
        assert lines[2].startswith(f"3.eml: sparad, rapport, period {cycle}")
        assert "could not be processed; kept raw as failed" in out.stderr
        # The same mail again (the mailbox offered it once more): kept once.
        again = await ingest(db, refused_at_claim, source="file", now=ARRIVAL, tz=TZ)
        assert again.status == "duplicate" and again.reason == "already failed"
    async with db.session(readonly=True) as s:
        records = await InboundRepository(s).list()
        raws = [await InboundRepository(s).raw(r.id) for r in records]
    assert [r.status for r in records] == [InboundStatus.FAILED, InboundStatus.FAILED, InboundStatus.STORED]
    assert all(r.reason.startswith("kunde inte behandlas: IntegrityError") for r in records[:2])
    assert raws[:2] == [refused_at_claim, refused_at_save] and records[0].message_id.endswith(".failed@lagesbild.invalid>")
    assert records[1].message_id.startswith("<AM0PR07MB6132")  # claimed as itself before the save failed
    assert await table_count(db, "submissions") == 1


# -- the fuzz run ---------------------------------------------------------------------


async def test_every_mail_of_a_damaged_corpus_ends_as_exactly_one_row(db: Database) -> None:
    """Every mutated mail is accounted for: a report or reply row (stored, closed, rejected,
    ignored), a quarantine row, or a failed row with its reason, and none left processing."""
    cycle = (await municipality_at(db)).cycle.id
    mails = corpus(FUZZ_MAILS, seed=11, cycle_id=cycle)
    distinct = len(set(mails))
    ids: set[int] = set()
    for i, raw in enumerate(mails):
        result = await ingest(db, raw, source="file", mailbox_ref=f"fuzz-{i}", now=ARRIVAL, tz=TZ)
        assert result.status not in ("busy", "processing"), (i, result)
        assert result.inbound_id is not None, (i, result)
        ids.add(result.inbound_id)
    counts = await statuses(db)
    async with db.session(readonly=True) as s:
        empty_raw = (await s.execute(text("SELECT count(*) FROM inbound_emails WHERE length(raw) = 0"))).scalar_one()
    assert len(ids) == distinct == sum(counts.values()), counts  # one row per distinct mail
    assert "processing" not in counts and empty_raw == 0
    assert counts.get("quarantined", 0) > 0 and counts.get("stored", 0) > 0, counts
    assert set(counts) <= {"stored", "closed", "rejected", "ignored", "quarantined", "failed"}


async def test_a_bounce_whose_diagnostic_holds_nul_and_8bit_bytes_is_kept_as_a_bounce(db: Database) -> None:
    await municipality_at(db)
    raw = (FIXTURES / "bounce_postfix_dsn.eml").read_bytes()
    raw = raw.replace(b"tidigare.anstalld@fagersta.se", b"bo@fagersta.se")
    raw = raw.replace(b"RESOLVER.ADR.RecipientNotFound", b"RESOLVER.ADR.Recipient\x00NotFound \xff")
    result = await ingest(db, raw, source="file", now=ARRIVAL, tz=TZ)
    assert (result.status, result.kind) == ("ignored", "bounce")
    assert "studsar: bo@fagersta.se" in result.reason
    bo = await member_by_identity(db, aad_object_id=None, email="bo@fagersta.se")
    assert bo is not None and bo.email_bounced_at == ARRIVAL
    assert "\x00" not in (bo.email_bounce or "") and "RecipientNotFound" in (bo.email_bounce or "")
