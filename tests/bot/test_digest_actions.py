"""The meeting from the digest card: the coordinator sets the assessment; red escalates;
anyone else is told politely that only the coordinator can."""

from __future__ import annotations

import datetime as dt

from adaptive_cards.report import VERB_SUBMIT
from bot.handler import LagesbildBot
from lagesbild.operations.assessment import escalations_to_send
from lagesbild.operations.cycles import close_cycle
from lagesbild.operations.digest import digest_for_cycle
from reporting.digest.assessment import VERB_ASSESS, VERB_ESCALATE
from storage.database import Database
from tests.world import TZ, Municipality, TeamsUser, card_text, input_ids


async def closed_with_a_report(anna: TeamsUser, municipality: Municipality, db: Database) -> None:
    await anna.press(VERB_SUBMIT, {"cycle": municipality.cycle.id, "q1_observations": "Bränder i soprum på Östermalm",
                                   "q1_impact": "4", "q7_comment": "Nattvandring"})  # fmt: skip
    await close_cycle(db, municipality.group, now=dt.datetime.now(dt.UTC), tz=TZ)
    await digest_for_cycle(db, municipality.cycle.id, now=dt.datetime.now(dt.UTC))


async def test_the_coordinator_sets_red_and_it_escalates(
    anna: TeamsUser, bot: LagesbildBot, municipality: Municipality, db: Database
) -> None:
    await closed_with_a_report(anna, municipality, db)
    cecilia = TeamsUser(bot, user_id="29:cecilia", aad_object_id="aad-cecilia", name="Cecilia Carlsson")
    cycle = municipality.cycle.id
    card = await cecilia.press(VERB_ASSESS, {"cycle": cycle, "question": "1", "assess_q1_level": "red",
                                             "assess_q1_comment": "Lyfts till Brå: återkommande bränder"})  # fmt: skip
    assert "assess_q1_level" in input_ids(card), "the card with question 1's form comes back"
    assert "Lyfts till Brå: återkommande bränder" in str(card)
    [escalation] = await escalations_to_send(db)
    assert (escalation.question, escalation.level) == ("1", "red")

    card = await cecilia.press(VERB_ASSESS, {"cycle": cycle, "question": "2", "assess_q2_level": "yellow"})
    card = await cecilia.press(VERB_ESCALATE, {"cycle": cycle, "question": "2"})
    assert {e.question for e in await escalations_to_send(db)} == {"1", "2"}


async def test_a_reporter_is_told_only_the_coordinator_can(
    anna: TeamsUser, municipality: Municipality, db: Database
) -> None:
    await closed_with_a_report(anna, municipality, db)
    card = await anna.press(
        VERB_ASSESS, {"cycle": municipality.cycle.id, "question": "1", "assess_q1_level": "red"}
    )
    assert "samordnare" in card_text(card).lower()
    assert await escalations_to_send(db) == []


async def test_the_coordinator_closes_the_period_from_the_chat_and_asks_for_the_digest(
    anna: TeamsUser, bot: LagesbildBot, municipality: Municipality, db: Database
) -> None:
    await anna.press(VERB_SUBMIT, {"cycle": municipality.cycle.id, "q1_observations": "Klotter vid torget"})
    [refused] = await anna.say("stäng")
    assert "samordnaren" in refused.text
    closed: list[int] = []

    async def after_close(cycle) -> None:  # type: ignore[no-untyped-def]
        closed.append(cycle.id)

    bot.services.after_close = after_close
    cecilia = TeamsUser(bot, user_id="29:cecilia", aad_object_id="aad-cecilia", name="Cecilia Carlsson")
    [done] = await cecilia.say("stäng")
    assert "är stängd" in done.text and closed == [municipality.cycle.id]
    replies = await cecilia.say("sammanställning")
    assert replies and all(r.attachments for r in replies)
    assert "Klotter vid torget" in str(replies[-1].attachments[0].content) or any(
        "Klotter vid torget" in str(r.attachments[0].content) for r in replies
    )
    [help_text] = await cecilia.say("hjälp")
    assert "stäng" in help_text.text
