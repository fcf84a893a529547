"""The reporter's cards: the report card (prompt and saved draft), the receipt and the closed-period card.

Each builder turns a questionnaire and the cycle's facts into the data of one template and
calls `render`; every text a reporter reads comes from the questionnaire or from the
`cards` message catalog. Cards are plain dicts: `bot/` wraps them as attachments and
handles the `Action.Execute` verbs below, each with `data` = `{"cycle": <cycle id>}`.

Input ids are the ones in DESIGN: for n = 1…7 `q{n}_observations`, `q{n}_impact` ("1"…"5"),
`q{n}_places_times` (presets that ask for places and times instead of an impact score),
`q{n}_comment`, `q{n}_nothing` ("true"/"false"), and `q{n}_confirm_personal_data`
("true"/"false") where a personal-data warning is shown. A question only has the inputs
its template asks for: question 7 has `q7_comment` and `q7_nothing`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from adaptive_cards.errors import CardTooLarge
from adaptive_cards.templating import render
from reporting.formatting import format_datetime, format_period, format_time, format_weeks
from reporting.i18n import translator
from reporting.model import Answer
from reporting.questionnaire import Question, Questionnaire

_ = translator("cards")

VERB_SAVE_DRAFT = "report.save_draft"
VERB_SUBMIT = "report.submit"
VERB_NOTHING_THIS_PERIOD = "report.nothing_this_period"
VERB_EDIT = "report.edit"
VERB_REFRESH = "report.refresh"

# Teams refuses a message over 28 KB; the card is measured as Python's json.dumps writes it
# by default (non-ASCII as \uXXXX escapes), which is never smaller than what is sent.
MAX_CARD_BYTES = 28 * 1024

# The longest text an input takes. A prefilled answer that is longer (from an email reply)
# raises its input's limit, so editing never cuts an answer short. With every input full,
# the report card of either preset stays under MAX_CARD_BYTES (tests/adaptive_cards checks).
MAX_OBSERVATIONS = 800
MAX_PLACES_TIMES = 200
MAX_COMMENT = 400
MAX_ONLY_COMMENT = 800  # a question whose only input is the comment (question 7)

_PERSONAL_DATA_TEXTS = {
    "personnummer": "Det ser ut som ett personnummer.",
    "samordningsnummer": "Det ser ut som ett samordningsnummer.",
    "telefon": "Det ser ut som ett telefonnummer.",
    "e-post": "Det ser ut som en e-postadress.",
    "regnr": "Det ser ut som ett registreringsnummer.",
}
_PERSONAL_DATA_OTHER = "Det ser ut som en personuppgift."


def card_size(card: Mapping[str, Any]) -> int:
    """The card's size in bytes as sent, measured conservatively (see MAX_CARD_BYTES)."""
    return len(json.dumps(card).encode("utf-8"))


def _checked(name: str, card: dict[str, Any]) -> dict[str, Any]:
    size = card_size(card)
    if size > MAX_CARD_BYTES:
        raise CardTooLarge(name, size, MAX_CARD_BYTES)
    return card


def _action(title: str, verb: str, cycle_id: int, style: str | None = None) -> dict[str, Any]:
    return {"title": title, "verb": verb, "data": {"cycle": cycle_id}, "style": style}


def _heading(question: Question, locale: str) -> str:
    return f"{question.number}. {question.theme.get(locale)}"


def _numbers(numbers: Sequence[str], locale: str) -> str:
    """Question numbers as a Swedish list: "2", "2 och 4", "1, 2 och 4"."""
    if len(numbers) == 1:
        return numbers[0]
    return f"{', '.join(numbers[:-1])} {_('och', locale)} {numbers[-1]}"


def _text_input(
    input_id: str, label: str, placeholder: str | None, value: str, limit: int, **extra: Any
) -> dict[str, Any]:
    return {
        "id": input_id,
        "label": label,
        "placeholder": placeholder,
        "value": value or None,
        "max_length": max(limit, len(value)),
        **extra,
    }


def _toggle(input_id: str, title: str, on: bool) -> dict[str, Any]:
    return {"id": input_id, "title": title, "value": "true" if on else "false"}


def _warning_lines(warnings: Iterable[Mapping[str, Any]], locale: str) -> list[str]:
    lines = []
    for warning in warnings:
        if warning.get("code") == "personal_data":
            first = _(_PERSONAL_DATA_TEXTS.get(str(warning.get("detail")), _PERSONAL_DATA_OTHER), locale)
            lines.append(f"{first} {_('Ta bort det, eller bekräfta att det ska med.', locale)}")
        elif warning.get("code") == "message" and warning.get("detail"):
            lines.append(str(warning["detail"]))
        else:
            lines.append(_("Kontrollera svaret på den här frågan.", locale))
    return list(dict.fromkeys(lines))


def _question_data(
    questionnaire: Questionnaire,
    question: Question,
    answer: Answer | None,
    warnings: Sequence[Mapping[str, Any]],
    locale: str,
) -> dict[str, Any]:
    n = question.number
    answer = answer or Answer(question=n)
    data: dict[str, Any] = {
        "heading": _heading(question, locale),
        "text": question.text.get(locale),
        "warning": None,
        "nothing": _toggle(f"q{n}_nothing", _("Inget att rapportera", locale), answer.nothing_to_report),
        "observations": None,
        "places_times": None,
        "impact": None,
        "comment": None,
    }
    if warnings:
        personal = any(w.get("code") == "personal_data" for w in warnings)
        data["warning"] = {
            "lines": _warning_lines(warnings, locale),
            "confirm": _toggle(f"q{n}_confirm_personal_data", _("Ja, det ska med", locale), False)
            if personal
            else None,
        }
    if question.observations:
        data["observations"] = _text_input(
            f"q{n}_observations",
            _("Iakttagelser", locale),
            _("Kort: vad, var och när. Inga namn eller personuppgifter.", locale),
            answer.observations,
            MAX_OBSERVATIONS,
        )
    if question.places_times:
        data["places_times"] = _text_input(
            f"q{n}_places_times",
            _("Platser och tider", locale),
            _("T.ex. busstationen, fredagskvällar", locale),
            answer.places_times,
            MAX_PLACES_TIMES,
        )
    scale = questionnaire.impact_scale
    if question.impact and scale is not None:
        titles = {scale.minimum: scale.low.get(locale), scale.maximum: scale.high.get(locale)}
        data["impact"] = {
            "id": f"q{n}_impact",
            "label": scale.label.get(locale),
            "placeholder": _("Välj {low}–{high}", locale, low=scale.minimum, high=scale.maximum),
            "value": None if answer.impact is None else str(answer.impact),
            "choices": [
                {"title": titles.get(v, str(v)), "value": str(v)}
                for v in range(scale.minimum, scale.maximum + 1)
            ],
        }
    only_comment = not (question.observations or question.places_times or question.impact)
    data["comment"] = _text_input(
        f"q{n}_comment",
        questionnaire.comment_label.get(locale),
        None if only_comment else _("Valfritt", locale),
        answer.comment,
        MAX_ONLY_COMMENT if only_comment else MAX_COMMENT,
        multiline=only_comment,
    )
    return data


def report_card(
    questionnaire: Questionnaire,
    *,
    group_name: str,
    period_from: dt.date,
    period_to: dt.date,
    deadline: dt.datetime,
    cycle_id: int,
    answers: Mapping[str, Answer] | None = None,
    warnings: Sequence[Mapping[str, Any]] | None = None,
    priorities: Sequence[str] | None = None,
    saved_at: dt.datetime | None = None,
    locale: str = "sv",
) -> dict[str, Any]:
    """The card with the seven questions, prefilled with `answers`, flagging `warnings`.

    `saved_at` adds the note that a draft was saved (see `draft_saved_card`). Raises
    `CardTooLarge` if prefilled answers make the card larger than Teams accepts.
    """
    answers = answers or {}
    warnings = warnings or []
    numbers = questionnaire.numbers
    by_question: dict[str, list[Mapping[str, Any]]] = {}
    for warning in warnings:
        by_question.setdefault(str(warning.get("question")), []).append(warning)
    flagged = [n for n in numbers if n in by_question]
    elsewhere = [w for w in warnings if str(w.get("question")) not in numbers]

    data = {
        "lang": locale,
        "fallback_text": _("Lägesrapporten kan inte visas här. Öppna Teams för att svara.", locale),
        "title": _("Lägesrapport {group}", locale, group=group_name),
        "period": _("Gäller {period}", locale, period=format_period(period_from, period_to, locale)),
        "deadline": _(
            "Sista dag: {deadline}", locale, deadline=format_datetime(deadline, locale, year=False)
        ),
        "saved": None
        if saved_at is None
        else _("Utkast sparat {time}", locale, time=format_time(saved_at, locale)),
        "warnings_summary": None
        if not flagged
        else _("Se över fråga {numbers} innan du skickar in.", locale, numbers=_numbers(flagged, locale)),
        "priorities": None
        if not priorities
        else {"label": _("Lokala Brå prioriterar just nu:", locale), "items": list(priorities)},
        "confidentiality": questionnaire.confidentiality.get(locale),
        "general_warnings": _warning_lines(elsewhere, locale) or None,
        "nothing_period": _action(
            _("Inget att rapportera den här perioden", locale), VERB_NOTHING_THIS_PERIOD, cycle_id
        ),
        "questions": [
            _question_data(questionnaire, q, answers.get(q.number), by_question.get(q.number, []), locale)
            for q in questionnaire.questions
        ],
        "actions": [
            _action(_("Skicka in", locale), VERB_SUBMIT, cycle_id, "positive"),
            _action(_("Spara utkast", locale), VERB_SAVE_DRAFT, cycle_id),
        ],
    }
    return _checked("report", render("report", data))


def draft_saved_card(questionnaire: Questionnaire, *, saved_at: dt.datetime, **report: Any) -> dict[str, Any]:
    """The report card again after "Spara utkast", with "Utkast sparat kl. 10.42" at the top."""
    return report_card(questionnaire, saved_at=saved_at, **report)


def _receipt_answer(
    questionnaire: Questionnaire, question: Question, answer: Answer | None, locale: str
) -> dict[str, Any]:
    """One question on the receipt: its heading and what was answered, or "Inget att rapportera"."""

    def field(text: str, label: str | None = None, subtle: bool = False) -> dict[str, Any]:
        return {"label": label, "text": text, "subtle": subtle}

    heading = _heading(question, locale)
    if answer is not None and answer.nothing_to_report:
        return {"heading": heading, "nothing": _("Inget att rapportera", locale), "fields": []}

    fields = []
    if answer is not None:
        if question.observations and answer.observations.strip():
            fields.append(field(answer.observations.strip()))
        if question.places_times and answer.places_times.strip():
            fields.append(field(answer.places_times.strip(), _("Platser och tider", locale)))
        scale = questionnaire.impact_scale
        if question.impact and scale is not None and answer.impact is not None:
            fields.append(field(f"{scale.label.get(locale)} {answer.impact}"))
        if answer.comment.strip():
            fields.append(field(answer.comment.strip(), questionnaire.comment_label.get(locale)))
    return {
        "heading": heading,
        "nothing": None,
        "fields": fields or [field(_("Inget svar", locale), subtle=True)],
    }


def receipt_card(
    questionnaire: Questionnaire,
    *,
    group_name: str,
    period_from: dt.date,
    period_to: dt.date,
    deadline: dt.datetime,
    cycle_id: int,
    submitted_at: dt.datetime,
    answers: Mapping[str, Answer],
    cycle_open: bool,
    led_to: Sequence[str] = (),
    refresh_for: str | None = None,
    locale: str = "sv",
) -> dict[str, Any]:
    """The thank-you card "Tack! Inskickad …" with the answers as submitted, and "Ändra" while open.

    `led_to` lists what Brå decided on these answers ("Ledde till: …"). With `refresh_for` (the
    reporter's Teams user id) the card asks Teams to refresh it (`report.refresh`) whenever that
    person sees it again, so a decision taken later shows on the receipt itself."""
    all_nothing = bool(answers) and all(
        answers.get(q.number) is not None and answers[q.number].nothing_to_report
        for q in questionnaire.questions
    )
    weeks = format_weeks(period_from, period_to, locale)
    title = _("Tack! Inskickad {when}", locale, when=format_datetime(submitted_at, locale, year=False))
    data = {
        "lang": locale,
        "fallback_text": title,
        "title": title,
        "subtitle": f"{group_name} · {format_period(period_from, period_to, locale)}",
        "all_nothing": _("Inget att rapportera den här perioden", locale) if all_nothing else None,
        "answers": None
        if all_nothing
        else [
            _receipt_answer(questionnaire, q, answers.get(q.number), locale) for q in questionnaire.questions
        ],
        "status": _(
            "Du kan ändra dina svar till och med {deadline}.",
            locale,
            deadline=format_datetime(deadline, locale, year=False),
        )
        if cycle_open
        else _("Perioden {weeks} är stängd. Svaren kan inte ändras längre.", locale, weeks=weeks),
        "edit": _action(_("Ändra", locale), VERB_EDIT, cycle_id) if cycle_open else None,
        "led_to": {"label": _("Det här ledde dina svar till:", locale), "lines": list(led_to)}
        if led_to
        else None,
    }
    card = render("receipt", data)
    if refresh_for:
        card["refresh"] = {
            "action": {"type": "Action.Execute", "verb": VERB_REFRESH, "data": {"cycle": cycle_id}},
            "userIds": [refresh_for],
        }
    return _checked("receipt", card)


def closed_card(
    *,
    group_name: str,
    period_from: dt.date,
    period_to: dt.date,
    deadline: dt.datetime,
    locale: str = "sv",
) -> dict[str, Any]:
    """For a prompt opened after the deadline: "Perioden v. 47–48 är stängd …"."""
    title = _("Perioden {weeks} är stängd", locale, weeks=format_weeks(period_from, period_to, locale))
    data = {
        "lang": locale,
        "fallback_text": title,
        "title": title,
        "subtitle": f"{group_name} · {format_period(period_from, period_to, locale)}",
        "text": _(
            "Sista dag var {deadline}. Har du något att rapportera, ta med det i nästa rapport.",
            locale,
            deadline=format_datetime(deadline, locale, year=False),
        ),
    }
    return _checked("closed", render("closed", data))
