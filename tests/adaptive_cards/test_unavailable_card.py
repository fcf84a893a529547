"""The card that answers a button while the database is unavailable carries the inputs back."""

from __future__ import annotations

from adaptive_cards.notice import UNAVAILABLE_SAVE, unavailable_card
from adaptive_cards.report import MAX_CARD_BYTES, VERB_SUBMIT, card_size
from reporting.questionnaire import load_preset
from tests.adaptive_cards.samples import full_answers


def _inputs(preset: str) -> dict[str, object]:
    data: dict[str, object] = {"cycle": 12}
    for number, answer in full_answers(load_preset(preset)).items():
        data.update({f"q{number}_observations": answer.observations, f"q{number}_comment": answer.comment,
                     f"q{number}_places_times": answer.places_times, f"q{number}_impact": str(answer.impact)})  # fmt: skip
    return data


def test_with_every_input_full_the_retry_sends_the_same_inputs_again() -> None:
    for preset in ("est-fagersta", "fas-ludvika"):
        data = _inputs(preset)
        card = unavailable_card(VERB_SUBMIT, data)
        assert card["body"][0]["text"] == UNAVAILABLE_SAVE
        assert UNAVAILABLE_SAVE == "Det gick inte att spara just nu – försök igen om en stund."
        [retry] = card["actions"]
        assert (retry["type"], retry["title"], retry["verb"], retry["data"]) == (
            "Action.Execute", "Försök igen", VERB_SUBMIT, data
        )  # fmt: skip
        assert card_size(card) < MAX_CARD_BYTES


def test_inputs_too_long_to_carry_leave_the_sentence_without_the_button() -> None:
    card = unavailable_card(VERB_SUBMIT, {"cycle": 12, "q1_observations": "x" * MAX_CARD_BYTES})
    assert card["actions"] == [] and card_size(card) < MAX_CARD_BYTES
    assert card["body"][0]["text"] == UNAVAILABLE_SAVE
