"""The preset questions are the municipal templates' own words (Bilaga 1 and 2 in the seed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reporting.questionnaire import PRESET_NAMES, load_preset

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed"


def seed_lines() -> list[str]:
    files = sorted(SEED.glob("*.txt"))
    assert files, f"the seed report is missing at {SEED}; CI lays shared/ beside the clone"
    return files[0].read_text("utf-8").splitlines()


def template_block(start_marker: str, end_marker: str | None) -> list[str]:
    lines = seed_lines()
    start = lines.index(start_marker)
    end = lines.index(end_marker) if end_marker else len(lines)
    return lines[start:end]


BLOCKS = {
    "est-fagersta": ("Mall för lägesrapportering i Fagersta", "Mall för lägesrapportering i Ludvika"),
    "fas-ludvika": ("Mall för lägesrapportering i Ludvika", None),
}


def footnotes_removed(text: str) -> str:
    return re.sub("[¹²³]", "", text)


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_question_texts_are_the_templates_word_for_word(preset: str) -> None:
    block = [footnotes_removed(line) for line in template_block(*BLOCKS[preset])]
    questionnaire = load_preset(preset)
    assert questionnaire.numbers == ("1", "2", "3", "4", "5", "6", "7")
    for question in questionnaire.questions:
        assert question.heading("sv") in block, question.heading("sv")


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_intro_and_confidentiality_are_the_templates(preset: str) -> None:
    block = template_block(*BLOCKS[preset])
    questionnaire = load_preset(preset)
    assert questionnaire.confidentiality.sv in block
    for paragraph in questionnaire.intro:
        assert paragraph.sv in block


def test_fagersta_scores_impact_on_one_to_six_and_comments_only_on_seven() -> None:
    q = load_preset("est-fagersta")
    assert [x.impact for x in q.questions] == [True] * 6 + [False]
    assert not q.question("7").observations
    assert q.impact_scale is not None and (q.impact_scale.minimum, q.impact_scale.maximum) == (1, 5)
    assert q.comment_label.sv == "Kommentar"
    assert q.default_schedule.cadence_weeks == 2
    assert "de senaste två veckorna" in q.question("1").text.sv


def test_ludvika_asks_places_and_times_and_the_group_assesses() -> None:
    q = load_preset("fas-ludvika")
    assert q.impact_scale is None
    assert [x.places_times for x in q.questions] == [True] * 6 + [False]
    assert q.comment_label.sv == "Kommentar/åtgärd"
    assert q.default_schedule.cadence_weeks == 1 and q.monthly_compile
    labels = [(a.level, a.label.sv) for a in q.assessment_scale]
    assert labels == [("green", "Grönt"), ("yellow", "Gult"), ("red", "Rött")]
    block = template_block(*BLOCKS["fas-ludvika"])
    for level in q.assessment_scale:
        assert f"{level.label.sv}\t{level.definition.sv}" in block


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_every_text_has_an_english_translation(preset: str) -> None:
    q = load_preset(preset)
    for question in q.questions:
        assert question.theme.en and question.text.en
        assert question.heading("en").startswith(f"Question {question.number}, ")
