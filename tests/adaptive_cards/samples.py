"""Representative cards with fixed data, for golden files and validation by the official library.

`sample_cards()` renders every template for both presets: empty, filled, with warnings and
priorities, a saved draft, English, receipts open and closed, all-nothing, and the closed
card. `full_answers()` fills every input to its limit with ordinary Swedish text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from adaptive_cards.escalation import escalation_card
from adaptive_cards.notice import notice_card, unavailable_card
from adaptive_cards.report import (
    MAX_COMMENT,
    MAX_OBSERVATIONS,
    MAX_ONLY_COMMENT,
    MAX_PLACES_TIMES,
    VERB_EDIT,
    VERB_SUBMIT,
    closed_card,
    draft_saved_card,
    receipt_card,
    report_card,
)
from reporting.model import Answer
from reporting.questionnaire import Questionnaire, load_preset
from tests.adaptive_cards.bra_samples import bra_full_cards, bra_sample_cards
from tests.adaptive_cards.digest_samples import digest_full_cards, digest_sample_cards

CYCLE = 12
PERIOD = {"period_from": dt.date(2026, 11, 16), "period_to": dt.date(2026, 11, 29)}
DEADLINE = dt.datetime(2026, 11, 24, 12, 0)
SUBMITTED = dt.datetime(2026, 11, 24, 10, 42)
SAVED = dt.datetime(2026, 11, 23, 16, 5)
PRIORITIES = ["Buskörning med moped i centrum", "Nedskräpning och klotter vid resecentrum"]
PERSONAL_DATA_Q2 = [{"code": "personal_data", "question": "2", "detail": "personnummer"}]

FAGERSTA_ANSWERS = {
    "1": Answer(
        "1",
        observations="Klotter på Brunnsskolans gavel i helgen, skadegörelse på lekplatsen vid Åsgården.",
        impact=3,
        comment="Fastighet har sanerat, polisen är informerad.",
    ),
    "2": Answer("2", observations="Bråk mellan två vuxna vid busstationen, fredag kväll.", impact=2),
    "3": Answer("3", nothing_to_report=True),
    "4": Answer(
        "4", observations="Oro på fritidsgården tisdagar efter 19.", impact=2, comment="Fältare på plats."
    ),
    "5": Answer("5", nothing_to_report=True),
    "6": Answer("6", nothing_to_report=True),
    "7": Answer("7", comment="Nattvandring i centrum varje fredag har kommit igång."),
}

LUDVIKA_ANSWERS = {
    "1": Answer(
        "1",
        observations="Bränder i papperskorgar.\nSkadegörelse på busskurer.",
        places_times="Folkets park, fredag–lördag efter 22",
        comment="Kommunen har satt upp fler lampor.",
    ),
    "2": Answer("2", observations="Hot mot personal i butik.", places_times="Centrum, kvällstid"),
    "3": Answer("3", nothing_to_report=True),
    "4": Answer("4", nothing_to_report=True),
    "5": Answer("5", observations="Langning av alkohol till unga.", places_times="Marnäs, helger"),
    "6": Answer("6", nothing_to_report=True),
    "7": Answer("7", comment="Sommarlovsaktiviteter med god uppslutning."),
}

_SWEDISH = (
    "Skadegörelse på lekplatsen vid Åsgården och klotter på väggen mot gångvägen, "
    "nedskräpning vid återvinningsstationen och oro bland boende på kvällstid. "
)


def _text(length: int) -> str:
    return (_SWEDISH * (length // len(_SWEDISH) + 1))[:length]


def full_answers(questionnaire: Questionnaire) -> dict[str, Answer]:
    """Every input of every question filled to its limit (the worst case for the card's size)."""
    answers = {}
    for q in questionnaire.questions:
        only_comment = not (q.observations or q.places_times or q.impact)
        answers[q.number] = Answer(
            q.number,
            observations=_text(MAX_OBSERVATIONS) if q.observations else "",
            impact=5 if q.impact else None,
            comment=_text(MAX_ONLY_COMMENT if only_comment else MAX_COMMENT),
            places_times=_text(MAX_PLACES_TIMES) if q.places_times else "",
        )
    return answers


def _report(preset: str, **kwargs: Any) -> dict[str, Any]:
    group = "EST Fagersta" if preset == "est-fagersta" else "FAS Ludvika"
    return report_card(
        load_preset(preset), group_name=group, deadline=DEADLINE, cycle_id=CYCLE, **PERIOD, **kwargs
    )


def _receipt(preset: str, answers: dict[str, Answer], *, cycle_open: bool, **extra: Any) -> dict[str, Any]:
    group = "EST Fagersta" if preset == "est-fagersta" else "FAS Ludvika"
    return receipt_card(
        load_preset(preset),
        group_name=group,
        deadline=DEADLINE,
        cycle_id=CYCLE,
        submitted_at=SUBMITTED,
        answers=answers,
        cycle_open=cycle_open,
        **PERIOD,
        **extra,
    )


def sample_cards() -> dict[str, dict[str, Any]]:
    """name → card; the names are the golden files' names."""
    nothing = {str(n): Answer(str(n), nothing_to_report=True) for n in range(1, 8)}
    return {
        "report_fagersta_empty": _report("est-fagersta", answers=None, warnings=None, priorities=None),
        "report_fagersta_filled": _report(
            "est-fagersta", answers=FAGERSTA_ANSWERS, warnings=PERSONAL_DATA_Q2, priorities=PRIORITIES
        ),
        "report_fagersta_draft_saved": draft_saved_card(
            load_preset("est-fagersta"),
            saved_at=SAVED,
            group_name="EST Fagersta",
            deadline=DEADLINE,
            cycle_id=CYCLE,
            answers=FAGERSTA_ANSWERS,
            warnings=None,
            priorities=PRIORITIES,
            **PERIOD,
        ),
        "report_fagersta_en": _report(
            "est-fagersta",
            answers=FAGERSTA_ANSWERS,
            warnings=PERSONAL_DATA_Q2,
            priorities=PRIORITIES,
            locale="en",
        ),
        "report_ludvika_empty": _report("fas-ludvika", answers=None, warnings=None, priorities=None),
        "report_ludvika_filled": _report(
            "fas-ludvika",
            answers=LUDVIKA_ANSWERS,
            warnings=[{"code": "personal_data", "question": "5", "detail": "telefon"}],
            priorities=PRIORITIES[:1],
        ),
        "receipt_fagersta_open": _receipt("est-fagersta", FAGERSTA_ANSWERS, cycle_open=True),
        "receipt_fagersta_closed": _receipt("est-fagersta", FAGERSTA_ANSWERS, cycle_open=False),
        "receipt_fagersta_led_to": _receipt(
            "est-fagersta", FAGERSTA_ANSWERS, cycle_open=False, refresh_for="29:anna",
            led_to=["Ledde till: Brå beslutade 3 dec om ökad belysning vid Brunnsparken (ansvarig: fastighet, "
                    "senast 31 jan; pågår)"],
        ),  # fmt: skip
        "receipt_ludvika_open": _receipt("fas-ludvika", LUDVIKA_ANSWERS, cycle_open=True),
        "receipt_fagersta_nothing": _receipt("est-fagersta", nothing, cycle_open=True),
        "closed_fagersta": closed_card(group_name="EST Fagersta", deadline=DEADLINE, **PERIOD),
        "notice_refused": notice_card("Ogiltig påverkan i fråga 1: välj 1–5."),
        "escalation_red": escalation_card(
            {
                "question": "1",
                "items": [
                    {
                        "summary": "Bränder i soprum vid Brunnsparken",
                        "agencies": ["fastighet", "bostadsbolag"],
                        "sources": 2,
                        "places": ["Brunnsparken"],
                        "times": ["nattetid"],
                        "recurring": {"first_seen_cycle": 10, "cycles_seen": 3},
                    },
                    {
                        "summary": "Klotter på Risbroskolan",
                        "agencies": ["skola"],
                        "sources": 1,
                        "places": [],
                        "times": [],
                        "recurring": None,
                    },
                ],
            },
            load_preset("est-fagersta"),
            group_name="EST",
            organisation="Fagersta kommun",
            period="v. 47–48, 16–29 nov",
            level="red",
            comment="Återkommande bränder; lyfts till Brå.",
        ),  # fmt: skip
        "notice_titled": notice_card("Kontakta samordnaren.", title="Du finns inte i medlemslistan"),
        "unavailable_submit": unavailable_card(
            VERB_SUBMIT, {"cycle": CYCLE, "q1_observations": "Klotter vid Brunnsparken", "q1_impact": "3"}
        ),
        "unavailable_edit": unavailable_card(VERB_EDIT, {"cycle": CYCLE}, saving=False),
        **digest_sample_cards(),
        **bra_sample_cards(),
    }


def full_cards() -> dict[str, dict[str, Any]]:
    """The largest cards: every input full, warnings on every question, priorities."""
    cards = {}
    for preset in ("est-fagersta", "fas-ludvika"):
        q = load_preset(preset)
        warnings = [{"code": "personal_data", "question": n, "detail": "personnummer"} for n in q.numbers]
        cards[f"report_{preset}_full"] = _report(
            preset, answers=full_answers(q), warnings=warnings, priorities=PRIORITIES * 2
        )
        cards[f"receipt_{preset}_full"] = _receipt(preset, full_answers(q), cycle_open=True)
    cards.update(digest_full_cards())
    cards.update(bra_full_cards())
    return cards
