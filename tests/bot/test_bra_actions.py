"""Brå closes the loop in Teams: "Besluta" on the escalation card, the decision posted, one
feedback per linked reporter, the owner's "klar" in the chat, the receipt showing what it led to."""

from __future__ import annotations

import datetime as dt

from adaptive_cards.report import VERB_REFRESH, VERB_SUBMIT
from bot.handler import LagesbildBot
from lagesbild.operations.assessment import escalations_to_send, set_assessment
from lagesbild.operations.cycles import close_cycle
from lagesbild.operations.digest import digest_for_cycle
from lagesbild.operations.escalation_delivery import deliver_escalations
from lagesbild.operations.members import import_members
from lagesbild.operations.reports import member_by_identity, report_context, save_report
from reporting.bra.forms import VERB_DECIDE, VERB_DECIDE_FORM
from reporting.model import Answer, Channel
from storage.database import Database
from storage.repositories import MemberRepository, OutboxRepository, TeamsRepository
from storage.repositories.teams import LinkedChannel
from tests.world import TENANT, TZ, Municipality, TeamsUser, card_text, input_ids

BRA = "19:bra@thread.tacv2"


async def escalated(anna: TeamsUser, municipality: Municipality, db: Database) -> int:
    """Anna (Teams) and Bo (email) report on question 1, Cecilia reports nothing; the group sets it red."""
    cycle = municipality.cycle.id
    await import_members(db, organisation="Fagersta kommun", csv_text=(
        "name,email,agency,roles,channel\nEva Ek,eva@fagersta.se,polis,bra,teams\n"))  # fmt: skip
    async with db.session() as s:
        eva = await MemberRepository(s).by_email(1, "eva@fagersta.se")
        await MemberRepository(s).set_aad_object_id(eva.id, "aad-eva")
        await TeamsRepository(s).link_channel(LinkedChannel(BRA, 1, "bra", None, "https://smba.example/", TENANT),
                                              team_id=None, by=None, now=dt.datetime.now(dt.UTC))  # fmt: skip
    await anna.press(VERB_SUBMIT, {"cycle": cycle, "q1_observations": "Bränder i soprum vid Brunnsparken",
                                   "q1_impact": "4"})  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    for email, answers in (
        ("bo@fagersta.se", {"1": Answer("1", observations="Eldat i containern på Östermalm", impact=3)}),
        ("cecilia@fagersta.se", {q: Answer(q, nothing_to_report=True) for q in "1234567"}),
    ):
        member = await member_by_identity(db, aad_object_id=None, email=email)
        assert member is not None
        context = await report_context(db, member, cycle)
        await save_report(db, context, answers, channel=Channel.EMAIL, submit=True, now=now)
    await close_cycle(db, municipality.group, now=now, tz=TZ)
    await digest_for_cycle(db, cycle, now=now)
    await set_assessment(
        db, cycle_id=cycle, question="1", level="red", comment="Brå behöver besluta", now=now
    )
    [escalation] = await escalations_to_send(db)
    assert await deliver_escalations(db, now=now) == 1
    return escalation.id


async def test_bra_decides_from_the_escalation_card_and_each_linked_reporter_hears_once(
    anna: TeamsUser, bot: LagesbildBot, municipality: Municipality, db: Database
) -> None:
    escalation = await escalated(anna, municipality, db)
    async with db.session(readonly=True) as s:
        [card_post] = [m for m in await OutboxRepository(s).list() if m.kind.value == "escalation"]
    posted = card_post.payload["attachments"][0]["content"]
    [besluta] = [a for a in posted["actions"] if a["verb"] == VERB_DECIDE_FORM]
    assert besluta["title"] == "Besluta" and besluta["data"]["escalation"] == escalation

    refused = await anna.press(VERB_DECIDE, besluta["data"] | {"decision_title": "Något"})
    assert "Brå" in card_text(refused) and "Tack" not in card_text(refused)

    eva = TeamsUser(bot, user_id="29:eva", aad_object_id="aad-eva", name="Eva Ek")
    form = await eva.press(VERB_DECIDE_FORM, besluta["data"])
    assert {"decision_title", "decision_kind", "decision_owner", "decision_due"} <= set(input_ids(form))
    incomplete = await eva.press(VERB_DECIDE, besluta["data"] | {"decision_title": ""})
    assert "decision_title" in input_ids(incomplete), "the form comes back with what is missing"
    due = dt.datetime.now(TZ).date() + dt.timedelta(days=60)  # after today's meeting, on any date
    decided = await eva.press(VERB_DECIDE, besluta["data"] | {
        "decision_title": "Ökad belysning och tömning av soprum vid Brunnsparken", "decision_kind": "atgard",
        "decision_owner": "fastighet", "decision_due": due.isoformat()})  # fmt: skip
    text = card_text(decided)
    assert "Ökad belysning" in text and "Anna" not in text

    async with db.session(readonly=True) as s:
        messages = await OutboxRepository(s).list()
    feedback = sorted((m.recipient, m.channel) for m in messages if m.kind.value == "feedback")
    assert feedback == [("anna@fagersta.se", "teams"), ("bo@fagersta.se", "email")], (
        "Cecilia reported nothing"
    )
    assert [m.recipient for m in messages if m.kind.value == "decision"] == [BRA]

    receipt = await anna.press(VERB_REFRESH, {"cycle": municipality.cycle.id})
    assert "Ökad belysning" in card_text(receipt) and receipt["refresh"]["userIds"] == ["29:anna"]


async def test_the_owner_marks_it_done_in_the_chat_and_reporters_get_the_outcome(
    anna: TeamsUser, bot: LagesbildBot, municipality: Municipality, db: Database
) -> None:
    escalation = await escalated(anna, municipality, db)
    eva = TeamsUser(bot, user_id="29:eva", aad_object_id="aad-eva", name="Eva Ek")
    await eva.press(VERB_DECIDE, {"escalation": escalation, "cycle": municipality.cycle.id, "question": "1",
                                  "decision_title": "Kameraövervakning utreds", "decision_kind": "atgard",
                                  "decision_owner": "eva@fagersta.se"})  # fmt: skip
    [reply] = await eva.say("klar Kamerorna är uppsatta")
    assert "klar" in reply.text.lower()
    async with db.session(readonly=True) as s:
        outcomes = [m for m in await OutboxRepository(s).list() if m.kind.value == "feedback"]
    assert sorted(m.recipient for m in outcomes) == ["anna@fagersta.se", "anna@fagersta.se", "bo@fagersta.se",
                                                     "bo@fagersta.se"], "the decision, then its outcome"  # fmt: skip
    [not_owner] = await anna.say("klar")
    assert "inte ansvarig" in not_owner.text
