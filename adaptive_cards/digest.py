"""The coordinator's digest as Adaptive Cards: a summary card, then detail cards.

`digest_cards(data, questionnaire)` returns a list: first the summary (`digest_summary`:
who reported, and per question the counts, impact and trend, what stands out, the
suggested and the set assessment), then as many detail cards (`digest_detail`) as needed
for every question's items, suggestion and assessment, and question 7's positive events.
Questions are packed into a detail card while it stays under Teams' limit
(`MAX_CARD_BYTES`); a question too large for one card continues on the next ("forts.").
Nothing is cut short.

With `assess=True` (the coordinator's and deputy's copy) each question on a detail card
has the assessment inputs `assess_q<n>_level` / `assess_q<n>_comment` and an
`Action.Execute` with verb `digest.assess` and data `{"cycle": <id>, "question": "<n>"}`;
a question assessed yellow and not yet escalated also gets `digest.escalate` ("Lyft till
Brå"). The summary card has no inputs, so it can be posted in the group's channel as is.
`data` is the digest JSON, compiled with the group's assessments or as built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adaptive_cards.errors import CardTooLarge
from adaptive_cards.report import MAX_CARD_BYTES, card_size
from adaptive_cards.templating import render
from reporting.bra.wording import decision_line
from reporting.digest import wording
from reporting.digest.assessment import (
    MAX_ASSESSMENT_COMMENT,
    VERB_ASSESS,
    VERB_ESCALATE,
    comment_input_id,
    level_input_id,
)
from reporting.digest.records import LEVELS
from reporting.i18n import translator
from reporting.questionnaire import Questionnaire

_ = translator("digest")

# Room kept for the detail card's title, which is only known after packing ("3/4").
TITLE_MARGIN = 200


def _level_badge(level: str, label: str, prefix: str = "") -> dict[str, str]:
    return {
        "text": f"{prefix}{wording.DOTS.get(level, '')} {label}".strip(),
        "color": wording.CARD_COLORS[level],
    }


def _summary_question(
    question: Mapping[str, Any], questionnaire: Questionnaire, locale: str
) -> dict[str, Any]:
    suggested = question["suggested_assessment"]["level"]
    assessment = question.get("assessment")
    return {
        "heading": wording.heading(question),
        "facts": wording.question_facts(question, locale),
        "highlights": wording.highlights(question, locale) or None,
        "assessment": _level_badge(assessment["level"], assessment["label"]) if assessment else None,
        "suggestion": _level_badge(
            suggested,
            wording.level_label(suggested, questionnaire, locale),
            _("Förslag:", locale) + " ",
        ),
    }


def summary_card(
    data: Mapping[str, Any], questionnaire: Questionnaire, *, locale: str = "sv"
) -> dict[str, Any]:
    title = wording.title(data, locale)
    positive = data["positive"]
    content = {
        "lang": locale,
        "fallback_text": title,
        "title": title,
        "subtitle": _("Sammanställning inför mötet · cykel {cycle}", locale, cycle=data["cycle"]),
        "response": wording.response_line(data["response"], locale),
        "missing": wording.missing_lines(data["response"], locale) or None,
        "priorities": {
            "label": _("Lokala Brå prioriterar just nu:", locale),
            "items": list(data["priorities"]),
        }
        if data["priorities"]
        else None,
        "done": {
            "label": _("Genomfört sedan förra sammanställningen:", locale),
            "items": [decision_line(d, locale) for d in data["decisions"].get("done", [])],
        }
        if data["decisions"].get("done")
        else None,
        "questions": [_summary_question(q, questionnaire, locale) for q in data["questions"]],
        "positive": [_("Positiva åtgärder eller händelser: {n} (se detaljerna)", locale, n=len(positive))]
        if positive
        else None,
        "note": wording.suggestion_note(locale),
    }
    card = render("digest_summary", content)
    if card_size(card) > MAX_CARD_BYTES:
        raise CardTooLarge("digest_summary", card_size(card), MAX_CARD_BYTES)
    return card


def _item(item: Mapping[str, Any], locale: str) -> dict[str, Any]:
    return {
        "summary": item["summary"],
        "meta": wording.item_meta(item, locale) or None,
        "recurring": wording.recurring_text(item.get("recurring"), locale) or None,
    }


def _form(
    question: Mapping[str, Any], data: Mapping[str, Any], questionnaire: Questionnaire, locale: str
) -> dict[str, Any]:
    n = str(question["question"])
    assessment = question.get("assessment")
    action_data = {"cycle": data["cycle"], "question": n}
    actions: list[dict[str, Any]] = [
        {
            "title": _("Spara bedömning", locale),
            "verb": VERB_ASSESS,
            "data": action_data,
            "style": "positive",
        }
    ]
    if assessment and assessment["level"] == "yellow" and not assessment.get("escalated"):
        actions.append(
            {"title": _("Lyft till Brå", locale), "verb": VERB_ESCALATE, "data": action_data, "style": None}
        )
    return {
        "level": {
            "id": level_input_id(n),
            "label": _("Sammanställd bedömning", locale),
            "value": assessment["level"] if assessment else None,
            "choices": [
                {
                    "title": f"{wording.DOTS[level]} {wording.level_label(level, questionnaire, locale)} – "
                    f"{wording.level_definition(level, questionnaire, locale)}",
                    "value": level,
                }
                for level in LEVELS
            ],
        },
        "comment": {
            "id": comment_input_id(n),
            "label": _("Kommentar/åtgärd", locale),
            "max_length": MAX_ASSESSMENT_COMMENT,
            "value": (assessment["comment"] or None) if assessment else None,
        },
        "actions": actions,
    }


def _section(
    question: Mapping[str, Any],
    data: Mapping[str, Any],
    questionnaire: Questionnaire,
    *,
    assess: bool,
    locale: str,
) -> dict[str, Any]:
    suggested = question["suggested_assessment"]
    assessment = question.get("assessment")
    return {
        "heading": wording.heading(question),
        "facts": wording.question_facts(question, locale),
        "items": [_item(i, locale) for i in question["items"]],
        "empty": None if question["items"] else _("Inga iakttagelser den här perioden.", locale),
        "suggestion": {
            "text": f"{wording.suggestion_text(question, questionnaire, locale)} – {suggested['reason']}",
            "color": wording.CARD_COLORS[suggested["level"]],
        },
        "assessment": {
            "text": wording.assessment_text(assessment, locale),
            "color": wording.CARD_COLORS[assessment["level"]],
            "comment": assessment["comment"] or None,
        }
        if assessment
        else None,
        "form": _form(question, data, questionnaire, locale) if assess else None,
        "lines": None,
    }


def _positive_section(
    data: Mapping[str, Any], questionnaire: Questionnaire, locale: str
) -> dict[str, Any] | None:
    numbers = [q for q in questionnaire.questions if not q.observations]
    if not numbers:
        return None
    question = numbers[0]
    return {
        "heading": f"{question.number}. {question.theme.get(locale)}",
        "facts": None,
        "items": [],
        "empty": None if data["positive"] else _("Inget rapporterat den här perioden.", locale),
        "suggestion": None,
        "assessment": None,
        "form": None,
        "lines": list(data["positive"]) or None,
    }


def _detail(
    data: Mapping[str, Any], sections: Sequence[Mapping[str, Any]], title: str, locale: str
) -> dict[str, Any]:
    return render(
        "digest_detail",
        {
            "lang": locale,
            "fallback_text": title,
            "title": title,
            "subtitle": wording.title(data, locale),
            "sections": list(sections),
        },
    )


def _fits(data: Mapping[str, Any], sections: Sequence[Mapping[str, Any]], locale: str) -> bool:
    return card_size(_detail(data, sections, "", locale)) + TITLE_MARGIN <= MAX_CARD_BYTES


def _part(
    section: Mapping[str, Any], key: str, entries: list[Any], *, first: bool, last: bool, more: str
) -> dict[str, Any]:
    """A piece of a section: some of its items (or lines); the heading says "(forts.)" after
    the first piece, and only the last carries the suggestion, assessment and inputs."""
    result = {**section, key: entries if key == "items" else (entries or None)}
    if not first:
        result.update(heading=f"{section['heading']} {more}", facts=None)
    if not last:
        result.update(suggestion=None, assessment=None, form=None, empty=None)
    return result


def _pack_split(
    packed: list[list[dict[str, Any]]], data: Mapping[str, Any], section: dict[str, Any], locale: str
) -> None:
    """A section too large for one card: fill the current card with as many of its items as
    fit, then continue on new cards."""
    key = "items" if section["items"] else "lines"
    entries = list(section[key] or [])
    more = _("(forts.)", locale)
    index, first = 0, True
    while True:
        current = packed[-1]
        final = _part(section, key, entries[index:], first=first, last=True, more=more)
        if _fits(data, [*current, final], locale):
            current.append(final)
            return
        taken = 0
        while index + taken < len(entries) and _fits(
            data,
            [
                *current,
                _part(section, key, entries[index : index + taken + 1], first=first, last=False, more=more),
            ],
            locale,
        ):
            taken += 1
        if taken == 0 and not current:
            piece = _part(section, key, entries[index : index + 1], first=first, last=False, more=more)
            raise CardTooLarge("digest_detail", card_size(_detail(data, [piece], "", locale)), MAX_CARD_BYTES)
        if taken:
            current.append(
                _part(section, key, entries[index : index + taken], first=first, last=False, more=more)
            )
            index, first = index + taken, False
        packed.append([])


def detail_cards(
    data: Mapping[str, Any], questionnaire: Questionnaire, *, assess: bool = True, locale: str = "sv"
) -> list[dict[str, Any]]:
    """The detail cards: questions packed in order; one that fits a card of its own is never
    split, one that does not fills the current card and continues on the next."""
    sections = [_section(q, data, questionnaire, assess=assess, locale=locale) for q in data["questions"]]
    positive = _positive_section(data, questionnaire, locale)
    if positive is not None:
        sections.append(positive)
    packed: list[list[dict[str, Any]]] = [[]]
    for section in sections:
        if _fits(data, [*packed[-1], section], locale):
            packed[-1].append(section)
        elif _fits(data, [section], locale):
            packed.append([section])
        else:
            _pack_split(packed, data, section, locale)
    packed = [group for group in packed if group]
    total = len(packed)
    return [
        _detail(data, group, _("Detaljer {index} av {total}", locale, index=i, total=total), locale)
        for i, group in enumerate(packed, start=1)
    ]


def digest_cards(
    data: Mapping[str, Any], questionnaire: Questionnaire, *, assess: bool = True, locale: str = "sv"
) -> list[dict[str, Any]]:
    """The summary card followed by the detail cards; each under Teams' message limit."""
    return [
        summary_card(data, questionnaire, locale=locale),
        *detail_cards(data, questionnaire, assess=assess, locale=locale),
    ]
