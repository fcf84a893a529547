"""Records the digest works on and produces: plain dataclasses, no behaviour."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

Level = Literal["green", "yellow", "red"]
LEVELS: tuple[Level, ...] = ("green", "yellow", "red")


class EarlierAnswer(NamedTuple):
    """A submitted answer of an earlier cycle, as much as recurrence and trends need."""

    cycle_id: int
    question: str
    observations: str
    places_times: str
    impact: int | None
    nothing_to_report: bool


@dataclass(frozen=True, slots=True)
class EarlierCycle:
    """An earlier cycle of the group that got at least one submitted report."""

    cycle_id: int
    period_from: dt.date
    period_to: dt.date
    answers: tuple[EarlierAnswer, ...]


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One cycle on the chart: the mean impact and the number of reports with observations
    per question."""

    cycle_id: int
    period_from: dt.date
    period_to: dt.date
    means: dict[str, float] = field(default_factory=dict)
    observations: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Assessment:
    """The group's compiled assessment of a question (Sammanställd bedömning + Kommentar/åtgärd)."""

    cycle_id: int
    question: str
    level: Level
    comment: str
    set_at: dt.datetime
    set_by_member_id: int | None = None
    escalated: bool = False


@dataclass(frozen=True, slots=True)
class Escalation:
    """A question lifted to the local Brå: a row the delivery (a card to the Brå channel)
    works from. `reason` is "red" (automatic) or "manual" (a yellow one, by the coordinator);
    `state` is "pending" until the card is enqueued in the outbox, then "enqueued"."""

    id: int
    cycle_id: int
    question: str
    level: Level
    comment: str
    reason: str
    state: str
    created_at: dt.datetime
    outbox_message_id: int | None = None


@dataclass(frozen=True, slots=True)
class StoredDigest:
    """A built digest, frozen: DESIGN's JSON (`data`), the cards rendered from it once,
    the chart series and which reports each item rests on (`sources`: question → per item
    the submission ids)."""

    id: int
    cycle_id: int
    revision: int
    template_version: int
    data: dict[str, Any]
    cards: list[dict[str, Any]]
    series: dict[str, Any]
    sources: dict[str, list[list[int]]]
    built_at: dt.datetime
