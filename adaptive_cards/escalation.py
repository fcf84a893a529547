"""The card a reporting group's escalation posts in the Brå channel: the question, the
group's compiled assessment and comment, and what was reported (agencies, places, times;
never reporters' names; personal data already masked in the digest)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adaptive_cards.errors import CardTooLarge
from adaptive_cards.report import MAX_CARD_BYTES, card_size
from adaptive_cards.templating import render
from reporting.bra.forms import VERB_DECIDE_FORM
from reporting.digest import wording
from reporting.questionnaire import Questionnaire

MAX_ITEMS = 12


def escalation_card(
    question: Mapping[str, Any],
    questionnaire: Questionnaire,
    *,
    group_name: str,
    organisation: str,
    period: str,
    level: str,
    comment: str,
    escalation_id: int | None = None,
    cycle_id: int | None = None,
    locale: str = "sv",
) -> dict[str, Any]:
    """With `escalation_id`, a "Besluta" button opens the decision form inside the card."""
    number = str(question["question"])
    items = list(question.get("items") or [])
    shown = items[:MAX_ITEMS]
    data = {
        "lang": locale,
        "title": f"Lyft till lokala Brå: Fråga {number}, {questionnaire.question(number).theme.get(locale)}",
        "subtitle": f"{organisation} · {group_name} · {period}",
        "level": {
            "text": f"Gruppens bedömning: {wording.level_label(level, questionnaire, locale)}",
            "color": wording.CARD_COLORS[level],
            "definition": wording.level_definition(level, questionnaire, locale),
        },
        "comment": f"Kommentar/åtgärd: {comment}" if comment else None,
        "reported_label": f"Rapporterat ({len(items)}):"
        if items
        else "Inga enskilda iakttagelser rapporterades.",
        "items": [
            {
                "summary": item["summary"],
                "meta": wording.item_meta(item, locale) or None,
                "recurring": wording.recurring_text(item.get("recurring"), locale) or None,
            }
            for item in shown
        ],
        "footer": (f"{len(items) - len(shown)} fler i sammanställningen. " if len(items) > len(shown) else "")
        + "Lokala Brå beslutar om åtgärd, orsaksanalys eller information.",
        "decide": None
        if escalation_id is None
        else {
            "title": "Besluta",
            "verb": VERB_DECIDE_FORM,
            "data": {"escalation": escalation_id, "cycle": cycle_id, "question": number},
        },  # fmt: skip
    }
    card = render("escalation", data)
    if card_size(card) > MAX_CARD_BYTES:
        raise CardTooLarge("escalation", card_size(card), MAX_CARD_BYTES)
    return card
