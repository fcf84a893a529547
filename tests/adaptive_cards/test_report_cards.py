"""What a reporter notices: the right inputs, prefilled answers, warnings where they belong, the actions, the size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from adaptive_cards.errors import CardTooLarge
from adaptive_cards.report import (
    MAX_CARD_BYTES,
    MAX_OBSERVATIONS,
    VERB_EDIT,
    VERB_NOTHING_THIS_PERIOD,
    VERB_SAVE_DRAFT,
    VERB_SUBMIT,
    card_size,
    report_card,
)
from reporting.model import Answer
from reporting.questionnaire import load_preset
from tests.adaptive_cards.samples import (
    CYCLE,
    DEADLINE,
    FAGERSTA_ANSWERS,
    PERIOD,
    PRIORITIES,
    full_cards,
    sample_cards,
)

INPUT_TYPES = ("Input.Text", "Input.ChoiceSet", "Input.Toggle", "Input.Number", "Input.Date", "Input.Time")


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = [e for e in walk(card) if e.get("type") in INPUT_TYPES]
    ids = [e["id"] for e in found]
    assert len(ids) == len(set(ids)), "duplicate input ids"
    return {e["id"]: e for e in found}


def texts(node: Any) -> list[str]:
    return [e["text"] for e in walk(node) if e.get("type") in ("TextBlock", "TextRun")]


def question_container(card: dict[str, Any], number: str) -> dict[str, Any]:
    for element in card["body"]:
        if element.get("type") == "Container" and any(
            t.startswith(f"{number}. ") for t in texts(element.get("items", [])[:1])
        ):
            return element
    raise AssertionError(f"no question {number}")


def actions(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["verb"]: e for e in walk(card) if e.get("type") == "Action.Execute"}


@pytest.fixture(scope="module")
def cards() -> dict[str, dict[str, Any]]:
    return sample_cards()


def test_fagersta_input_ids_are_exactly_designs(cards: dict[str, dict[str, Any]]) -> None:
    expected = {
        f"q{n}_{field}" for n in range(1, 7) for field in ("observations", "impact", "comment", "nothing")
    }
    expected |= {"q7_comment", "q7_nothing"}
    assert set(inputs(cards["report_fagersta_empty"])) == expected


def test_ludvika_asks_places_and_times_and_has_no_impact_choice(cards: dict[str, dict[str, Any]]) -> None:
    card = cards["report_ludvika_empty"]
    expected = {
        f"q{n}_{field}"
        for n in range(1, 7)
        for field in ("observations", "places_times", "comment", "nothing")
    }
    expected |= {"q7_comment", "q7_nothing"}
    assert set(inputs(card)) == expected
    assert not [e for e in walk(card) if e.get("type") == "Input.ChoiceSet"]
    assert inputs(card)["q1_places_times"]["label"] == "Platser och tider"
    assert inputs(card)["q1_comment"]["label"] == "Kommentar/åtgärd"


def test_impact_is_a_compact_choice_1_to_5_with_the_ends_spelled_out(
    cards: dict[str, dict[str, Any]],
) -> None:
    impact = inputs(cards["report_fagersta_empty"])["q1_impact"]
    assert impact["style"] == "compact"
    assert impact["label"] == "Påverkan"
    assert [c["value"] for c in impact["choices"]] == ["1", "2", "3", "4", "5"]
    assert impact["choices"][0]["title"] == "1 = liten påverkan på tryggheten"
    assert impact["choices"][4]["title"] == "5 = mycket stor påverkan på tryggheten"
    assert "value" not in impact


def test_inputs_have_the_right_kinds(cards: dict[str, dict[str, Any]]) -> None:
    found = inputs(cards["report_fagersta_empty"])
    assert (
        found["q1_observations"]["type"] == "Input.Text" and found["q1_observations"]["isMultiline"] is True
    )
    assert found["q1_comment"]["isMultiline"] is False
    assert found["q7_comment"]["isMultiline"] is True
    toggle = found["q3_nothing"]
    assert (toggle["type"], toggle["title"], toggle["value"]) == (
        "Input.Toggle",
        "Inget att rapportera",
        "false",
    )


def test_header_shows_group_period_deadline_and_confidentiality_verbatim(
    cards: dict[str, dict[str, Any]],
) -> None:
    header = texts(cards["report_fagersta_empty"]["body"][:8])
    assert "Lägesrapport EST Fagersta" in header
    assert "Gäller v. 47–48, 16–29 nov" in header
    assert "Sista dag: tis 24 nov kl. 12.00" in header
    confidentiality = load_preset("est-fagersta").confidentiality.sv
    assert confidentiality in header


def test_priorities_show_only_when_there_are_some(cards: dict[str, dict[str, Any]]) -> None:
    filled = texts(cards["report_fagersta_filled"])
    assert "Lokala Brå prioriterar just nu:" in filled
    assert "• Buskörning med moped i centrum" in filled
    assert not [t for t in texts(cards["report_fagersta_empty"]) if "prioriterar" in t]
    empty_list = report_card(
        load_preset("est-fagersta"),
        group_name="EST",
        deadline=DEADLINE,
        cycle_id=CYCLE,
        priorities=[],
        **PERIOD,
    )
    assert not [t for t in texts(empty_list) if "prioriterar" in t]


def test_existing_answers_prefill_the_inputs(cards: dict[str, dict[str, Any]]) -> None:
    found = inputs(cards["report_fagersta_filled"])
    assert found["q1_observations"]["value"] == FAGERSTA_ANSWERS["1"].observations
    assert found["q1_impact"]["value"] == "3"
    assert found["q1_comment"]["value"] == "Fastighet har sanerat, polisen är informerad."
    assert found["q3_nothing"]["value"] == "true"
    assert found["q1_nothing"]["value"] == "false"
    assert found["q7_comment"]["value"] == FAGERSTA_ANSWERS["7"].comment
    assert "value" not in found["q3_observations"]
    ludvika = inputs(cards["report_ludvika_filled"])
    assert ludvika["q1_places_times"]["value"] == "Folkets park, fredag–lördag efter 22"
    assert ludvika["q1_observations"]["value"] == "Bränder i papperskorgar.\nSkadegörelse på busskurer."


def test_personal_data_warning_is_shown_on_the_right_question(cards: dict[str, dict[str, Any]]) -> None:
    card = cards["report_fagersta_filled"]
    line = "Det ser ut som ett personnummer. Ta bort det, eller bekräfta att det ska med."
    assert line in texts(question_container(card, "2"))
    for other in ("1", "3", "7"):
        assert line not in texts(question_container(card, other))
    assert set(inputs(question_container(card, "2"))) >= {"q2_confirm_personal_data"}
    assert inputs(card)["q2_confirm_personal_data"]["value"] == "false"
    assert [i for i in inputs(card) if i.endswith("_confirm_personal_data")] == ["q2_confirm_personal_data"]
    assert "Se över fråga 2 innan du skickar in." in texts(card["body"][:6])
    ludvika = cards["report_ludvika_filled"]
    assert "Det ser ut som ett telefonnummer. Ta bort det, eller bekräfta att det ska med." in texts(
        question_container(ludvika, "5")
    )


def test_warnings_on_several_questions_are_summed_up_at_the_top() -> None:
    warnings = [
        {"code": "personal_data", "question": q, "detail": d}
        for q, d in (("4", "e-post"), ("1", "personnummer"), ("4", "telefon"))
    ]
    card = report_card(
        load_preset("est-fagersta"),
        group_name="EST",
        deadline=DEADLINE,
        cycle_id=CYCLE,
        warnings=warnings,
        **PERIOD,
    )
    assert "Se över fråga 1 och 4 innan du skickar in." in texts(card)
    q4 = texts(question_container(card, "4"))
    assert any(t.startswith("Det ser ut som en e-postadress.") for t in q4)
    assert any(t.startswith("Det ser ut som ett telefonnummer.") for t in q4)
    assert len([i for i in inputs(card) if i.endswith("_confirm_personal_data")]) == 2


def test_report_actions_carry_the_cycle(cards: dict[str, dict[str, Any]]) -> None:
    found = actions(cards["report_fagersta_empty"])
    assert set(found) == {VERB_SUBMIT, VERB_SAVE_DRAFT, VERB_NOTHING_THIS_PERIOD}
    assert {verb: a["title"] for verb, a in found.items()} == {
        "report.submit": "Skicka in",
        "report.save_draft": "Spara utkast",
        "report.nothing_this_period": "Inget att rapportera den här perioden",
    }
    for action in found.values():
        assert action["data"] == {"cycle": CYCLE}
    assert found[VERB_NOTHING_THIS_PERIOD]["associatedInputs"] == "none"
    assert found[VERB_SUBMIT].get("associatedInputs", "auto") == "auto"
    assert "refresh" not in cards["report_fagersta_empty"]


def test_nothing_this_period_is_reachable_without_scrolling(cards: dict[str, dict[str, Any]]) -> None:
    body = cards["report_fagersta_empty"]["body"]
    position = next(i for i, e in enumerate(body) if e.get("type") == "ActionSet")
    first_question = next(
        i for i, e in enumerate(body) if e.get("type") == "Container" and e.get("separator")
    )
    assert position < first_question


def test_draft_saved_card_says_so(cards: dict[str, dict[str, Any]]) -> None:
    assert "Utkast sparat kl. 16.05" in texts(cards["report_fagersta_draft_saved"]["body"][:5])
    assert not [t for t in texts(cards["report_fagersta_filled"]) if t.startswith("Utkast sparat")]


def test_receipt_lists_the_answers_and_offers_edit_while_open(cards: dict[str, dict[str, Any]]) -> None:
    card = cards["receipt_fagersta_open"]
    shown = texts(card)
    assert shown[0] == "Tack! Inskickad tis 24 nov kl. 10.42"
    assert "1. Ordningsstörningar och otrygghet" in shown
    assert FAGERSTA_ANSWERS["1"].observations in shown
    assert "Påverkan 3" in shown
    assert "Kommentar: " in shown and "Fastighet har sanerat, polisen är informerad." in shown
    assert shown.count(" – Inget att rapportera") == 3
    assert "3. Extremism och kriminella nätverk" in shown
    assert "Du kan ändra dina svar till och med tis 24 nov kl. 12.00." in shown
    edit = actions(card)
    assert list(edit) == [VERB_EDIT]
    assert edit[VERB_EDIT]["title"] == "Ändra" and edit[VERB_EDIT]["data"] == {"cycle": CYCLE}
    assert not inputs(card)


def test_closed_receipt_has_no_edit_and_says_the_period_is_closed(cards: dict[str, dict[str, Any]]) -> None:
    card = cards["receipt_fagersta_closed"]
    assert not actions(card)
    assert not card.get("actions")
    assert "Perioden v. 47–48 är stängd. Svaren kan inte ändras längre." in texts(card)


def test_receipt_of_a_ludvika_report_shows_places_and_times(cards: dict[str, dict[str, Any]]) -> None:
    shown = texts(cards["receipt_ludvika_open"])
    assert "Platser och tider: " in shown and "Folkets park, fredag–lördag efter 22" in shown
    assert "Kommentar/åtgärd: " in shown
    assert not [t for t in shown if t.startswith("Påverkan")]


def test_receipt_of_a_quiet_period_is_one_line(cards: dict[str, dict[str, Any]]) -> None:
    shown = texts(cards["receipt_fagersta_nothing"])
    assert "Inget att rapportera den här perioden" in shown
    assert not [t for t in shown if t.startswith("1. ")]


def test_closed_card_names_the_period(cards: dict[str, dict[str, Any]]) -> None:
    card = cards["closed_fagersta"]
    assert texts(card)[0] == "Perioden v. 47–48 är stängd"
    assert not actions(card) and not inputs(card)


def test_english_card_has_english_texts_and_the_same_inputs(cards: dict[str, dict[str, Any]]) -> None:
    english, swedish = cards["report_fagersta_en"], cards["report_fagersta_filled"]
    assert set(inputs(english)) == set(inputs(swedish))
    shown = texts(english)
    assert "Deadline: Tue 24 Nov at 12:00" in shown
    assert "1. Public disorder and insecurity" in shown
    assert {a["title"] for a in actions(english).values()} == {
        "Submit",
        "Save draft",
        "Nothing to report this period",
    }
    assert english["lang"] == "en"


@pytest.mark.parametrize("name", sorted(full_cards()))
def test_largest_cards_stay_under_28_kb(name: str) -> None:
    card = full_cards()[name]
    assert card_size(card) < MAX_CARD_BYTES == 28 * 1024


def test_every_sample_is_under_28_kb(cards: dict[str, dict[str, Any]]) -> None:
    assert max(card_size(c) for c in cards.values()) < MAX_CARD_BYTES


def test_a_longer_answer_than_the_input_allows_is_not_cut_when_edited() -> None:
    long = "Klotter " * 150
    assert len(long) > MAX_OBSERVATIONS
    card = report_card(
        load_preset("est-fagersta"),
        group_name="EST",
        deadline=DEADLINE,
        cycle_id=CYCLE,
        answers={"1": Answer("1", observations=long)},
        **PERIOD,
    )
    field = inputs(card)["q1_observations"]
    assert field["value"] == long and field["maxLength"] == len(long)
    assert inputs(card)["q2_observations"]["maxLength"] == MAX_OBSERVATIONS


def test_a_card_too_large_for_teams_raises_instead_of_being_sent() -> None:
    huge = {str(n): Answer(str(n), observations="ö" * 4000) for n in range(1, 7)}
    with pytest.raises(CardTooLarge) as raised:
        report_card(
            load_preset("est-fagersta"),
            group_name="EST",
            deadline=DEADLINE,
            cycle_id=CYCLE,
            answers=huge,
            **PERIOD,
        )
    assert raised.value.size > raised.value.limit == MAX_CARD_BYTES


def test_cards_are_plain_json_data(cards: dict[str, dict[str, Any]]) -> None:
    for card in cards.values():
        for element in walk(card):
            for value in element.values():
                assert isinstance(value, str | int | bool | list | dict), type(value)
            assert not any(isinstance(v, str) and "${" in v for v in element.values())
        assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"


def test_period_across_months_and_a_single_week() -> None:
    card = report_card(
        load_preset("fas-ludvika"),
        group_name="FAS",
        period_from=dt.date(2026, 11, 30),
        period_to=dt.date(2026, 12, 6),
        deadline=dt.datetime(2026, 12, 8, 15, 0),
        cycle_id=3,
    )
    assert "Gäller v. 49, 30 nov–6 dec" in texts(card)
    assert "Sista dag: tis 8 dec kl. 15.00" in texts(card)
    assert PRIORITIES[0] not in " ".join(texts(card))


def test_a_warning_for_no_known_question_is_shown_at_the_top() -> None:
    card = report_card(
        load_preset("est-fagersta"),
        group_name="EST",
        deadline=DEADLINE,
        cycle_id=CYCLE,
        warnings=[{"code": "personal_data", "question": "9", "detail": "regnr"}],
        **PERIOD,
    )
    line = "Det ser ut som ett registreringsnummer. Ta bort det, eller bekräfta att det ska med."
    top = [e for e in card["body"] if not (e.get("type") == "Container" and e.get("separator"))]
    assert line in texts(top)
    assert not [i for i in inputs(card) if i.endswith("_confirm_personal_data")]
