"""SQLAlchemy 2 table models. Rows only; the rules live in `reporting/`.

Uniqueness is enforced here so duplicates are impossible whatever the caller does:
one submission per member and cycle, one answer per question and submission, one
member per email and organisation, one member per AAD object id, one cycle per group
and period start.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Tables other libraries own in the same database (APScheduler's job store); migrations
# and drift checks leave them alone.
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    return not (type_ == "table" and name in FOREIGN_TABLES)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime, dict[str, Any]: JSON}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class OrganisationRow(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class QuestionnaireRow(Base):
    """A frozen copy of a questionnaire definition; cycles point at the version they asked."""

    __tablename__ = "questionnaires"
    __table_args__ = (UniqueConstraint("organisation_id", "preset", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    preset: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class GroupRow(Base):
    __tablename__ = "reporting_groups"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        CheckConstraint("cadence_weeks BETWEEN 1 AND 8", name="cadence"),
        CheckConstraint(
            "open_weekday BETWEEN 0 AND 6 AND deadline_weekday BETWEEN 0 AND 6 AND meeting_weekday BETWEEN 0 AND 6",
            name="weekdays",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    preset: Mapped[str] = mapped_column(String(60))
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    cadence_weeks: Mapped[int] = mapped_column(Integer)
    open_weekday: Mapped[int] = mapped_column(Integer)
    open_time: Mapped[dt.time] = mapped_column(Time)
    deadline_weekday: Mapped[int] = mapped_column(Integer)
    deadline_time: Mapped[dt.time] = mapped_column(Time)
    meeting_weekday: Mapped[int] = mapped_column(Integer)
    meeting_time: Mapped[dt.time] = mapped_column(Time)
    reminder_hours: Mapped[str] = mapped_column(String(60), default="24,2")
    first_meeting: Mapped[dt.date] = mapped_column(Date)
    teams_channel_id: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class MemberRow(Base):
    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("organisation_id", "email"),
        CheckConstraint("channel IN ('teams', 'email')", name="channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    agency: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(10))
    aad_object_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    away_until: Mapped[dt.date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)

    roles: Mapped[list[MemberRoleRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="MemberRoleRow.role"
    )


class MemberRoleRow(Base):
    __tablename__ = "member_roles"
    __table_args__ = (
        CheckConstraint("role IN ('reporter', 'coordinator', 'deputy', 'bra', 'admin')", name="role"),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class GroupMemberRow(Base):
    """Who belongs to which reporting group (a member may sit in several)."""

    __tablename__ = "group_members"
    __table_args__ = (Index("ix_group_members_member_id", "member_id"),)

    group_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_groups.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)


class CycleRow(Base):
    __tablename__ = "cycles"
    __table_args__ = (
        UniqueConstraint("group_id", "period_from"),
        CheckConstraint("state IN ('planned', 'open', 'closed', 'digested')", name="state"),
        CheckConstraint("opens_at < deadline AND deadline <= meeting_at", name="order"),
        Index("ix_cycles_state_opens_at", "state", "opens_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("reporting_groups.id", ondelete="CASCADE"))
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    period_from: Mapped[dt.date] = mapped_column(Date)
    period_to: Mapped[dt.date] = mapped_column(Date)
    opens_at: Mapped[dt.datetime] = mapped_column()
    deadline: Mapped[dt.datetime] = mapped_column()
    meeting_at: Mapped[dt.datetime] = mapped_column()
    state: Mapped[str] = mapped_column(String(10), default="planned")
    opened_at: Mapped[dt.datetime | None] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class SubmissionRow(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("cycle_id", "member_id"),
        Index("ix_submissions_member_id", "member_id"),
        CheckConstraint("state IN ('draft', 'submitted')", name="state"),
        CheckConstraint("channel IN ('teams', 'email')", name="channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), default="draft")
    revision: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)

    answers: Mapped[list[AnswerRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AnswerRow.question"
    )


class AnswerRow(Base):
    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("submission_id", "question"),
        CheckConstraint("impact IS NULL OR impact BETWEEN 1 AND 5", name="impact"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(4))
    observations: Mapped[str] = mapped_column(Text, default="")
    impact: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    places_times: Mapped[str] = mapped_column(Text, default="")
    nothing_to_report: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(10))
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)


class SubmissionRevisionRow(Base):
    """Every saved version of a submission, kept whole: what was sent, when and how."""

    __tablename__ = "submission_revisions"
    __table_args__ = (UniqueConstraint("submission_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
