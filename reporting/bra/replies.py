"""A status update typed by a decision's owner: in the Teams 1:1 chat ("klar", with a
comment) or as the first line of an email.

    klar                         → klar, no decision named, no comment
    klar: trygghetsvandringen gjord 3 dec
    klar #12 – trygghetsvandringen gjord
    pågår 12 första mötet hållet
    avbruten: ingen budget

`parse_status_reply` returns None when the text does not start with a status word, so
the chat handler can go on with its other commands. Without a number, the member's own
single open decision is meant (`lagesbild.operations.decisions.decision_for_reply`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reporting.bra.decisions import InvalidDecision, parse_status
from reporting.bra.records import DecisionStatus

_REPLY = re.compile(
    r"^\s*(?P<status>klar|klart|pågår|pagar|avbruten|avbrutet|done|in progress|cancelled|canceled)"
    r"(?:\s*#?\s*(?P<id>\d+))?\s*(?:[:–—-]\s*|\s+|$)(?P<text>.*)$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class StatusReply:
    status: DecisionStatus
    decision_id: int | None
    text: str


def parse_status_reply(text: str) -> StatusReply | None:
    match = _REPLY.match(text or "")
    if match is None:
        return None
    try:
        status = parse_status(match["status"])
    except InvalidDecision:  # pragma: no cover - the pattern only admits known words
        return None
    return StatusReply(status, int(match["id"]) if match["id"] else None, match["text"].strip())
