"""A month's cycles compiled for the county (Länsstyrelsen Dalarna's monthly lägesbild).

A cycle belongs to the month its period ends in. Per question the month lists the
items of all its cycles, those that are the same place or event merged into one (with
the cycles they were seen in); its Sammanställd bedömning is the most severe one the
group set in the month, with each cycle's Kommentar/åtgärd (marked with its weeks);
where the group set none, the most severe suggestion is given, marked as a suggestion.

The county wants the compilation within a week after the month ends;
`county_export_due(today)` says which month to send on the first working day after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from reporting.calendar import is_working_day
from reporting.digest.grouping import Observation, group_observations
from reporting.digest.text import Idf
from reporting.formatting import format_weeks
from reporting.questionnaire import Questionnaire

SEVERITY = {"green": 0, "yellow": 1, "red": 2}


def parse_month(text: str) -> tuple[int, int]:
    """ "2026-11" → (2026, 11); ValueError otherwise."""
    year, _, month = text.strip().partition("-")
    if not (year.isdigit() and month.isdigit() and len(year) == 4 and 1 <= int(month) <= 12):
        raise ValueError(text)
    return int(year), int(month)


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def previous_month(day: dt.date) -> tuple[int, int]:
    last = day.replace(day=1) - dt.timedelta(days=1)
    return last.year, last.month


def first_working_day_of(year: int, month: int) -> dt.date:
    day = dt.date(year, month, 1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def county_export_due(today: dt.date) -> tuple[int, int] | None:
    """The month to send the county today: the one just ended, on the first working day
    after it; None on every other day."""
    if today == first_working_day_of(today.year, today.month):
        return previous_month(today)
    return None


def _weeks(digest: Mapping[str, Any], locale: str) -> str:
    period = digest["period"]
    return format_weeks(dt.date.fromisoformat(period["from"]), dt.date.fromisoformat(period["to"]), locale)


def _merge_items(entries: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Items of several cycles, the same place or event merged (cycles oldest first)."""
    observations = [
        Observation(item["summary"], index, "", tuple(item["places"]))
        for index, (_, item) in enumerate(entries)
    ]
    idf = Idf([o.counts() for o in observations])
    merged: list[dict[str, Any]] = []
    for group in group_observations(observations, idf):
        members = [entries[o.source] for o in group.observations]
        merged.append(
            {
                "summary": group.summary,
                "agencies": sorted({a for _, item in members for a in item["agencies"]}),
                "sources": sum(int(item["sources"]) for _, item in members),
                "places": list(dict.fromkeys(p for _, item in members for p in item["places"])),
                "times": list(dict.fromkeys(t for _, item in members for t in item["times"])),
                "cycles": sorted({cycle for cycle, _ in members}),
            }
        )
    merged.sort(key=lambda i: (-len(i["cycles"]), -i["sources"]))
    return merged


def compile_month(
    *,
    group: str,
    year: int,
    month: int,
    digests: Sequence[Mapping[str, Any]],
    questionnaire: Questionnaire,
    locale: str = "sv",
) -> dict[str, Any]:
    """The month's compilation from its cycles' compiled digests (oldest first)."""
    labels = {a.level: a.label.get(locale) for a in questionnaire.assessment_scale}
    questions = []
    for question in questionnaire.questions:
        if not question.observations:
            continue
        n = question.number
        entries: list[tuple[int, dict[str, Any]]] = []
        set_levels: list[str] = []
        comments: list[str] = []
        suggested: list[str] = []
        counts = {"observations": 0, "nothing": 0, "not_answered": 0}
        for digest in digests:
            found = next((q for q in digest["questions"] if str(q["question"]) == n), None)
            if found is None:
                continue
            for key in counts:
                counts[key] += int(found["counts"][key])
            entries.extend((int(digest["cycle"]), item) for item in found["items"])
            suggested.append(found["suggested_assessment"]["level"])
            if found.get("assessment"):
                set_levels.append(found["assessment"]["level"])
                if found["assessment"]["comment"]:
                    comments.append(f"{_weeks(digest, locale)}: {found['assessment']['comment']}")
        assessment = None
        if set_levels:
            level = max(set_levels, key=SEVERITY.__getitem__)
            assessment = {"level": level, "label": labels.get(level, level), "comment": "\n".join(comments)}
        top_suggestion = max(suggested, key=SEVERITY.__getitem__) if suggested else "green"
        questions.append(
            {
                "question": n,
                "theme": question.theme.get(locale),
                "counts": counts,
                "items": _merge_items(entries),
                "assessment": assessment,
                "suggested_level": top_suggestion,
            }
        )
    positive = list(dict.fromkeys(p for d in digests for p in d["positive"]))
    return {
        "group": group,
        "month": f"{year:04d}-{month:02d}",
        "cycles": [
            {"cycle": d["cycle"], "from": d["period"]["from"], "to": d["period"]["to"]} for d in digests
        ],
        "questions": questions,
        "positive": positive,
    }


__all__ = [
    "compile_month",
    "county_export_due",
    "first_working_day_of",
    "month_bounds",
    "parse_month",
    "previous_month",
]
