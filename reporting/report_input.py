"""Turning a report card's submitted inputs into answers, refusing anything forged.

Inputs arrive as the flat dict Teams sends for an `Action.Execute`: DESIGN's ids
`q{n}_observations`, `q{n}_impact` ("1"…"5" or empty), `q{n}_comment` (question 7 only
`q7_comment`), plus the card's own `q{n}_nothing`, `q{n}_places_times` (Ludvika) and
`q{n}_confirm_personal_data`, and the action data (`cycle`). Anything else, a wrong type,
an impact outside 1–5 or a text over 4,000 characters makes the whole payload invalid:
nothing of it is stored, and the reason is a Swedish sentence for the reporter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from reporting.model import Answer
from reporting.questionnaire import Questionnaire
from reporting.screening import screen

MAX_TEXT = 4000
ACTION_KEYS = frozenset({"cycle", "verb", "action"})
_INPUT = re.compile(r"^q(\d+)_(observations|impact|comment|nothing|places_times|confirm_personal_data)$")
TRUE_WORDS = frozenset({"true", "1", "on", "yes", "ja"})
FALSE_WORDS = frozenset({"false", "0", "off", "no", "nej", ""})


class InvalidReport(ValueError):
    """The payload cannot be a genuine report card submission; the message is for the reporter."""


@dataclass(frozen=True, slots=True)
class ReportInput:
    answers: dict[str, Answer]
    warnings: list[dict[str, str]] = field(default_factory=list)
    confirmed: frozenset[str] = frozenset()

    @property
    def unconfirmed_warnings(self) -> list[dict[str, str]]:
        return [w for w in self.warnings if w["question"] not in self.confirmed]


def _flag(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    raise InvalidReport(f"Ogiltigt värde i fältet {key}.")


def _text(value: Any, key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidReport(f"Ogiltigt värde i fältet {key}.")
    if len(value) > MAX_TEXT:
        raise InvalidReport(
            f"Texten i {key} är för lång (högst {MAX_TEXT} tecken). Korta den och skicka igen."
        )
    return value.strip()


def _impact(value: Any, key: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise InvalidReport(f"Ogiltig påverkan i {key}: välj 1–5.")
    if not 1 <= number <= 5:
        raise InvalidReport(f"Ogiltig påverkan i {key}: välj 1–5.")
    return number


def allowed_fields(questionnaire: Questionnaire) -> set[str]:
    keys: set[str] = set()
    for q in questionnaire.questions:
        n = q.number
        keys |= {f"q{n}_comment", f"q{n}_nothing", f"q{n}_confirm_personal_data"}
        if q.observations:
            keys.add(f"q{n}_observations")
        if q.impact:
            keys.add(f"q{n}_impact")
        if q.places_times:
            keys.add(f"q{n}_places_times")
    return keys


def parse_report_inputs(questionnaire: Questionnaire, data: dict[str, Any]) -> ReportInput:
    """Answers for every question of the questionnaire from the card's inputs."""
    if not isinstance(data, dict):
        raise InvalidReport("Kortets innehåll gick inte att läsa.")
    allowed = allowed_fields(questionnaire)
    unknown = sorted(
        k for k in data if k not in allowed and k not in ACTION_KEYS and not k.startswith("msteams")
    )
    if unknown:
        raise InvalidReport(
            "Kortet innehåller okända fält och kan inte tas emot. Öppna ett nytt kort med ”rapportera”."
        )
    for key in data:
        match = _INPUT.match(key)
        if match and match.group(1) not in questionnaire.numbers:
            raise InvalidReport("Kortet innehåller okända fält och kan inte tas emot.")

    answers: dict[str, Answer] = {}
    warnings: list[dict[str, str]] = []
    confirmed: set[str] = set()
    for q in questionnaire.questions:
        n = q.number
        nothing = _flag(data.get(f"q{n}_nothing", "false"), f"q{n}_nothing")
        observations = _text(data.get(f"q{n}_observations"), f"fråga {n}") if q.observations else ""
        comment = _text(data.get(f"q{n}_comment"), f"fråga {n}")
        places_times = _text(data.get(f"q{n}_places_times"), f"fråga {n}") if q.places_times else ""
        impact = _impact(data.get(f"q{n}_impact"), f"fråga {n}") if q.impact else None
        if _flag(data.get(f"q{n}_confirm_personal_data", "false"), f"q{n}_confirm_personal_data"):
            confirmed.add(n)
        if nothing and not (observations or comment or places_times):
            impact = None
        answers[n] = Answer(
            question=n, observations=observations, impact=impact, comment=comment,
            nothing_to_report=nothing, places_times=places_times,
        )  # fmt: skip
        for text in (observations, comment, places_times):
            for finding in screen(text):
                warning = {"code": "personal_data", "question": n, "detail": finding.kind}
                if warning not in warnings:
                    warnings.append(warning)
    return ReportInput(answers, warnings, frozenset(confirmed))


def nothing_this_period(questionnaire: Questionnaire) -> dict[str, Answer]:
    """The one-tap report: nothing to report on every question."""
    return {q.number: Answer(question=q.number, nothing_to_report=True) for q in questionnaire.questions}


def is_blank(answers: dict[str, Answer]) -> bool:
    """True when no question has anything in it, not even "nothing to report"."""
    return all(
        not (a.observations or a.comment or a.places_times or a.impact or a.nothing_to_report)
        for a in answers.values()
    )
