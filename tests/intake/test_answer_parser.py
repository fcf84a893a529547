"""How reporters really write answers, and what must come out under which question."""

from __future__ import annotations

from typing import Any

import pytest

from intake.answer_parser import parse_answers, to_report
from reporting.questionnaire import load_preset

FAGERSTA = load_preset("est-fagersta")
LUDVIKA = load_preset("fas-ludvika")


def report(text: str, questionnaire: Any = FAGERSTA) -> tuple[dict[str, Any], list[dict[str, str]]]:
    return to_report(parse_answers(text, questionnaire), questionnaire)


@pytest.mark.parametrize(
    "heading",
    ["2.", "2)", "2:", "2 -", "Fråga 2", "Fråga 2:", "fråga 2.", "F2", "F2:", "Q2", "Q 2:", "2. Hot och våld:",
     "Hot och våld:", "HOT OCH VALD:", "Hot & våld:", "Våld:", "Fråga 2, Hot och våld:"],
)  # fmt: skip
def test_every_way_of_naming_question_two(heading: str) -> None:
    answers, _ = report(f"1. inget\n{heading} Hot mot personal på biblioteket\n3. inget")
    assert answers["2"]["observations"] == "Hot mot personal på biblioteket", heading
    assert answers["1"]["nothing_to_report"] and answers["3"]["nothing_to_report"]


@pytest.mark.parametrize(
    ("label", "number"),
    [("Ordningsstörningar:", "1"), ("Otrygghet:", "1"), ("Extremism:", "3"), ("Kriminella nätverk:", "3"),
     ("Ungdomar:", "4"), ("Skolan:", "4"), ("Alkohol och narkotika:", "5"), ("Droger:", "5"), ("ANDT:", "5"),
     ("Övrigt:", "6"), ("ovrigt:", "6"), ("Positivt:", "7"), ("Positiva åtgärder eller händelser:", "7")],
)  # fmt: skip
def test_partial_themes_as_headings(label: str, number: str) -> None:
    answers, _ = report(f"{label} Något hände vid stationen")
    field = "comment" if number == "7" else "observations"
    assert answers[number][field] == "Något hände vid stationen", label


def test_the_template_heading_with_its_question_text_is_not_an_answer() -> None:
    text = (
        "Fråga 1, Ordningsstörningar och otrygghet: Vilka ordningsstörningar och händelser som kan skapa "
        "otrygghet i samhället (t. ex. inbrott, buskörning, bränder eller skadegörelse) har förekommit de "
        "senaste två veckorna? Inbrott i förråd\nPåverkan¹: 1–5\n"
    )
    answers, _ = report(text)
    assert answers["1"]["observations"] == "Inbrott i förråd" and answers["1"]["impact"] is None


@pytest.mark.parametrize(
    ("line", "impact", "observations"),
    [
        ("Klotter vid skolan. Påverkan: 4", 4, "Klotter vid skolan."),
        ("Klotter vid skolan, påverkan 4/5", 4, "Klotter vid skolan"),
        ("Klotter vid skolan (4)", 4, "Klotter vid skolan"),
        ("Klotter vid skolan, 4 av 5", 4, "Klotter vid skolan"),
        ("Klotter vid skolan\nP4", 4, "Klotter vid skolan"),
        ("Klotter vid skolan (P4)", 4, "Klotter vid skolan"),
        ("Klotter vid skolan\n4", 4, "Klotter vid skolan"),
        ("Klotter vid skolan\nPåverkan: fyra", 4, "Klotter vid skolan"),
        ("Klotter vid skolan\nPåverkan (1–5): 2", 2, "Klotter vid skolan"),
        ("Bilar står på parkering P4 vid sjukhuset", None, "Bilar står på parkering P4 vid sjukhuset"),
        ("Lyssnade på P4 Dalarna om branden", None, "Lyssnade på P4 Dalarna om branden"),
        ("Inbrott natten till 1/5", None, "Inbrott natten till 1/5"),
        (
            "Påverkan på tryggheten är stor vid stationen",
            None,
            "Påverkan på tryggheten är stor vid stationen",
        ),
        ("Två bränder (2 st) i veckan", None, "Två bränder (2 st) i veckan"),
    ],
)
def test_impact_written_in_many_ways_and_the_traps(line: str, impact: int | None, observations: str) -> None:
    answers, _ = report(f"1. {line}")
    assert (answers["1"]["impact"], answers["1"]["observations"]) == (impact, observations)


def test_unclear_and_impossible_impact_is_warned_about() -> None:
    answers, warnings = report("1. Klotter\nPåverkan: 3-4\n2. Bråk\nPåverkan: 7")
    assert answers["1"]["impact"] == 4 and answers["2"]["impact"] is None
    assert {"code": "impact_unclear", "question": "1", "detail": "3-4"} in warnings
    assert {"code": "impact_out_of_range", "question": "2", "detail": "7"} in warnings


@pytest.mark.parametrize(
    "nothing",
    ["inget", "Inget.", "inget att rapportera", "Inget nytt", "nej", "Nej!", "-", "–", "ingenting", "inga",
     "inget särskilt", "Inget att rapportera denna gång", "inget nytt sedan förra rapporten", "nothing", "x"],
)  # fmt: skip
def test_nothing_to_report(nothing: str) -> None:
    answers, _ = report(f"1. {nothing}\n2. Bråk")
    assert answers["1"] == {"observations": "", "impact": None, "comment": "", "nothing_to_report": True}
    assert not answers["2"]["nothing_to_report"]


def test_inga_followed_by_content_is_an_observation() -> None:
    answers, _ = report("1. Inga bränder men mycket klotter")
    assert answers["1"]["observations"] == "Inga bränder men mycket klotter"
    assert not answers["1"]["nothing_to_report"]


def test_multi_line_answers_bullets_and_comments() -> None:
    answers, _ = report(
        "Ordningsstörningar:\n• Bränd container\n* Krossade rutor\n\nKommentar:\nKameraskyltar uppsatta.\n"
        "Vi följer upp.\n2. inget"
    )
    assert answers["1"]["observations"] == "- Bränd container\n- Krossade rutor"
    assert answers["1"]["comment"] == "Kameraskyltar uppsatta.\nVi följer upp."


def test_traffic_lights_are_hints_not_assessments() -> None:
    answers, warnings = report(
        "1. Klotter\nBedömning: gul, återkommande\n2. Hot mot väktare\nrött\n3. Bråk\n🟢"
    )
    assert warnings == [
        {"code": "assessment_hint", "question": "1", "detail": "yellow"},
        {"code": "assessment_hint", "question": "2", "detail": "red"},
        {"code": "assessment_hint", "question": "3", "detail": "green"},
    ]
    assert answers["1"]["comment"] == "återkommande"
    assert answers["2"]["observations"] == "Hot mot väktare"


def test_times_ordinals_and_dates_do_not_start_questions() -> None:
    answers, _ = report(
        "1. Bråk på torget\n22.30 kom polisen\n1:a advent blir det marknad\n3.30 på natten larm"
    )
    assert answers["1"]["observations"] == (
        "Bråk på torget\n22.30 kom polisen\n1:a advent blir det marknad\n3.30 på natten larm"
    )
    assert set(answers) == {"1"}


def test_a_numbered_list_inside_a_themed_answer_stays_there() -> None:
    answers, _ = report(
        "1. Ordningsstörningar och otrygghet:\n1. Inbrott\n2. Stölder\n2. Hot och våld: inget\n3. Extremism: inget"
    )
    assert answers["1"]["observations"] == "1. Inbrott\n2. Stölder"
    assert answers["2"]["nothing_to_report"]


def test_text_that_maps_to_nothing_goes_to_other_with_a_warning() -> None:
    answers, warnings = report("Hej!\n\nLugnt i området men nedskräpning vid återvinningen.\n\nMvh Stig")
    assert answers == {
        "6": {
            "observations": "Lugnt i området men nedskräpning vid återvinningen.",
            "impact": None,
            "comment": "",
            "nothing_to_report": False,
        }
    }
    assert warnings == [{"code": "unmapped", "question": "6", "detail": "all"}]


def test_unmapped_lead_in_text_is_kept_when_other_answers_map() -> None:
    answers, warnings = report("Överlag lugnare än förra veckan.\n\n2. Hot mot väktare")
    assert answers["6"]["observations"] == "Överlag lugnare än förra veckan."
    assert {"code": "unmapped", "question": "6", "detail": "part"} in warnings


def test_greetings_and_pointers_are_not_unmapped_text() -> None:
    _, warnings = report("Hej Anna!\nHär kommer mina svar.\nSe svar nedan.\n1. inget\nTack!\n/Per")
    assert warnings == []


def test_a_whole_reply_of_nothing_and_the_rest_is_nothing() -> None:
    answers, _ = report("Inget att rapportera denna period.")
    assert sorted(answers) == ["1", "2", "3", "4", "5", "6"] and all(
        a["nothing_to_report"] for a in answers.values()
    )
    answers, _ = report("2. Hot mot väktare\nResten inget att rapportera.")
    assert not answers["2"]["nothing_to_report"]
    assert all(answers[n]["nothing_to_report"] for n in "13456")


def test_personal_data_is_flagged_not_masked() -> None:
    answers, warnings = report("2. Pojke 090315-2387 hotade, ring 070-123 45 67\nKommentar: bil ABC 123")
    assert "090315-2387" in answers["2"]["observations"]
    assert warnings == [
        {"code": "personal_data", "question": "2", "detail": "personnummer"},
        {"code": "personal_data", "question": "2", "detail": "telefon"},
        {"code": "personal_data", "question": "2", "detail": "regnr"},
    ]


def test_question_seven_takes_any_label_as_its_comment() -> None:
    answers, _ = report(
        "7. Positiva åtgärder eller händelser\nSvar: Nattvandring\nKommentar: bra uppslutning"
    )
    assert answers["7"] == {"comment": "Nattvandring\nbra uppslutning"}


def test_places_and_times_only_where_the_template_asks() -> None:
    ludvika, _ = report("1. Bränder\nPlatser och tider: Marnäs, fredagar\nTid: efter 22", LUDVIKA)
    assert ludvika["1"]["places_times"] == "Marnäs, fredagar\nefter 22"
    assert ludvika["1"]["impact"] is None
    fagersta, _ = report("1. Bränder\nPlats: Marnäs")
    assert fagersta["1"]["observations"] == "Bränder\nPlats: Marnäs"
    assert "places_times" not in fagersta["1"]


def test_ludvika_has_no_impact_score_so_a_number_stays_text() -> None:
    answers, _ = report("1. Bränder\nPåverkan: 3", LUDVIKA)
    assert answers["1"]["impact"] is None
    assert "Påverkan: 3" in answers["1"]["observations"]


def test_bold_headings_from_html_mail_are_headings() -> None:
    answers, _ = report("*1. Ordningsstörningar och otrygghet*\nKlotter\n**Hot och våld:** inget")
    assert answers["1"]["observations"] == "Klotter" and answers["2"]["nothing_to_report"]


def test_empty_text() -> None:
    assert report("") == ({}, [])
