"""Every raw email fixture through the whole parse path, against what a reader of the email expects.

The table says, per fixture, what a coordinator reading the email would put under each
question. ``answers`` lists only the fields that matter for that email; a question
missing from ``answers`` but named in ``absent`` must not be in the result at all
(the reporter did not answer it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from intake.parse import parse_email
from reporting.questionnaire import load_preset

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "email"
ALL = sorted(p.stem for p in FIXTURES.glob("*.eml"))
FAGERSTA = load_preset("est-fagersta")
LUDVIKA = load_preset("fas-ludvika")

NOTHING = {"observations": "", "nothing_to_report": True}


def obs(text: str, impact: int | None = None, comment: str = "") -> dict[str, Any]:
    return {"observations": text, "impact": impact, "comment": comment, "nothing_to_report": False}


EXPECTED: dict[str, dict[str, Any]] = {
    "outlook_sv_above_quote": {
        "answers": {
            "1": obs(
                "Buskörning med mopeder på skolgården vid Västanfors skola, flera kvällar efter kl. 21.",
                3,
                "Polisen är informerad.",
            ),
            "2": NOTHING,
            "3": obs("Nya klistermärken vid busstationen, samma som i v. 45.", 2),
            "4": NOTHING,
            "5": obs("Fimpar och snusdosor vid lekplatsen på Risbroleden.", 1),
            "6": NOTHING,
            "7": {"comment": "Ny belysning vid gångtunneln är uppsatt och fungerar."},
        },
        "warnings": [],
    },
    "outlook_en_above_quote": {
        "answers": {
            "1": NOTHING,
            "2": obs("En ur personalen på fritidsgården hotades i fredags kväll.", 3),
            "3": obs("Klotter med gängsymboler på gavlen vid Brunnsparken", 4),
            "4": NOTHING,
            "7": {"comment": "Nattvandrarna var ute i lördags, lugnt i centrum."},
        },
    },
    "outlook_sv_inline_answers": {
        "answers": {
            "1": obs("Inbrott i två förråd på Norra Hagaberg under helgen.", 4),
            "2": NOTHING,
            "4": obs(
                "Bråk mellan två grupper utanför Fagersta fritidsgård på fredagskvällen.\nPersonalen ringde polis.",
                3,
                "Återkommande sedan oktober.",
            ),
        },
        "absent": ["3", "5", "6", "7"],
        "warnings": [],
    },
    "outlook_inline_tagged": {
        "answers": {
            "4": {
                "observations": "Elever från åk 8 har filmat och spridit bilder på en kamrat. Skolan har anmält."
            },
            "7": {"comment": "Föräldramöte om nätet hade 60 deltagare."},
        },
        "absent": ["1", "2", "3", "5", "6"],
    },
    "outlook_html_only_inline": {
        "answers": {
            "1": obs("Skadegörelse på busskuren vid Ekbacken, glasrutor krossade två gånger.", 2),
            "2": NOTHING,
            "5": obs("Langning av alkohol till minderåriga vid Stationsgatan på fredagar.", 3),
        },
        "absent": ["3", "4", "6", "7"],
    },
    "owa_sv": {
        "answers": {
            "1": NOTHING,
            "2": obs("En väktare hotades med kniv vid Coop på lördagskvällen, polisanmält.", 4),
            "6": {
                "observations": "Rykten på sociala medier om ett slagsmål efter fotbollsmatchen, vi vet inte om det stämmer."
            },
            "7": {"comment": "Fältarna har varit ute varje helg."},
        },
        "warnings": [],
    },
    "owa_en_html_only": {
        "answers": {
            "1": NOTHING,
            "3": obs("Stickers from a nationalist group on lamp posts along Vasagatan.", 2),
            "5": obs("Sales of snus to young people outside the petrol station", 3),
            "7": {"comment": "The youth centre had an open evening with the police."},
        },
    },
    "outlook_mobile_sv": {
        "answers": {
            "1": obs("Bränder i papperskorgar vid Vallbyskolan två kvällar.", 3),
            "4": obs("Samma som F1, elever från högstadiet misstänks."),
            "7": {"comment": ""},
        },
    },
    "gmail_sv_above_quote": {
        "answers": {
            "2": obs("En elev knuffade en lärare i matsalen på Västanforsskolan.", 3),
            "4": obs("Snapchat-grupp där elever hotar varandra, skolan arbetar med det.", 2),
            "5": NOTHING,
            "6": NOTHING,
            "7": {"comment": "Trygghetsvandring med elevrådet i tisdags."},
        },
        "absent": ["1", "3"],
    },
    "gmail_en_wrapped_attribution": {
        "answers": {"1": obs("Broken windows at the bus shelter on Hantverkargatan again", 2), "6": NOTHING},
    },
    "gmail_sv_inline": {
        "answers": {"3": obs("Hakkors klottrat på cykelgaraget vid Sörkvarn.", 3), "5": NOTHING},
        "absent": ["1", "2", "4", "6", "7"],
        "warnings": [],
    },
    "gmail_android_sv": {
        "answers": {
            "3": NOTHING,
            "4": obs("Stök på Fagersta fritidsgård, personal fick stänga tidigare i fredags", 4),
        },
        "warnings": [],
    },
    "iphone_sv_inline_quoted": {
        "answers": {
            "1": obs("Bilar som buskör på Ängelsbergsvägen nätterna mot lördag", 3),
            "2": NOTHING,
            "6": obs("Luciatåget på torget 13 dec, behövs vakter?"),
            "7": {"comment": "Ny fritidsledare på Bruksgården"},
        },
        "absent": ["3", "4", "5"],
        "warnings": [],
    },
    "iphone_sv_inline_unquoted": {
        "answers": {
            "2": obs("Tjej blev hotad vid busshållplatsen på Brovägen, polis kom", 4),
            "5": obs("Lustgaspatroner i Brunnsparken"),
        },
        "absent": ["1", "3", "4", "6", "7"],
    },
    "iphone_en_above": {
        "answers": {
            "1": obs("Graffiti tags on the sports hall", 2),
            "2": NOTHING,
            "7": {"comment": "Volunteers painted over old graffiti at the skate park"},
        },
    },
    "apple_mail_sv": {
        "answers": {
            "1": obs("Inbrottsförsök i källarförråd på Västra Storgatan 12–14, tre dörrar uppbrutna.", 3),
            "5": obs("Kanyler hittade i trapphus, Västra Storgatan 14.", 4, "Saneringen är beställd."),
            "6": NOTHING,
        },
        "warnings": [],
    },
    "samsung_sv": {
        "answers": {
            "1": obs("Folksamling med ungdomar vid Coop på kvällarna, nedskräpning.", 2),
            "5": obs("Misstänkt försäljning av narkotika vid pendeltågsstationen", 3),
            "6": NOTHING,
        },
    },
    "samsung_en": {
        "answers": {"2": obs("A bus driver was threatened by a passenger on line 3.", 3), "3": NOTHING},
    },
    "thunderbird_sv_flowed": {
        "answers": {
            "1": obs("Fyrverkerier mot fönster på Kyrkgatan, flera boende har ringt.", 3),
            "2": NOTHING,
            "6": NOTHING,
        },
    },
    "plain_new_message_numbered": {
        "answers": {
            "1": NOTHING,
            "5": obs("Ökad försäljning av vapes till elever i årskurs 7–9", 3),
            "7": {"comment": "Drogförebyggande föreläsning för föräldrar den 19/11."},
        },
        "warnings": [],
    },
    "nothing_at_all": {
        "answers": {n: NOTHING for n in "123456"},
        "absent": ["7"],
        "warnings": [],
    },
    "impact_variants": {
        "answers": {
            "1": obs("Stöld av cyklar vid stationen", 4),
            "2": obs("Hot mot busschaufför", 4),
            "3": obs("Propagandaaffischer vid ICA", 2),
            "4": obs("Ungdomar samlas vid parkeringen P4 vid sjukhuset", None),
            "5": obs("Berusade personer vid Systembolaget", 5),
            "6": obs("Evenemang på torget lördag 28/11", 4),
        },
    },
    "traffic_light": {
        "answers": {
            "1": obs(
                "Återkommande skadegörelse på lekplatsen vid Hagaberg.", 3, "det har pågått i tre veckor nu"
            ),
            "2": obs("Hot mot personal i hemtjänsten vid ett hembesök.", 4),
            "3": NOTHING,
        },
        "warnings": [
            {"code": "assessment_hint", "question": "1", "detail": "yellow"},
            {"code": "assessment_hint", "question": "2", "detail": "red"},
        ],
    },
    "multiline_bullets": {
        "answers": {
            "1": obs(
                "- Bränd container bakom Lindgården natten till söndag\n"
                "- Krossade rutor i trapphus på Hantverkargatan\n"
                "- Nedskräpning vid återvinningsstationen",
                3,
                "Bostadsbolaget har satt upp kameraskyltar.\nVi följer upp nästa vecka.",
            ),
            "4": obs("- Grupp på 10–15 ungdomar vid Ekbacken på kvällar\n- Mopedåkning på gångvägar", 2),
            "6": NOTHING,
        },
        "warnings": [],
    },
    "numbered_list_in_answer": {
        "answers": {
            "1": obs(
                "1. Inbrott i bilar på Mossvägen\n2. Stöld av diesel från arbetsmaskiner\n3. Klotter på Hembygdsgården",
                3,
            ),
            "2": NOTHING,
            "6": NOTHING,
        },
    },
    "english_labels": {
        "answers": {
            "1": obs(
                "Noise complaints about a flat on Skolgatan every weekend.",
                2,
                "The housing company is handling it.",
            ),
            "2": NOTHING,
            "7": {"comment": "New lighting in the park."},
        },
    },
    "mixed_above_and_inline": {
        "answers": {
            "1": obs("Skadegörelse på konstverket i rondellen.", 2),
            "2": NOTHING,
            "6": obs("Julmarknaden 5 dec, förstärkt bemanning önskas."),
        },
        "absent": ["3", "4", "5", "7"],
        "warnings": [],
    },
    "subject_changed_token_in_body": {
        "cycle_token": None,
        "body_cycle_token": 12,
        "answers": {"2": obs("Hot mot kontrollant på bussen", 3)},
    },
    "personal_data": {
        "answers": {"6": obs("Möte kl. 22.30 den 2026-11-24 i v. 48, på Storgatan 12.", 2)},
        "warnings": [
            {"code": "personal_data", "question": "1", "detail": "regnr"},
            {"code": "personal_data", "question": "2", "detail": "personnummer"},
            {"code": "personal_data", "question": "2", "detail": "telefon"},
            {"code": "personal_data", "question": "4", "detail": "e-post"},
            {"code": "personal_data", "question": "5", "detail": "samordningsnummer"},
        ],
    },
    "unmapped": {
        "answers": {
            "6": obs(
                "Det har varit lugnt i området, men vi har haft en del problem med nedskräpning vid "
                "återvinningsstationen på Malmgatan. Boende klagar på lukten."
            )
        },
        "absent": ["1", "2", "3", "4", "5", "7"],
        "warnings": [{"code": "unmapped", "question": "6", "detail": "all"}],
    },
    "f_q_styles": {
        "answers": {
            "1": obs("Skadegörelse på tåg vid stationen", 2),
            "2": NOTHING,
            "3": NOTHING,
            "4": obs("Slagsmål på skolgården på Alfaskolan", 3),
            "5": obs("Vodka-langning vid Konsum"),
            "6": NOTHING,
            "7": {"comment": ""},
        },
    },
    "ludvika_places_times": {
        "preset": "fas-ludvika",
        "cycle_token": 31,
        "answers": {
            "1": {
                "observations": "Skadegörelse och bränder i soptunnor.",
                "places_times": "Ludvika centrum och Marnäs, fredagar och lördagar efter kl. 22.",
                "comment": "Citygruppen nattvandrar extra.",
                "impact": None,
            },
            "2": {
                "observations": "Rån mot ungdomar.",
                "places_times": "Gallerian, eftermiddagar efter skolan",
            },
            "4": {"nothing_to_report": True, "places_times": ""},
            "7": {"comment": "Polisen besökte fritidsgårdarna."},
        },
        "absent": ["3", "5", "6"],
    },
    "ludvika_iphone_inline": {
        "preset": "fas-ludvika",
        "cycle_token": 31,
        "answers": {
            "3": NOTHING,
            "5": {
                "observations": "Cannabislukt och samlingar av unga vuxna",
                "places_times": "Parkeringen vid Folkets hus, sena kvällar",
            },
        },
        "absent": ["1", "2", "4", "6", "7"],
    },
    "forward_gmail_sv": {
        "answers": {
            "3": obs('Klistermärken med "Nordfront" på lyktstolpar vid Vallbyskolan.', 2),
            "6": NOTHING,
        },
        "warnings": [],
    },
    "forward_outlook_own_answer": {
        "answers": {"1": obs("Inbrott i kiosken vid badplatsen.", 2), "2": NOTHING},
        "absent": ["3", "4", "5", "6", "7"],
        "warnings": [],
    },
    "auto_reply_exchange_sv": {"kind": "auto_reply", "answers": {}, "absent": list("1234567")},
    "auto_reply_en": {"kind": "auto_reply", "absent": list("1234567")},
    "auto_reply_precedence_bulk": {"kind": "auto_reply", "cycle_token": None},
    "auto_reply_subject_only": {"kind": "auto_reply"},
    "read_receipt": {"kind": "auto_reply"},
    "bounce_postfix_dsn": {"kind": "bounce", "reporter": "mailer-daemon@mx.fagersta.se", "cycle_token": None},
    "bounce_exchange_ndr_sv": {"kind": "bounce"},
    "malformed_mime": {"reporter": "kalle@fagersta.se", "problems": ["mime_defect"]},
    "attachment_photo": {
        "answers": {"1": obs("Klotter på nya skolan, se bifogad bild.", 2), "7": {"comment": ""}}
    },
    "no_message_id": {
        "problems": ["no_message_id"],
        "answers": {"7": {"comment": "Trygghetsvandring i Östermalm."}},
    },
    "mislabelled_utf8_as_latin1": {
        "problems": ["charset"],
        "answers": {"1": obs("Skadegörelse på Åkerbogården", 2)},
    },
    "mislabelled_cp1252_as_utf8": {
        "problems": ["charset"],
        "answers": {"4": obs("Bråk på Västanfors fritidsgård, 15–20 ungdomar – personalen larmade.", 3)},
    },
    "no_charset_latin1": {
        "problems": ["charset"],
        "answers": {"6": obs("Hot mot politiker på sociala medier inför mötet i fullmäktige.", 3)},
    },
    "double_encoded_utf8": {
        "problems": ["double_encoded"],
        "answers": {"2": obs("Hot mot personal på äldreboendet", 3)},
    },
    "html_only_webmail_script": {
        "answers": {"1": obs("Stenkastning mot bussar vid Brunnsbacken.", 3), "2": NOTHING},
        "absent": ["3", "4", "5", "6", "7"],
        "warnings": [],
    },
    "unknown_sender_private": {"answers": {"2": obs("Bråk utanför puben på lördag natt.", 2)}},
}


def run(name: str, **kwargs: Any) -> dict[str, Any]:
    preset = EXPECTED.get(name, {}).get("preset", "est-fagersta")
    questionnaire = LUDVIKA if preset == "fas-ludvika" else FAGERSTA
    return parse_email((FIXTURES / f"{name}.eml").read_bytes(), questionnaire, **kwargs)


def test_there_are_enough_fixtures_and_each_has_an_expectation() -> None:
    assert len(ALL) >= 40
    assert sorted(EXPECTED) == ALL


@pytest.mark.parametrize("name", ALL)
def test_fixture_parses_as_a_reader_expects(name: str) -> None:
    expected = EXPECTED[name]
    result = run(name)
    assert result["kind"] == expected.get("kind", "report")
    assert result["channel"] == "email"
    assert result["message_id"].startswith("<") and result["message_id"].endswith(">")
    if "reporter" in expected:
        assert result["reporter"] == expected["reporter"]
    assert result["cycle_token"] == expected.get("cycle_token", 12)
    if "body_cycle_token" in expected:
        assert result["body_cycle_token"] == expected["body_cycle_token"]
    for number, fields in expected.get("answers", {}).items():
        assert number in result["answers"], f"question {number} missing: {result['answers']}"
        got = result["answers"][number]
        assert {k: got.get(k) for k in fields} == fields, f"question {number}"
    for number in expected.get("absent", []):
        assert number not in result["answers"], f"question {number} should be unanswered"
    if "warnings" in expected:
        assert result["warnings"] == expected["warnings"]
    codes = {p["code"] for p in result["problems"]}
    assert set(expected.get("problems", [])) <= codes
    json.dumps(result)  # what `lagesbild parse-email --json` prints


def test_question_seven_has_only_a_comment_and_places_times_only_where_asked() -> None:
    for name in ALL:
        result = run(name)
        for number, answer in result["answers"].items():
            if number == "7":
                assert set(answer) == {"comment"}
            elif EXPECTED[name].get("preset") == "fas-ludvika":
                assert set(answer) == {
                    "observations",
                    "impact",
                    "comment",
                    "nothing_to_report",
                    "places_times",
                }
            else:
                assert set(answer) == {"observations", "impact", "comment", "nothing_to_report"}


def test_the_quoted_prompt_never_leaks_into_answers() -> None:
    leaks = (
        "Skriv ditt svar efter kolon",
        "Det är dags för lägesrapporten",
        "Lägesbild – ",
        "Skickat:",
        "skrev",
    )
    for name in ALL:
        text = json.dumps(run(name)["answers"], ensure_ascii=False)
        assert not [leak for leak in leaks if leak in text], name


def test_signatures_and_greetings_stay_out_of_answers() -> None:
    for name in (
        "outlook_sv_above_quote",
        "owa_sv",
        "multiline_bullets",
        "gmail_sv_above_quote",
        "samsung_sv",
    ):
        text = json.dumps(run(name)["answers"], ensure_ascii=False)
        for fragment in ("hälsningar", "Hälsningar", "Mvh", "Skickat från", "Hej", "Fastighetsskötare"):
            assert fragment not in text, (name, fragment)


def test_unknown_sender_is_told_apart_with_a_directory() -> None:
    directory = {"anna.andersson@fagersta.se"}.__contains__
    assert run("unknown_sender_private", is_known_sender=directory)["kind"] == "unknown_sender"
    assert run("outlook_sv_above_quote", is_known_sender=directory)["kind"] == "report"
    # The answers are still read, for the coordinator who decides what to do with them.
    assert run("unknown_sender_private", is_known_sender=directory)["answers"]["2"]["impact"] == 2


def test_auto_replies_and_bounces_carry_no_answers() -> None:
    for name in ALL:
        if name.startswith(("auto_reply", "bounce", "read_receipt")):
            result = run(name)
            assert result["answers"] == {} and result["warnings"] == []


def test_cycle_comes_from_the_caller_or_the_subject() -> None:
    assert run("outlook_sv_above_quote")["cycle"] == 12
    assert run("outlook_sv_above_quote", cycle_id=99)["cycle"] == 99
    assert run("subject_changed_token_in_body")["cycle"] is None


def test_in_reply_to_is_the_prompt() -> None:
    assert run("outlook_sv_above_quote")["in_reply_to"] == "<lb.12.3.1732435200@lagesbild.fagersta.se>"
    assert run("plain_new_message_numbered")["in_reply_to"] is None
