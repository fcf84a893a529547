"""The reporter's path in Teams through the real handler, storage on both backends."""

from __future__ import annotations

from typing import Any

from adaptive_cards.report import VERB_EDIT, VERB_NOTHING_THIS_PERIOD, VERB_SAVE_DRAFT, VERB_SUBMIT
from bot.handler import LagesbildBot
from reporting.model import SubmissionState
from storage.database import Database
from storage.repositories import MemberRepository, OutboxRepository, SubmissionRepository
from tests.conftest import table_count
from tests.world import TZ, Municipality, TeamsUser, card_text, input_ids, input_values


def three_answers(cycle: int) -> dict[str, Any]:
    data: dict[str, Any] = {"cycle": cycle}
    data.update(
        q1_observations="Klotter och skadegörelse vid Brunnsparken", q1_impact="3", q1_comment="Fredagskvällar",
        q2_observations="Hot mot personal på fritidsgården", q2_impact="4",
        q7_comment="Nattvandrarna var ute i helgen",
    )  # fmt: skip
    for n in "3456":
        data[f"q{n}_nothing"] = "true"
    return data


async def submission_of(db: Database, email: str, cycle_id: int):  # type: ignore[no-untyped-def]
    async with db.session(readonly=True) as s:
        member = await MemberRepository(s).by_email(1, email)
        return await SubmissionRepository(s).find(cycle_id, member.id)


async def test_report_command_sends_the_card_with_designs_input_ids(
    anna: TeamsUser, municipality: Municipality
) -> None:
    [reply] = await anna.say("rapportera")
    card = reply.attachments[0].content
    ids = input_ids(card)
    for n in "123456":
        assert {f"q{n}_observations", f"q{n}_impact", f"q{n}_comment"} <= set(ids)
    assert "q7_comment" in ids and "q7_observations" not in ids and "q7_impact" not in ids
    text = card_text(card)
    assert "Lägesrapport EST" in text
    assert "Uppgifter som ni bedömer lyder under sekretess och individuppgifter ska inte tas med" in text


async def test_submit_replaces_the_card_with_a_receipt_and_stores_the_report(
    anna: TeamsUser, municipality: Municipality, db: Database
) -> None:
    card = await anna.press(VERB_SUBMIT, three_answers(municipality.cycle.id))
    text = card_text(card)
    assert text.startswith("Tack! Inskickad ")
    assert "Klotter och skadegörelse vid Brunnsparken" in text and "Påverkan 3" in text
    assert VERB_EDIT in str(card), "the receipt offers Ändra while the cycle is open"
    stored = await submission_of(db, "anna@fagersta.se", municipality.cycle.id)
    assert stored.state is SubmissionState.SUBMITTED
    assert sorted(stored.answers) == ["1", "2", "3", "4", "5", "6", "7"]
    assert stored.answers["2"].impact == 4 and stored.answers["4"].nothing_to_report
    assert stored.answers["7"].comment == "Nattvandrarna var ute i helgen"

    edit = await anna.press(VERB_EDIT, {"cycle": municipality.cycle.id})
    assert input_values(edit)["q1_observations"] == "Klotter och skadegörelse vid Brunnsparken"
    changed = three_answers(municipality.cycle.id) | {"q1_impact": "5"}
    await anna.press(VERB_SUBMIT, changed)
    stored = await submission_of(db, "anna@fagersta.se", municipality.cycle.id)
    assert stored.answers["1"].impact == 5 and stored.revision == 2


async def test_one_tap_nothing_to_report(anna: TeamsUser, municipality: Municipality, db: Database) -> None:
    card = await anna.press(VERB_NOTHING_THIS_PERIOD, {"cycle": municipality.cycle.id})
    assert "Inget att rapportera den här perioden" in card_text(card)
    stored = await submission_of(db, "anna@fagersta.se", municipality.cycle.id)
    assert stored.state is SubmissionState.SUBMITTED
    assert all(a.nothing_to_report for a in stored.answers.values()) and len(stored.answers) == 7


async def test_draft_is_kept_but_not_submitted(
    anna: TeamsUser, municipality: Municipality, db: Database
) -> None:
    card = await anna.press(
        VERB_SAVE_DRAFT, {"cycle": municipality.cycle.id, "q1_observations": "Bränder i soprum"}
    )
    assert "Utkast sparat" in card_text(card)
    assert input_values(card)["q1_observations"] == "Bränder i soprum"
    stored = await submission_of(db, "anna@fagersta.se", municipality.cycle.id)
    assert stored.state is SubmissionState.DRAFT


async def test_personal_data_comes_back_flagged_and_is_stored_only_when_confirmed(
    anna: TeamsUser, municipality: Municipality, db: Database
) -> None:
    data = three_answers(municipality.cycle.id) | {"q2_observations": "Hot från boende, ring 070-123 45 67"}
    card = await anna.press(VERB_SUBMIT, data)
    assert "telefonnummer" in card_text(card)
    assert input_values(card)["q2_observations"] == "Hot från boende, ring 070-123 45 67", "answers are kept"
    assert "q2_confirm_personal_data" in input_ids(card)
    assert await submission_of(db, "anna@fagersta.se", municipality.cycle.id) is None
    card = await anna.press(VERB_SUBMIT, data | {"q2_confirm_personal_data": "true"})
    assert card_text(card).startswith("Tack! Inskickad")
    async with db.session(readonly=True) as s:
        sub = await submission_of(db, "anna@fagersta.se", municipality.cycle.id)
        revisions = await SubmissionRepository(s).revisions(sub.id)
    assert revisions[-1]["warnings"] == [{"code": "personal_data", "question": "2", "detail": "telefon"}]


async def test_forged_payloads_are_refused_and_nothing_is_stored(
    anna: TeamsUser, municipality: Municipality, db: Database
) -> None:
    cycle = municipality.cycle.id
    forged = [
        {"cycle": cycle, "q1_impact": "9"},
        {"cycle": cycle, "q1_observations": "x" * 4001},
        {"cycle": cycle, "q9_observations": "?"},
        {"cycle": cycle, "is_admin": "true"},
        {"cycle": cycle, "q1_observations": ["lista"]},
        {"cycle": "elva"},
        {"cycle": 99999, "q1_observations": "fel period"},
    ]
    for data in forged:
        card = await anna.press(VERB_SUBMIT, data)
        assert "Tack!" not in card_text(card), data
    assert await table_count(db, "submissions") == 0


async def test_a_closed_cycle_says_so(anna: TeamsUser, municipality: Municipality, db: Database) -> None:
    import datetime as dt

    from lagesbild.operations.cycles import close_cycle

    await close_cycle(db, municipality.group, now=dt.datetime.now(dt.UTC), tz=TZ)
    card = await anna.press(VERB_SUBMIT, three_answers(municipality.cycle.id))
    assert "är stängd" in card_text(card)
    assert await table_count(db, "submissions") == 0


async def test_unknown_user_is_told_politely_and_the_coordinator_once(
    bot: LagesbildBot, municipality: Municipality, db: Database
) -> None:
    stranger = TeamsUser(bot, user_id="29:stranger", aad_object_id="aad-stranger", name="Sven Okänd")
    [reply] = await stranger.say("hej")
    assert "finns inte med i Lägesbilds medlemslista" in reply.text
    assert "Kontakta Cecilia Carlsson (cecilia@fagersta.se)" in reply.text, "it names who to contact"
    await stranger.say("rapportera")
    async with db.session(readonly=True) as s:
        notices = await OutboxRepository(s).list()
    assert [(m.kind.value, m.recipient) for m in notices] == [("quarantine_notice", "cecilia@fagersta.se")]
    assert "Sven Okänd" in notices[0].text


async def test_chat_commands(anna: TeamsUser, municipality: Municipality, db: Database) -> None:
    [status] = await anna.say("status")
    assert "inte skickat något" in status.text
    [away] = await anna.say("frånvarande till 2099-12-30")
    assert "till och med" in away.text and "2099" in away.text
    async with db.session(readonly=True) as s:
        assert (await MemberRepository(s).by_email(1, "anna@fagersta.se")).away_until is not None
    [back] = await anna.say("tillbaka")
    assert "Välkommen tillbaka" in back.text
    [unknown] = await anna.say("vad gör du?")
    assert "rapportera" in unknown.text and "hjälp" in unknown.text and len(unknown.text.splitlines()) <= 3
    [english] = await anna.say("help")
    assert "frånvarande till" in english.text
    [bad_date] = await anna.say("frånvarande till imorgon")
    assert "2026-12-30" in bad_date.text
