"""Domain records shared by every package: plain dataclasses and enums, no behaviour beyond validation."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


class Role(enum.StrEnum):
    REPORTER = "reporter"
    COORDINATOR = "coordinator"
    DEPUTY = "deputy"
    BRA = "bra"
    ADMIN = "admin"


class Channel(enum.StrEnum):
    TEAMS = "teams"
    EMAIL = "email"


class CycleState(enum.StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"
    DIGESTED = "digested"


class SubmissionState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


# The agencies the templates name; a member's agency is free text, these are the usual ones.
KNOWN_AGENCIES = (
    "fastighet",
    "fritid",
    "skola",
    "socialtjänst",
    "polis",
    "bostadsbolag",
    "fältassistent",
    "räddningstjänst",
    "kommun",
)


@dataclass(frozen=True, slots=True)
class Organisation:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a group's cycles happen. Weekdays are 0 = Monday … 6 = Sunday."""

    cadence_weeks: int
    open_weekday: int
    open_time: dt.time
    deadline_weekday: int
    deadline_time: dt.time
    meeting_weekday: int
    meeting_time: dt.time
    reminder_hours: tuple[int, ...] = (24, 2)


@dataclass(frozen=True, slots=True)
class ReportingGroup:
    id: int
    organisation_id: int
    name: str
    preset: str
    questionnaire_id: int
    schedule: Schedule
    first_meeting: dt.date
    teams_channel_id: str | None = None


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    organisation_id: int
    name: str
    email: str
    agency: str
    roles: frozenset[Role]
    channel: Channel
    aad_object_id: str | None = None
    away_until: dt.date | None = None
    active: bool = True
    email_bounced_at: dt.datetime | None = None  # a permanent delivery failure was reported
    email_bounce: str | None = None  # its status and the receiving server's words

    def is_away(self, on: dt.date) -> bool:
        return self.away_until is not None and on <= self.away_until


@dataclass(frozen=True, slots=True)
class Cycle:
    id: int
    group_id: int
    questionnaire_id: int
    period_from: dt.date
    period_to: dt.date
    opens_at: dt.datetime
    deadline: dt.datetime
    meeting_at: dt.datetime
    state: CycleState
    opened_at: dt.datetime | None = None  # when it really opened (early, by hand, or on time)


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    observations: str = ""
    impact: int | None = None
    comment: str = ""
    nothing_to_report: bool = False
    places_times: str = ""

    def __post_init__(self) -> None:
        if self.impact is not None and not 1 <= self.impact <= 5:
            raise ValueError(f"impact must be 1–5, got {self.impact}")

    @property
    def has_observations(self) -> bool:
        return not self.nothing_to_report and bool(self.observations.strip())


@dataclass(frozen=True, slots=True)
class Submission:
    id: int
    cycle_id: int
    member_id: int
    channel: Channel
    state: SubmissionState
    revision: int
    answers: dict[str, Answer] = field(default_factory=dict)
    submitted_at: dt.datetime | None = None
