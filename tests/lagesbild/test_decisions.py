"""Brå decisions on both backends: what a reporter, an owner, a coordinator and the
channels get, and who may do what."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest

from lagesbild.operations.assessment import PermissionRefused
from lagesbild.operations.decisions import (
    create_decision,
    decision_card_messages,
    decision_for_reply,
    decision_form,
    enqueue_decision_reminders,
    enqueue_meeting_summaries,
    followup_form,
    led_to,
    list_decisions,
    post_decision,
    update_status,
)
from lagesbild.operations.digest_delivery import ChannelAddress
from lagesbild.operations.errors import ConflictError, InputError
from lagesbild.operations.feedback import feedback_messages
from reporting.bra.decisions import decision_input
from reporting.bra.records import DecisionStatus
from reporting.bra.replies import parse_status_reply
from reporting.outbox import MessageKind
from storage.database import Database
from storage.repositories import OutboxRepository
from storage.repositories.decisions import DecisionRepository
from storage.repositories.teams import LinkedChannel, TeamsRepository
from tests.lagesbild.bra_data import Q1_CYCLE5, at, card_of, ludvika, members, outbox
from tests.lagesbild.digest_data import NOW, seed_est
from tests.world import card_text

pytestmark = pytest.mark.db
MEETING = dt.date(2026, 11, 19)


def given(**overrides: object):  # type: ignore[no-untyped-def]
    fields = {"title": "Trygghetsvandring i Brunnsparken", "text": "Kommunen och polisen går med boende.",
              "meeting_date": MEETING, "owner": "fastighet", "due": dt.date(2026, 12, 15), "cycle_id": 5,
              "question": "1"}  # fmt: skip
    fields.update(overrides)
    return decision_input(**fields)  # type: ignore[arg-type]


async def test_each_reporter_with_observations_gets_one_feedback_in_their_own_channel(db: Database) -> None:
    group = await seed_est(db)
    everyone = await members(db)
    outcome = await create_decision(db, given(), now=NOW, by=everyone["ingrid@fagersta.se"])
    assert (outcome.links, outcome.reporters, outcome.feedback) == (4, 4, 4)
    assert outcome.decision.organisation_id == group.organisation_id
    assert outcome.decision.basis.agencies == ("fastighet", "fältassistent", "polis", "räddningstjänst")
    feedback = await outbox(db, MessageKind.FEEDBACK)
    assert sorted(m.recipient for m in feedback) == sorted(Q1_CYCLE5)
    by_email = {m.recipient: m for m in feedback}
    hassan = by_email["hassan@fagersta.se"]
    assert hassan.channel == "email" and set(hassan.payload) == {"subject", "text"}
    assert hassan.payload["subject"] == "Din rapport ledde till ett beslut: Trygghetsvandring i Brunnsparken"
    assert hassan.payload["text"].startswith("Hej Hassan!\n\nDu rapporterade v. 39–40 om ordningsstörningar")
    assert "Ansvarig: fastighet\nKlart senast: tis 15 dec 2026" in hassan.payload["text"]
    anna = by_email["anna@fagersta.se"]
    assert anna.channel == "teams" and anna.cycle_id == 5
    text = card_text(card_of(anna))
    assert (
        "Din rapport ledde till ett beslut i lokala Brå" in text
        and "Trygghetsvandring i Brunnsparken" in text
    )
    assert "Anna" not in text and "David" not in text, "no names on a card beyond the reader's own report"
    # the same fan-out again queues nothing: one message per decision and reporter
    async with db.session() as s:
        decision = await DecisionRepository(s).get(outcome.decision.id)
        linked = await DecisionRepository(s).linked(decision.id)
        again = feedback_messages(decision, linked, everyone_by_id(everyone), {"1": "Ordningsstörningar"})
        assert await OutboxRepository(s).enqueue(again, now=NOW) == 0


def everyone_by_id(everyone):  # type: ignore[no-untyped-def]
    return {m.id: m for m in everyone.values()}


async def test_a_reporter_linked_by_several_answers_gets_one_message(db: Database) -> None:
    group = await seed_est(db)
    async with db.session(readonly=True) as s:
        picked = [a for c in (4, 5) for a, _m in await DecisionRepository(s).observed_answers(c, "1")]
    outcome = await create_decision(db, given(cycle_id=None, question=None, answer_ids=tuple(picked)), now=NOW,
                                    organisation_id=group.organisation_id)  # fmt: skip
    assert outcome.links == 7 and outcome.reporters == 4 and outcome.feedback == 4
    anna = next(m for m in await outbox(db, MessageKind.FEEDBACK) if m.recipient == "anna@fagersta.se")
    assert "(och 1 rapport till)" in card_text(card_of(anna))


async def test_only_answers_of_the_cycle_and_municipality_can_be_linked(db: Database) -> None:
    group = await seed_est(db)
    others = await ludvika(db)
    async with db.session(readonly=True) as s:
        q4 = [a for a, _m in await DecisionRepository(s).observed_answers(5, "4")]
    with pytest.raises(InputError, match="hör inte till cykel 5, fråga 1"):
        await create_decision(db, given(answer_ids=tuple(q4)), now=NOW, organisation_id=group.organisation_id)
    with pytest.raises(InputError, match="Svar 99999 finns inte"):
        await create_decision(db, given(answer_ids=(99999,)), now=NOW, organisation_id=group.organisation_id)
    with pytest.raises(InputError, match="^Cykel 5 hör inte till Ludvika kommun$"):
        await create_decision(db, given(), now=NOW, by=others["lena@ludvika.se"])
    with pytest.raises(InputError, match="Fråga 9 finns inte"):
        await create_decision(db, given(question="9"), now=NOW)
    with pytest.raises(InputError, match="Ingen medlem i kommunen har e-postadressen karin@ludvika.se"):
        await create_decision(db, given(owner="karin@ludvika.se"), now=NOW)
    assert await outbox(db) == []


async def test_only_bra_members_decide_and_others_are_told_politely(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await seed_est(db)
    everyone = await members(db)
    for who in ("anna@fagersta.se", "cecilia@fagersta.se"):
        with caplog.at_level(logging.WARNING), pytest.raises(PermissionRefused) as caught:
            await create_decision(db, given(), now=NOW, by=everyone[who])
        assert str(caught.value).startswith("Det är bara ledamöter i lokala Brå som kan fatta beslut")
        assert f"refused: {who}" in caplog.text
    assert await outbox(db) == []


async def test_follow_up_to_done_tells_the_reporters_the_outcome(db: Database) -> None:
    await seed_est(db)
    everyone = await members(db)
    decision = (await create_decision(db, given(), now=NOW, by=everyone["ingrid@fagersta.se"])).decision
    with pytest.raises(PermissionRefused, match="Det är bara den som är ansvarig för beslutet"):
        await update_status(db, decision.id, "pågår", "", by=everyone["bo@fagersta.se"], now=NOW)
    started = await update_status(
        db, decision.id, "pågår", "Datum bokat.", by=everyone["anna@fagersta.se"], now=NOW
    )
    assert started.decision.status is DecisionStatus.PAGAR and started.outcome == 0
    later = NOW + dt.timedelta(days=14)
    done = await update_status(db, decision.id, DecisionStatus.KLAR, "Vandringen gjordes 3 december; två lampor byts.",
                               by=everyone["cecilia@fagersta.se"], now=later)  # fmt: skip
    assert done.previous is DecisionStatus.PAGAR and done.outcome == 4
    assert [n.status for n in done.decision.history] == [
        DecisionStatus.BESLUTAD,
        DecisionStatus.PAGAR,
        DecisionStatus.KLAR,
    ]
    assert done.decision.closed_at == later and done.decision.history[1].by_name == "Anna Andersson"
    outcomes = [m for m in await outbox(db, MessageKind.FEEDBACK) if m.created_at == later]
    assert sorted(m.recipient for m in outcomes) == sorted(Q1_CYCLE5)
    hassan = next(m for m in outcomes if m.recipient == "hassan@fagersta.se")
    assert hassan.payload["subject"] == "Beslutet är genomfört: Trygghetsvandring i Brunnsparken"
    assert "Kommentar: Vandringen gjordes 3 december; två lampor byts." in hassan.payload["text"]
    with pytest.raises(InputError, match="redan avslutat"):
        await update_status(db, decision.id, "avbruten", "", by=None, now=later)


async def test_a_root_cause_analysis_needs_its_result_which_reaches_the_reporters(db: Database) -> None:
    await seed_est(db)
    everyone = await members(db)
    analysis = (
        await create_decision(db, given(kind="orsaksanalys", title="Orsaksanalys: oro kring Brunnsparken",
                                        owner="cecilia@fagersta.se"), now=NOW, by=everyone["ingrid@fagersta.se"])
    ).decision  # fmt: skip
    assert analysis.owner_name == "Cecilia Carlsson (skola)" and analysis.decided_by_name == "Ingrid Isaksson"
    with pytest.raises(InputError, match="Skriv resultatet av orsaksanalysen"):
        await update_status(db, analysis.id, "klar", " ", by=everyone["cecilia@fagersta.se"], now=NOW)
    result = "Oron hänger ihop med samlingsplatsen vid kiosken efter 22; fältare där fredagar."
    done = await update_status(db, analysis.id, "klar", result, by=everyone["cecilia@fagersta.se"], now=NOW)
    assert done.decision.result == result and done.outcome == 4
    hassan = [m for m in await outbox(db, MessageKind.FEEDBACK) if m.recipient == "hassan@fagersta.se"][-1]
    assert hassan.payload["subject"].startswith("Beslutet är genomfört")
    assert "Orsaksanalysen som byggde på din rapport är klar." in hassan.payload["text"]
    assert f"Resultat: {result}" in hassan.payload["text"]
    channel = ChannelAddress("19:est@thread.tacv2", "https://smba.example/", "tenant")
    [post] = await decision_card_messages(db, analysis.id, [channel], today=NOW.date())
    assert post.kind is MessageKind.DECISION and post.conversation_id == "19:est@thread.tacv2"
    assert "Resultat av orsaksanalysen" in card_text(card_of(post)) and result in card_text(card_of(post))


async def test_two_people_closing_at_once_close_it_once(db: Database) -> None:
    await seed_est(db)
    everyone = await members(db)
    decision = (await create_decision(db, given(), now=NOW)).decision
    results = await asyncio.gather(
        update_status(db, decision.id, "klar", "Gjort.", by=everyone["cecilia@fagersta.se"], now=NOW),
        update_status(db, decision.id, "avbruten", "Stoppat.", by=everyone["eva@fagersta.se"], now=NOW),
        return_exceptions=True,
    )
    done = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(done) == 1 and len(refused) == 1
    assert isinstance(refused[0], ConflictError | InputError), refused
    assert len([m for m in await outbox(db, MessageKind.FEEDBACK) if "Beslutet" in m.text]) == 4


async def test_owners_are_reminded_before_the_due_date_and_when_it_has_passed(db: Database) -> None:
    await seed_est(db)
    due = dt.date(2026, 12, 15)
    await create_decision(db, given(owner="eva@fagersta.se", due=due), now=NOW)
    await create_decision(
        db, given(owner="hassan@fagersta.se", due=due, title="Belysning vid Torget"), now=NOW
    )
    await create_decision(db, given(owner="fastighet", due=due, title="Städning i parken"), now=NOW)
    assert await enqueue_decision_reminders(db, at(due - dt.timedelta(days=8))) == 0
    assert await enqueue_decision_reminders(db, at(due - dt.timedelta(days=7))) == 4
    assert await enqueue_decision_reminders(db, at(due - dt.timedelta(days=2))) == 0, "each reminder once"
    reminders = await outbox(db, MessageKind.REMINDER)
    assert sorted(m.recipient for m in reminders) == ["cecilia@fagersta.se", "eva@fagersta.se", "eva@fagersta.se",
                                                      "hassan@fagersta.se"]  # fmt: skip
    hassan = next(m for m in reminders if m.recipient == "hassan@fagersta.se")
    assert hassan.payload["subject"] == "Påminnelse om beslut: Belysning vid Torget"
    assert "Meddela samordnaren" in hassan.payload["text"]
    eva = next(m for m in reminders if m.recipient == "eva@fagersta.se" and "Trygghetsvandring" in m.text)
    assert "Påminnelse om beslut" in card_text(card_of(eva)) and "Ny status" in card_text(card_of(eva))
    assert await enqueue_decision_reminders(db, at(due)) == 0, "due today is not late"
    assert await enqueue_decision_reminders(db, at(due + dt.timedelta(days=1))) == 4
    late = [m for m in await outbox(db, MessageKind.REMINDER) if m.text.startswith("Försenat beslut")]
    assert len(late) == 4


async def test_coordinator_and_deputy_get_one_summary_per_meeting(db: Database) -> None:
    await seed_est(db)
    first = await create_decision(db, given(), now=NOW)
    await create_decision(db, given(title="Belysning vid Torget", owner="eva@fagersta.se"), now=NOW)
    assert await enqueue_meeting_summaries(db, NOW + dt.timedelta(hours=1)) == 0, "the meeting may go on"
    assert await enqueue_meeting_summaries(db, NOW + dt.timedelta(hours=2)) == 2
    assert await enqueue_meeting_summaries(db, NOW + dt.timedelta(hours=5)) == 0
    summaries = await outbox(db, MessageKind.SUMMARY)
    assert all("Återkoppling från Brå" in m.text for m in summaries)
    assert sorted(m.recipient for m in summaries) == ["cecilia@fagersta.se", "eva@fagersta.se"]
    text = card_or_text(summaries[0])
    assert "Lokala Brå fattade 2 beslut den tors 19 nov 2026" in text
    assert (
        "• Trygghetsvandring i Brunnsparken (åtgärd)\n  Ansvarig: fastighet · senast tis 15 dec 2026" in text
    )
    assert "Bygger på: v. 39–40, Fråga 1 – 4 rapporter från fastighet" in text
    later = NOW + dt.timedelta(hours=6)
    await create_decision(db, given(title="Information till boende", kind="information"), now=later)
    assert await enqueue_meeting_summaries(db, later + dt.timedelta(hours=2)) == 2, "an updated summary"
    assert first.decision.meeting_date == MEETING


def card_or_text(message):  # type: ignore[no-untyped-def]
    return message.payload.get("text") or ""


async def test_the_decision_card_is_posted_in_the_group_and_bra_channels(db: Database) -> None:
    group = await seed_est(db)
    async with db.session() as s:
        for channel_id, purpose, group_id in (
            ("19:est@thread", "group", group.id),
            ("19:bra@thread", "bra", None),
        ):
            await TeamsRepository(s).link_channel(
                LinkedChannel(channel_id, group.organisation_id, purpose, group_id, "https://smba.example/", "t1"),
                team_id=None, by=None, now=NOW,
            )  # fmt: skip
    decision = (await create_decision(db, given(), now=NOW)).decision
    assert await post_decision(db, decision.id, now=NOW) == 2
    assert await post_decision(db, decision.id, now=NOW) == 0
    posts = await outbox(db, MessageKind.DECISION)
    assert sorted(p.recipient for p in posts) == ["19:bra@thread", "19:est@thread"]
    text = card_text(card_of(posts[0]))
    assert (
        "Bygger på: v. 39–40, Fråga 1 – 4 rapporter från fastighet, fältassistent, polis och räddningstjänst"
        in text
    )
    for name in ("Anna", "David", "Gun", "Hassan"):
        assert name not in text
    await update_status(db, decision.id, "klar", "Gjort.", by=None, now=NOW)
    assert await post_decision(db, decision.id, now=NOW) == 2, "the group also sees it done"


async def test_receipts_and_chat_replies_find_their_decisions(db: Database) -> None:
    await seed_est(db)
    everyone = await members(db)
    decision = (await create_decision(db, given(owner="eva@fagersta.se"), now=NOW)).decision
    assert await led_to(db, everyone["anna@fagersta.se"].id, 5) == [
        "Ledde till: Trygghetsvandring i Brunnsparken (beslutad)"
    ]
    assert await led_to(db, everyone["bo@fagersta.se"].id, 5) == []
    reply = parse_status_reply("klar: vandringen gjord")
    assert reply is not None
    assert (await decision_for_reply(db, everyone["eva@fagersta.se"], reply)).id == decision.id
    with pytest.raises(InputError, match="inte ansvarig för något öppet beslut"):
        await decision_for_reply(db, everyone["bo@fagersta.se"], reply)
    await create_decision(db, given(owner="eva@fagersta.se", title="Belysning"), now=NOW)
    with pytest.raises(InputError, match="flera öppna beslut"):
        await decision_for_reply(db, everyone["eva@fagersta.se"], reply)


async def test_the_forms_the_bot_answers_with(db: Database) -> None:
    group = await seed_est(db)
    everyone = await members(db)
    from lagesbild.operations.assessment import set_assessment

    outcome = await set_assessment(db, cycle_id=6, question="1", level="red", comment="Lyfts.", now=NOW)
    assert outcome.escalation is not None
    form = await decision_form(db, organisation_id=group.organisation_id, today=NOW.date(),
                               escalation_id=outcome.escalation.id)  # fmt: skip
    assert form["body"][0]["text"] == "Besluta: Fråga 1, Ordningsstörningar och otrygghet"
    action = next(a for a in form["body"][-1]["actions"] if a["verb"] == "bra.decide")
    assert action["data"] == {"escalation": outcome.escalation.id, "cycle": 6, "question": "1"}
    mention = await decision_form(db, organisation_id=group.organisation_id, today=NOW.date())
    link = next(b for b in mention["body"] if b.get("id") == "decision_link")
    assert link["choices"][0] == {"title": "EST v. 41–42, Fråga 1 – lyft (rött)", "value": "6:1"}
    decision = (await create_decision(db, given(), now=NOW)).decision
    card = await followup_form(db, decision.id, member=everyone["anna@fagersta.se"], today=NOW.date())
    assert "Ny status" in card_text(card)
    with pytest.raises(PermissionRefused):
        await followup_form(db, decision.id, member=everyone["bo@fagersta.se"], today=NOW.date())
    assert [d.id for d in await list_decisions(db, group.organisation_id, open_only=True)] == [decision.id]
