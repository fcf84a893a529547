"""The Brå meeting's agenda: what is late, what is open, what the groups lifted since the
last meeting, and how the current citizen promises are going.

`agenda_sections` orders the decisions (overdue first, the most late at the top; then the
open ones by due date, those without a date last) and returns plain dicts, the same in
Markdown, HTML and Word. The last meeting is the latest Brå meeting date before the
agenda's date among the municipality's decisions; escalations since then are listed
(all not yet decided on when there was no meeting before).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from reporting.bra.promises import latest_follow_ups, responsible_word, value_text
from reporting.bra.records import Decision, Promise
from reporting.bra.wording import decision_json, owner_text
from reporting.formatting import format_day

FAR = dt.date.max


def last_meeting(decisions: Sequence[Decision], day: dt.date) -> dt.date | None:
    earlier = [d.meeting_date for d in decisions if d.meeting_date < day]
    return max(earlier) if earlier else None


def ordered(decisions: Sequence[Decision], day: dt.date) -> tuple[list[Decision], list[Decision]]:
    """(overdue, open): the open decisions split at `day`, each list in the order shown."""
    open_ = [d for d in decisions if d.is_open]
    overdue = sorted((d for d in open_ if d.is_overdue(day)), key=lambda d: (d.due or FAR, d.id))
    rest = sorted(
        (d for d in open_ if not d.is_overdue(day)), key=lambda d: (d.due or FAR, d.meeting_date, d.id)
    )
    return overdue, rest


def decision_entry(decision: Decision, day: dt.date, locale: str = "sv") -> dict[str, Any]:
    entry = decision_json(decision, day, locale, full=True)
    entry["owner_text"] = owner_text(decision, locale)
    entry["days_late"] = (day - decision.due).days if decision.due and decision.is_overdue(day) else 0
    return entry


def promise_entry(promise: Promise, locale: str = "sv") -> dict[str, Any]:
    """A promise with, per item, its indicators (target and latest value) and latest note."""
    latest = latest_follow_ups(promise)
    items = []
    for item in promise.items:
        notes = sorted(
            (f for f in promise.follow_ups if f.item_number == item.number), key=lambda f: (f.month, f.at)
        )
        items.append(
            {
                "number": item.number,
                "heading": item.heading,
                "text": item.text,
                "responsible": responsible_word(item.responsible, locale),
                "questions": list(item.questions),
                "latest": {"month": notes[-1].month, "text": notes[-1].text} if notes else None,
                "indicators": [
                    {
                        "name": ind.name,
                        "target": ind.target,
                        "unit": ind.unit,
                        "target_text": value_text(ind.target, ind.unit),
                        "value": latest[(item.number, index)].value
                        if (item.number, index) in latest
                        else None,
                        "month": latest[(item.number, index)].month
                        if (item.number, index) in latest
                        else None,
                        "value_text": value_text(
                            latest[(item.number, index)].value if (item.number, index) in latest else None,
                            ind.unit,
                        ),
                    }
                    for index, ind in enumerate(item.indicators, start=1)
                ],
            }
        )
    return {
        "id": promise.id,
        "title": promise.title,
        "period": {"from": promise.period_from.isoformat(), "to": promise.period_to.isoformat()},
        "period_text": f"{format_day(promise.period_from, locale)} – {format_day(promise.period_to, locale)}",
        "items": items,
    }
