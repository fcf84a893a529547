"""Records of the Brå loop: plain dataclasses, no behaviour beyond small derived values."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


class DecisionKind(enum.StrEnum):
    ATGARD = "atgard"
    ORSAKSANALYS = "orsaksanalys"
    INFORMATION = "information"


class DecisionStatus(enum.StrEnum):
    BESLUTAD = "beslutad"
    PAGAR = "pagar"
    KLAR = "klar"
    AVBRUTEN = "avbruten"

    @property
    def is_open(self) -> bool:
        return self in (DecisionStatus.BESLUTAD, DecisionStatus.PAGAR)


@dataclass(frozen=True, slots=True)
class StatusNote:
    """One dated entry of a decision's history: the status it moved to and why."""

    status: DecisionStatus
    text: str
    at: dt.datetime
    by_member_id: int | None = None
    by_name: str = ""


@dataclass(frozen=True, slots=True)
class Basis:
    """What a decision rests on: a cycle's question and how many reports from which
    agencies (never who)."""

    cycle_id: int | None
    period_from: dt.date | None
    period_to: dt.date | None
    question: str | None
    theme: str
    reports: int
    agencies: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Decision:
    id: int
    organisation_id: int
    title: str
    text: str
    kind: DecisionKind
    meeting_date: dt.date
    decided_by_member_id: int | None
    decided_by_name: str
    owner_member_id: int | None
    owner_agency: str | None
    owner_name: str  # "Anna Andersson (fastighet)" or the agency, "" when nobody is named
    due: dt.date | None
    status: DecisionStatus
    result: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    basis: Basis
    group_id: int | None = None
    history: tuple[StatusNote, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_open and self.due is not None and today > self.due


@dataclass(frozen=True, slots=True)
class LinkedAnswer:
    """An answer a decision rests on, with what its reporter is told about it."""

    answer_id: int
    submission_id: int
    member_id: int
    cycle_id: int
    question: str
    observations: str
    submitted_at: dt.datetime | None
    period_from: dt.date
    period_to: dt.date


@dataclass(frozen=True, slots=True)
class Priority:
    """What Brå wants the groups to watch now, until `ends_on` (inclusive)."""

    id: int
    organisation_id: int
    text: str
    questions: tuple[str, ...]
    ends_on: dt.date
    created_at: dt.datetime
    created_by_name: str = ""
    cleared_at: dt.datetime | None = None

    def is_current(self, today: dt.date) -> bool:
        return self.cleared_at is None and today <= self.ends_on


class Responsible(enum.StrEnum):
    POLIS = "polis"
    KOMMUN = "kommun"
    BADA = "bada"  # both: "polis och kommun"


@dataclass(frozen=True, slots=True)
class Indicator:
    name: str
    target: float | None = None
    unit: str = ""


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A follow-up of one promise item in one month: what was done, and the indicator's value."""

    item_number: int
    month: str  # YYYY-MM
    text: str
    value: float | None
    at: dt.datetime
    by_name: str = ""
    indicator: int = 1  # which of the item's indicators `value` measures (1-based)


@dataclass(frozen=True, slots=True)
class PromiseItem:
    number: int
    heading: str
    text: str
    responsible: Responsible
    questions: tuple[str, ...]
    indicators: tuple[Indicator, ...] = ()


@dataclass(frozen=True, slots=True)
class Promise:
    """A medborgarlöfte: the municipality's and the police's promise for a period."""

    id: int
    organisation_id: int
    title: str
    period_from: dt.date
    period_to: dt.date
    background: str
    validity: str
    signed_at: dt.date | None
    signed_place: str
    signatories: tuple[tuple[str, str], ...]  # (name, title)
    items: tuple[PromiseItem, ...]
    follow_ups: tuple[FollowUp, ...] = field(default=())
    created_at: dt.datetime | None = None

    def is_current(self, today: dt.date) -> bool:
        return self.period_from <= today <= self.period_to

    def item(self, number: int) -> PromiseItem:
        for item in self.items:
            if item.number == number:
                return item
        raise KeyError(number)
