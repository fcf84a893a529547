"""An email-only owner of a Brå decision updates it by replying "klar …"."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import make_msgid

from intake.pipeline import ingest
from lagesbild.operations.decisions import create_decision, get_decision
from reporting.bra.decisions import DecisionStatus, decision_input
from storage.database import Database
from storage.repositories import OutboxRepository
from tests.bot.test_bra_actions import escalated
from tests.world import Municipality, TeamsUser


def mail(sender: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = sender, "lagesbild@fagersta.se"
    message["Subject"] = "SV: Påminnelse om beslut"
    message["Message-ID"] = make_msgid(domain="fagersta.se")
    message.set_content(body)
    return message.as_bytes()


async def test_the_owner_marks_the_decision_done_by_email(
    anna: TeamsUser, municipality: Municipality, db: Database
) -> None:
    escalation = await escalated(anna, municipality, db)
    now = dt.datetime.now(dt.UTC)
    outcome = await create_decision(db, decision_input(
        title="Containern flyttas", kind="atgard", meeting_date=now.date(), owner="bo@fagersta.se",
        cycle_id=municipality.cycle.id, question="1", escalation_id=escalation), now=now, organisation_id=1)  # fmt: skip
    result = await ingest(db, mail("bo@fagersta.se", "klar Containern är bortflyttad.\n\nHälsningar Bo"),
                          source="test", now=now, organisation="Fagersta kommun")  # fmt: skip
    assert result.status == "stored" and result.receipt
    decision = await get_decision(db, outcome.decision.id)
    assert decision.status is DecisionStatus.KLAR
    async with db.session(readonly=True) as s:
        receipts = [m for m in await OutboxRepository(s).list() if m.kind.value == "receipt"]
    assert "är nu klar" in receipts[-1].payload["text"]


async def test_someone_who_owns_nothing_is_read_as_a_report(
    anna: TeamsUser, municipality: Municipality, db: Database
) -> None:
    result = await ingest(db, mail("bo@fagersta.se", "Klart att det brinner vid Brunnsparken igen."),
                          source="test", now=dt.datetime.now(dt.UTC), organisation="Fagersta kommun")  # fmt: skip
    assert result.status == "stored" and result.cycle_id == municipality.cycle.id
