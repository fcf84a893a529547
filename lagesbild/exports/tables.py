"""The digest and the month as CSV (one row per item) and JSON.

CSV is UTF-8 with a byte-order mark (so Excel reads å, ä and ö) and comma-separated,
RFC 4180 quoting. Digest rows: one per item, and one per question without items (so
every question's assessment is there); question 7's positive events as rows of their own.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

DIGEST_COLUMNS = (
    "group", "cycle", "period_from", "period_to", "question", "theme", "summary", "agencies", "sources",
    "places", "times", "recurring_first_seen_cycle", "recurring_cycles_seen", "impact_mean", "impact_max",
    "trend", "suggested_level", "assessment_level", "assessment_comment",
)  # fmt: skip
MONTH_COLUMNS = (
    "month", "group", "question", "theme", "summary", "agencies", "sources", "places", "times", "cycles",
    "suggested_level", "assessment_level", "assessment_comment",
)  # fmt: skip


def _csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _join(values: Iterable[Any]) -> str:
    return "; ".join(str(v) for v in values)


def digest_rows(
    data: Mapping[str, Any], positive_question: str | None = "7", positive_theme: str = ""
) -> list[dict[str, Any]]:
    base = {
        "group": data["group"],
        "cycle": data["cycle"],
        "period_from": data["period"]["from"],
        "period_to": data["period"]["to"],
    }
    rows = []
    for q in data["questions"]:
        assessment = q.get("assessment") or {}
        common = {
            **base,
            "question": q["question"],
            "theme": q["theme"],
            "impact_mean": q["impact"]["mean"],
            "impact_max": q["impact"]["max"],
            "trend": q["impact"]["trend"],
            "suggested_level": q["suggested_assessment"]["level"],
            "assessment_level": assessment.get("level"),
            "assessment_comment": assessment.get("comment"),
        }
        for item in q["items"] or [None]:
            row = dict(common)
            if item is not None:
                recurring = item.get("recurring") or {}
                row.update(
                    summary=item["summary"],
                    agencies=_join(item["agencies"]),
                    sources=item["sources"],
                    places=_join(item["places"]),
                    times=_join(item["times"]),
                    recurring_first_seen_cycle=recurring.get("first_seen_cycle"),
                    recurring_cycles_seen=recurring.get("cycles_seen"),
                )
            rows.append(row)
    if positive_question is not None:
        rows += [
            {**base, "question": positive_question, "theme": positive_theme, "summary": text}
            for text in data["positive"]
        ]
    return rows


def digest_csv(
    data: Mapping[str, Any], positive_question: str | None = "7", positive_theme: str = ""
) -> bytes:
    return _csv(DIGEST_COLUMNS, digest_rows(data, positive_question, positive_theme))


def month_rows(
    month: Mapping[str, Any], positive_question: str | None = "7", positive_theme: str = ""
) -> list[dict[str, Any]]:
    rows = []
    for q in month["questions"]:
        assessment = q.get("assessment") or {}
        common = {
            "month": month["month"],
            "group": month["group"],
            "question": q["question"],
            "theme": q["theme"],
            "suggested_level": q["suggested_level"],
            "assessment_level": assessment.get("level"),
            "assessment_comment": assessment.get("comment"),
        }
        for item in q["items"] or [None]:
            row = dict(common)
            if item is not None:
                row.update(
                    summary=item["summary"],
                    agencies=_join(item["agencies"]),
                    sources=item["sources"],
                    places=_join(item["places"]),
                    times=_join(item["times"]),
                    cycles=_join(item["cycles"]),
                )
            rows.append(row)
    if positive_question is not None:
        rows += [
            {
                "month": month["month"],
                "group": month["group"],
                "question": positive_question,
                "theme": positive_theme,
                "summary": text,
            }
            for text in month["positive"]
        ]
    return rows


def month_csv(
    month: Mapping[str, Any], positive_question: str | None = "7", positive_theme: str = ""
) -> bytes:
    return _csv(MONTH_COLUMNS, month_rows(month, positive_question, positive_theme))


def as_json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
