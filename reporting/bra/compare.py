"""Comparison over time and between municipalities: aggregates only.

Per municipality, question and month (a cycle belongs to the month its period ends in,
as in the county's month): reports sent, how many and which share had observations on
the question, mean impact, the group's assessments green/yellow/red, Brå decisions taken
(by meeting date) and done (by the day they were closed), and the median number of days
from a report to the feedback its reporter got about it (by the report's month).

Nothing here carries free text: the operation feeds it counts, sums and dates, and the
only words in the result are the municipalities' names and the questions' themes. That
is the rule that lets a county compare its municipalities: only aggregates cross a
municipality's border.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reporting.digest.month import parse_month

LEVELS = ("green", "yellow", "red")


@dataclass(frozen=True, slots=True)
class AnswerFacts:
    """One cycle's submitted answers to one question, summed."""

    organisation: str
    month: str
    question: str
    observations: int
    impact_sum: int
    impact_count: int


@dataclass(frozen=True, slots=True)
class DecisionFacts:
    organisation: str
    question: str | None
    taken: str  # month of the Brå meeting
    done: str | None  # month it was closed as klar


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_between(first: str, last: str) -> list[str]:
    """ "2026-11", "2027-02" → the four months, in order; ValueError if `last` is earlier."""
    year, month = parse_month(first)
    end = parse_month(last)
    if end < (year, month):
        raise ValueError(f"{last} is before {first}")
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _median(values: Sequence[float]) -> float | None:
    return round(float(statistics.median(values)), 1) if values else None


def compare_rows(
    *,
    organisations: Sequence[str],
    months: Sequence[str],
    questions: Mapping[str, str],
    reports: Mapping[tuple[str, str], int],
    answers: Sequence[AnswerFacts],
    assessments: Sequence[tuple[str, str, str, str]],
    decisions: Sequence[DecisionFacts],
    feedback_days: Sequence[tuple[str, str, str, float]],
) -> list[dict[str, Any]]:
    """One row per municipality, question and month (zeros and nulls where nothing happened).

    `reports`: (organisation, month) → submitted reports; `assessments`: (organisation,
    month, question, level); `feedback_days`: (organisation, month, question, days)."""
    wanted = set(months)
    obs: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for a in answers:
        if a.month in wanted:
            entry = obs[(a.organisation, a.question, a.month)]
            entry[0] += a.observations
            entry[1] += a.impact_sum
            entry[2] += a.impact_count
    levels: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(LEVELS, 0))
    for organisation, month, question, level in assessments:
        if level in LEVELS:
            levels[(organisation, question, month)][level] += 1
    taken: dict[tuple[str, str, str], int] = defaultdict(int)
    done: dict[tuple[str, str, str], int] = defaultdict(int)
    for d in decisions:
        if d.question is None:
            continue
        taken[(d.organisation, d.question, d.taken)] += 1
        if d.done is not None:
            done[(d.organisation, d.question, d.done)] += 1
    days: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for organisation, month, question, value in feedback_days:
        days[(organisation, question, month)].append(value)

    rows = []
    for organisation in organisations:
        for question, theme in questions.items():
            for month in months:
                key = (organisation, question, month)
                sent = reports.get((organisation, month), 0)
                observations, impact_sum, impact_count = obs.get(key, [0, 0, 0])
                rows.append(
                    {
                        "organisation": organisation,
                        "question": question,
                        "theme": theme,
                        "month": month,
                        "reports": sent,
                        "observations": observations,
                        "observations_share": round(observations / sent, 3) if sent else None,
                        "impact_mean": round(impact_sum / impact_count, 2) if impact_count else None,
                        "assessments": dict(levels.get(key, dict.fromkeys(LEVELS, 0))),
                        "decisions": {"taken": taken.get(key, 0), "done": done.get(key, 0)},
                        "feedback_days_median": _median(days.get(key, [])),
                    }
                )
    return rows


CSV_COLUMNS = (
    "organisation", "question", "theme", "month", "reports", "observations", "observations_share",
    "impact_mean", "assessments_green", "assessments_yellow", "assessments_red", "decisions_taken",
    "decisions_done", "feedback_days_median",
)  # fmt: skip


def csv_row(row: Mapping[str, Any]) -> list[Any]:
    flat = dict(row)
    for level in LEVELS:
        flat[f"assessments_{level}"] = row["assessments"][level]
    flat["decisions_taken"] = row["decisions"]["taken"]
    flat["decisions_done"] = row["decisions"]["done"]
    return ["" if flat[c] is None else flat[c] for c in CSV_COLUMNS]
