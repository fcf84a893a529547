"""Past reports for `lagesbild reports import FILE.jsonl`: reading and checking each line.

A line is DESIGN's parsed report with `"period": {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}`
instead of `"cycle"`:

    {"reporter": "anna@kommun.se", "period": {"from": "2026-10-05", "to": "2026-10-18"},
     "channel": "email", "answers": {"1": {"observations": "…", "impact": 3, "comment": "…",
     "nothing_to_report": false}, "7": {"comment": "…"}}}

`channel` is "teams" or "email" (default "email": typed up from the Word template).
An answer has `observations`, `impact` (1–5 or null), `comment`, `nothing_to_report` and,
in the Ludvika template, `places_times` — each only where the group's template asks for
it. `warnings` on the line are ignored: the text is screened again here. A bad line is
reported with its number and the reason (Swedish); the importer imports nothing then.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from reporting.members_csv import normalise_email
from reporting.model import Answer, Channel
from reporting.questionnaire import Questionnaire
from reporting.report_input import MAX_TEXT
from reporting.screening import screen

ANSWER_FIELDS = frozenset({"observations", "impact", "comment", "nothing_to_report", "places_times"})
LINE_FIELDS = frozenset({"reporter", "period", "channel", "answers", "warnings", "submitted_at"})


class BadLine(ValueError):
    """The line cannot be imported; the message says why (Swedish)."""


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"rad {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class PastReport:
    line: int
    reporter: str
    period_from: dt.date
    period_to: dt.date
    channel: Channel
    raw_answers: dict[str, Any]


def _date(value: Any, what: str) -> dt.date:
    if not isinstance(value, str):
        raise BadLine(f"{what} saknas eller är inte ett datum (ÅÅÅÅ-MM-DD)")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadLine(f"{what} är inte ett datum (ÅÅÅÅ-MM-DD): {value!r}") from None


def parse_line(text: str, line: int, *, today: dt.date) -> PastReport:
    """The line's report, its answers not yet checked against a questionnaire."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadLine(f"ogiltig JSON ({exc.msg}, tecken {exc.pos + 1})") from None
    if not isinstance(data, dict):
        raise BadLine("raden ska vara ett JSON-objekt")
    unknown = sorted(set(data) - LINE_FIELDS)
    if unknown:
        hint = " (använd period i stället för cycle)" if "cycle" in unknown else ""
        raise BadLine(f"okända fält: {', '.join(unknown)}{hint}")
    reporter = data.get("reporter")
    if not isinstance(reporter, str) or "@" not in reporter:
        raise BadLine("reporter ska vara rapportörens e-postadress")
    period = data.get("period")
    if not isinstance(period, dict):
        raise BadLine('period saknas ({"from": "ÅÅÅÅ-MM-DD", "to": "ÅÅÅÅ-MM-DD"})')
    start, end = _date(period.get("from"), "period.from"), _date(period.get("to"), "period.to")
    if end < start:
        raise BadLine(f"perioden slutar ({end}) före den börjar ({start})")
    if end >= today:
        raise BadLine(f"perioden {start}–{end} har inte tagit slut; importera bara tidigare rapporter")
    channel = data.get("channel", "email")
    if channel not in ("teams", "email"):
        raise BadLine(f"channel ska vara teams eller email, inte {channel!r}")
    answers = data.get("answers")
    if not isinstance(answers, dict) or not answers:
        raise BadLine("answers saknas eller är tomt")
    return PastReport(line, normalise_email(reporter), start, end, Channel(channel), answers)


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadLine(f"{where} ska vara text")
    if len(value) > MAX_TEXT:
        raise BadLine(f"{where} är för lång (högst {MAX_TEXT} tecken)")
    return value.strip()


def _impact(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        raise BadLine(f"{where} ska vara 1–5 eller null")
    return value


def check_answers(
    report: PastReport, questionnaire: Questionnaire
) -> tuple[dict[str, Answer], list[dict[str, str]]]:
    """The answers, checked against the group's questionnaire, and personal-data warnings."""
    answers: dict[str, Answer] = {}
    warnings: list[dict[str, str]] = []
    numbers = questionnaire.numbers
    for key, raw in report.raw_answers.items():
        number = str(key)
        if number not in numbers:
            raise BadLine(f"fråga {number} finns inte i mallen (frågorna är {numbers[0]}–{numbers[-1]})")
        if not isinstance(raw, dict):
            raise BadLine(f"svaret på fråga {number} ska vara ett objekt")
        unknown = sorted(set(raw) - ANSWER_FIELDS)
        if unknown:
            raise BadLine(f"fråga {number}: okända fält {', '.join(unknown)}")
        question = questionnaire.question(number)
        where = f"fråga {number}"
        observations = _text(raw.get("observations"), f"{where}: observations")
        places_times = _text(raw.get("places_times"), f"{where}: places_times")
        impact = _impact(raw.get("impact"), f"{where}: impact")
        if observations and not question.observations:
            raise BadLine(f"{where} har bara kommentar i mallen; skriv texten i comment")
        if places_times and not question.places_times:
            raise BadLine(f"{where} har inga platser och tider i mallen")
        if impact is not None and not (question.impact and questionnaire.impact_scale is not None):
            raise BadLine(f"{where} har ingen påverkan i mallen")
        nothing = raw.get("nothing_to_report", False)
        if not isinstance(nothing, bool):
            raise BadLine(f"{where}: nothing_to_report ska vara true eller false")
        comment = _text(raw.get("comment"), f"{where}: comment")
        answers[number] = Answer(
            number,
            observations=observations,
            impact=impact,
            comment=comment,
            nothing_to_report=nothing,
            places_times=places_times,
        )
        for text in (observations, places_times, comment):
            for finding in screen(text):
                warnings.append({"code": "personal_data", "question": number, "detail": finding.kind})
    return answers, warnings
