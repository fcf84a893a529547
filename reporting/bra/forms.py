"""The Brå cards' verbs and inputs, and reading what a card sends back.

Every card action is an `Action.Execute`; the handler dispatches on the verb and passes
the action's `data` (the button's data merged with the inputs, as Teams sends it):

| verb                 | on card                  | data                                                   |
|----------------------|--------------------------|--------------------------------------------------------|
| `bra.decide.form`    | escalation card "Besluta"| `{"escalation": id, "cycle": id, "question": "n"}`     |
| `bra.decide`         | decision form            | same, plus the form's inputs (below)                   |
| `bra.decide.cancel`  | decision form            | `{"escalation": id}` (back to the escalation card)      |
| `bra.followup.form`  | decision card            | `{"decision": id}`                                     |
| `bra.followup`       | follow-up card           | `{"decision": id}` + `followup_status`, `followup_text`|
| `bra.priority.set`   | priority form            | `priority_text`, `priority_questions`, `priority_until`|
| `bra.priority.clear` | priority form            | `{"priority": id}`                                     |

Decision form inputs: `decision_title`, `decision_text`, `decision_kind` (atgard,
orsaksanalys, information), `decision_owner` (a member's email or an agency),
`decision_due` and `decision_meeting` (YYYY-MM-DD, Input.Date), and in the form the
`beslut` mention answers with, `decision_link` ("<cycle>:<question>", which escalation
or digest question the decision rests on). `priority_questions` is a multi-select:
"1,4".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reporting.bra.decisions import (
    MAX_NOTE,
    DecisionInput,
    InvalidDecision,
    check_text,
    decision_input,
    parse_date,
    parse_status,
)
from reporting.bra.priorities import PriorityInput, priority_input
from reporting.bra.records import DecisionStatus
from reporting.i18n import translator

_ = translator("bra")

VERB_DECIDE_FORM = "bra.decide.form"
VERB_DECIDE = "bra.decide"
VERB_DECIDE_CANCEL = "bra.decide.cancel"
VERB_FOLLOWUP_FORM = "bra.followup.form"
VERB_FOLLOWUP = "bra.followup"
VERB_PRIORITY_SET = "bra.priority.set"
VERB_PRIORITY_CLEAR = "bra.priority.clear"
VERBS = (VERB_DECIDE_FORM, VERB_DECIDE, VERB_DECIDE_CANCEL, VERB_FOLLOWUP_FORM, VERB_FOLLOWUP,
         VERB_PRIORITY_SET, VERB_PRIORITY_CLEAR)  # fmt: skip

DECISION_INPUTS = ("decision_title", "decision_text", "decision_kind", "decision_owner", "decision_due",
                   "decision_meeting", "decision_link")  # fmt: skip
FOLLOWUP_INPUTS = ("followup_status", "followup_text")
PRIORITY_INPUTS = ("priority_text", "priority_questions", "priority_until")


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


def _int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None or str(value).strip() == "":
        return None
    try:
        return int(str(value))
    except ValueError:
        raise InvalidDecision(f"{key}: {value!r}") from None


def link_value(cycle_id: int, question: str) -> str:
    return f"{cycle_id}:{question}"


def parse_decision_form(data: Mapping[str, Any], *, today: dt.date, locale: str = "sv") -> DecisionInput:
    """The decision form's inputs checked; raises `InvalidDecision` with a sentence for the person."""
    cycle_id, question = _int(data, "cycle"), data.get("question")
    link = _text(data, "decision_link").strip()
    if link:
        left, _sep, right = link.partition(":")
        if not (left.isdigit() and right.strip()):
            raise InvalidDecision(_("Välj vad beslutet bygger på.", locale))
        cycle_id, question = int(left), right.strip()
    meeting = parse_date(_text(data, "decision_meeting"), _("Brå-mötet", locale), locale) or today
    return decision_input(
        title=_text(data, "decision_title"),
        text=_text(data, "decision_text"),
        kind=_text(data, "decision_kind") or None,
        meeting_date=meeting,
        owner=_text(data, "decision_owner"),
        due=parse_date(_text(data, "decision_due"), _("sista dag", locale), locale),
        cycle_id=cycle_id,
        question=None if question is None else str(question),
        escalation_id=_int(data, "escalation"),
        locale=locale,
    )


@dataclass(frozen=True, slots=True)
class FollowUpInput:
    decision_id: int
    status: DecisionStatus
    text: str


def parse_followup_form(data: Mapping[str, Any], locale: str = "sv") -> FollowUpInput:
    decision_id = _int(data, "decision")
    if decision_id is None:
        raise InvalidDecision(_("Kortet saknar beslutets nummer.", locale))
    return FollowUpInput(
        decision_id,
        parse_status(_text(data, "followup_status"), locale),
        check_text(_text(data, "followup_text"), locale, limit=MAX_NOTE),
    )


def parse_priority_form(data: Mapping[str, Any], *, today: dt.date, locale: str = "sv") -> PriorityInput:
    return priority_input(
        text=_text(data, "priority_text"),
        questions=_text(data, "priority_questions"),
        ends_on=parse_date(_text(data, "priority_until"), _("slutdatum", locale), locale),
        today=today,
        locale=locale,
    )


def parse_priority_clear(data: Mapping[str, Any], locale: str = "sv") -> int:
    priority_id = _int(data, "priority")
    if priority_id is None:
        raise InvalidDecision(_("Kortet saknar prioriteringens nummer.", locale))
    return priority_id
