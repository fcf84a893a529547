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
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
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
    email_bounced_at: Mapped[dt.datetime | None]
    email_bounce: Mapped[str | None] = mapped_column(String(400))
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


class TeamsAddressRow(Base):
    """Where to reach a member in Teams: rebuilt into a ConversationReference at send time.
    `conversation_id` is the 1:1 chat, empty until one exists (then created from the roster)."""

    __tablename__ = "teams_addresses"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(200))
    aad_object_id: Mapped[str | None] = mapped_column(String(64))
    tenant_id: Mapped[str] = mapped_column(String(64))
    service_url: Mapped[str] = mapped_column(String(500))
    bot_id: Mapped[str] = mapped_column(String(200))
    conversation_id: Mapped[str | None] = mapped_column(String(500))
    unreachable_since: Mapped[dt.datetime | None] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)


class TeamsTeamRow(Base):
    """A team the bot is installed in: its roster is where 1:1 chats are created from."""

    __tablename__ = "teams_teams"

    team_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(300), default="")
    tenant_id: Mapped[str] = mapped_column(String(64))
    service_url: Mapped[str] = mapped_column(String(500))
    bot_id: Mapped[str] = mapped_column(String(200))
    channel_id: Mapped[str] = mapped_column(String(500))
    installed_at: Mapped[dt.datetime] = mapped_column(default=_now)
    removed_at: Mapped[dt.datetime | None] = mapped_column()


class TeamsUnknownUserRow(Base):
    """A Teams user who wrote to the bot but is not in the directory; the coordinator is told once."""

    __tablename__ = "teams_unknown_users"

    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    aad_object_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300), default="")
    tenant_id: Mapped[str] = mapped_column(String(64), default="")
    first_seen_at: Mapped[dt.datetime] = mapped_column(default=_now)
    coordinator_told_at: Mapped[dt.datetime | None] = mapped_column()


OUTBOX_KINDS = (
    "prompt", "reminder", "receipt", "summary", "digest", "escalation",
    "decision", "feedback", "quarantine_notice",
)  # fmt: skip
OUTBOX_STATES = ("pending", "sending", "sent", "failed", "dead")


class OutboxMessageRow(Base):
    """One outgoing message, rendered once and frozen in `payload`; the dispatcher delivers
    it by id. `failed` waits for `next_attempt_at`; `dead` is given up (or recipient gone).
    `dedupe_key` makes enqueueing idempotent (e.g. one prompt per member and cycle)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("channel IN ('teams', 'email')", name="channel"),
        CheckConstraint("state IN ('pending', 'sending', 'sent', 'failed', 'dead')", name="state"),
        CheckConstraint("kind IN ({})".format(", ".join(f"'{k}'" for k in OUTBOX_KINDS)), name="kind"),
        Index("ix_outbox_messages_due", "state", "next_attempt_at"),
        Index("ix_outbox_messages_member_id", "member_id"),
        Index("ix_outbox_messages_organisation_id", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(500))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id", ondelete="SET NULL"))
    # The municipality the message is about (its member's, cycle's or channel's): what
    # `lagesbild --org X outbox list` shows. Set by `OutboxRepository.enqueue`.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    tenant_id: Mapped[str] = mapped_column(String(64), default="")
    conversation_id: Mapped[str | None] = mapped_column(String(500))
    service_url: Mapped[str | None] = mapped_column(String(500))
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=_now)
    claimed_at: Mapped[dt.datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    last_outcome: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(Text)
    activity_id: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    sent_at: Mapped[dt.datetime | None] = mapped_column()


class OutboxAttemptRow(Base):
    """The typed outcome of each delivery attempt: sent, throttled, failed or recipient_gone."""

    __tablename__ = "outbox_attempts"
    __table_args__ = (
        UniqueConstraint("message_id", "attempt"),
        CheckConstraint("outcome IN ('sent', 'throttled', 'failed', 'recipient_gone')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    status_code: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=_now)


INBOUND_STATES = ("processing", "stored", "closed", "quarantined", "ignored", "rejected", "failed")
INBOUND_KINDS = ("report", "auto_reply", "bounce", "unknown_sender")


class InboundEmailRow(Base):
    """Every email the intake received, once (`message_id` is unique: the Message-ID, or a
    content hash when the mail has none), with its raw bytes and what became of it.

    `raw` is the message as received, except that attachment content is replaced by a
    note unless attachments are kept (metadata stays in `attachments`), and a message over
    10 MB keeps only its header block (`raw_complete` is false in both cases). `status`:
    processing (claimed by a worker since `claimed_at`), stored, closed (the period was
    closed; nothing stored), quarantined (unknown sender), ignored (auto-reply, bounce),
    rejected (nothing could be stored; `reason` says why), failed (the intake itself failed on
    the mail: kept raw with the error as `reason`). `saved_at` is the time given to
    the report's save, so a worker taking over a stale claim can tell whether it happened."""

    __tablename__ = "inbound_emails"
    __table_args__ = (
        CheckConstraint("status IN ({})".format(", ".join(f"'{s}'" for s in INBOUND_STATES)), name="status"),
        CheckConstraint(
            "kind IS NULL OR kind IN ({})".format(", ".join(f"'{k}'" for k in INBOUND_KINDS)), name="kind"
        ),
        Index("ix_inbound_emails_status_sender", "status", "sender"),
        Index("ix_inbound_emails_organisation_id", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(1000), unique=True)
    source: Mapped[str] = mapped_column(String(20))
    mailbox_ref: Mapped[str | None] = mapped_column(String(500))
    sender: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[dt.datetime] = mapped_column()
    size: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="processing")
    reason: Mapped[str] = mapped_column(Text, default="")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id", ondelete="SET NULL"))
    # The sender's municipality, or the one whose intake quarantined it (unknown sender).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    raw_complete: Mapped[bool] = mapped_column(Boolean, default=True)
    parsed: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    claimed_at: Mapped[dt.datetime | None] = mapped_column()
    saved_at: Mapped[dt.datetime | None] = mapped_column()
    processed_at: Mapped[dt.datetime | None] = mapped_column()
    released_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class MailboxStateRow(Base):
    """What a mailbox client must remember between polls (Graph: the inbox's deltaLink)."""

    __tablename__ = "mailbox_states"

    mailbox: Mapped[str] = mapped_column(String(300), primary_key=True)
    delta_link: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)


class PlaceRow(Base):
    """One of the municipality's place names (`lagesbild places import`), found in reports."""

    __tablename__ = "places"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)


class DigestRow(Base):
    """A cycle's digest, built once and frozen: DESIGN's JSON, the cards rendered from it,
    the chart series and which reports each item rests on. A rebuild adds a revision; the
    latest revision is the cycle's digest, and a delivery sends the one it was made from."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("cycle_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    template_version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    cards: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    series: Mapped[dict[str, Any]] = mapped_column(JSON)
    sources: Mapped[dict[str, Any]] = mapped_column(JSON)
    built_at: Mapped[dt.datetime] = mapped_column(default=_now)


ASSESSMENT_LEVELS = ("green", "yellow", "red")


class AssessmentRow(Base):
    """The group's compiled assessment of one question in one cycle (Sammanställd
    bedömning + Kommentar/åtgärd); setting it again replaces it."""

    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("cycle_id", "question"),
        CheckConstraint("level IN ('green', 'yellow', 'red')", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(4))
    level: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    set_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    set_at: Mapped[dt.datetime] = mapped_column(default=_now)


class EscalationRow(Base):
    """A question lifted to the local Brå, once per cycle and question. `reason`: red
    (automatic) or manual (a yellow one); `state`: pending until its card is enqueued in
    the outbox (`outbox_message_id`), then enqueued. Level and comment are as escalated."""

    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("cycle_id", "question"),
        CheckConstraint("level IN ('green', 'yellow', 'red')", name="level"),
        CheckConstraint("reason IN ('red', 'manual')", name="reason"),
        CheckConstraint("state IN ('pending', 'enqueued')", name="state"),
        Index("ix_escalations_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(4))
    level: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    created_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    enqueued_at: Mapped[dt.datetime | None] = mapped_column()


class TeamsChannelRow(Base):
    """A Teams channel linked to a purpose: a group's channel (digest, decisions) or the
    municipality's Brå channel (escalations), with what is needed to post there."""

    __tablename__ = "teams_channels"
    __table_args__ = (
        CheckConstraint("purpose IN ('group', 'bra')", name="purpose"),
        Index("ix_teams_channels_organisation_id_purpose", "organisation_id", "purpose"),
    )

    channel_id: Mapped[str] = mapped_column(String(500), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(10))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("reporting_groups.id", ondelete="CASCADE"))
    team_id: Mapped[str | None] = mapped_column(String(300))
    service_url: Mapped[str] = mapped_column(String(500))
    tenant_id: Mapped[str] = mapped_column(String(64))
    linked_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    linked_at: Mapped[dt.datetime] = mapped_column(default=_now)


DECISION_KINDS = ("atgard", "orsaksanalys", "information")
DECISION_STATUSES = ("beslutad", "pagar", "klar", "avbruten")
PROMISE_RESPONSIBLE = ("polis", "kommun", "bada")


def _in(column: str, values: tuple[str, ...]) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{v}'" for v in values))


class DecisionRow(Base):
    """A decision of the local Brå: what, of which kind, owned by a member or an agency, due
    when, and where it stands. `cycle_id` + `question` (and the answers in
    `decision_answers`) are what it rests on; `result` is a root-cause analysis's result."""

    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint(_in("kind", DECISION_KINDS), name="kind"),
        CheckConstraint(_in("status", DECISION_STATUSES), name="status"),
        CheckConstraint("owner_member_id IS NULL OR owner_agency IS NULL", name="one_owner"),
        Index("ix_decisions_organisation_id_status", "organisation_id", "status"),
        Index("ix_decisions_cycle_id_question", "cycle_id", "question"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20))
    meeting_date: Mapped[dt.date] = mapped_column(Date)
    decided_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    decided_by_name: Mapped[str] = mapped_column(String(200), default="")
    owner_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    owner_agency: Mapped[str | None] = mapped_column(String(100))
    due: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="beslutad")
    result: Mapped[str] = mapped_column(Text, default="")
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id", ondelete="SET NULL"))
    question: Mapped[str | None] = mapped_column(String(4))
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now)
    closed_at: Mapped[dt.datetime | None] = mapped_column()


class DecisionNoteRow(Base):
    """The dated history of a decision: one row per status move or note, the first when decided."""

    __tablename__ = "decision_notes"
    __table_args__ = (
        CheckConstraint(_in("status", DECISION_STATUSES), name="status"),
        Index("ix_decision_notes_decision_id", "decision_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text, default="")
    by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    by_name: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime] = mapped_column(default=_now)


class DecisionAnswerRow(Base):
    """An answer a decision rests on; `member_id` is its reporter (who gets the feedback)."""

    __tablename__ = "decision_answers"
    __table_args__ = (Index("ix_decision_answers_member_id", "member_id"),)

    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))


class PriorityRow(Base):
    """What Brå wants the groups to watch now: current until `ends_on` unless cleared."""

    __tablename__ = "priorities"
    __table_args__ = (Index("ix_priorities_organisation_id_ends_on", "organisation_id", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(200))
    questions: Mapped[str] = mapped_column(String(40), default="")
    ends_on: Mapped[dt.date] = mapped_column(Date)
    created_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_by_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    cleared_at: Mapped[dt.datetime | None] = mapped_column()


class PromiseRow(Base):
    """A citizen promise (medborgarlöfte) for a period; the same title and start once per
    municipality, so creating it from the same file twice is refused."""

    __tablename__ = "promises"
    __table_args__ = (
        UniqueConstraint("organisation_id", "title", "period_from"),
        CheckConstraint("period_from <= period_to", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    period_from: Mapped[dt.date] = mapped_column(Date)
    period_to: Mapped[dt.date] = mapped_column(Date)
    background: Mapped[str] = mapped_column(Text, default="")
    validity: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[dt.date | None] = mapped_column(Date)
    signed_place: Mapped[str] = mapped_column(String(100), default="")
    signatories: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)

    items: Mapped[list[PromiseItemRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PromiseItemRow.number"
    )


class PromiseItemRow(Base):
    """One item of a promise: its text word for word, who is responsible, the report
    questions it concerns and its indicators (`[{"name", "target", "unit"}]`)."""

    __tablename__ = "promise_items"
    __table_args__ = (
        UniqueConstraint("promise_id", "number"),
        CheckConstraint(_in("responsible", PROMISE_RESPONSIBLE), name="responsible"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    promise_id: Mapped[int] = mapped_column(ForeignKey("promises.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(10))
    questions: Mapped[str] = mapped_column(String(40), default="")
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    follow_ups: Mapped[list[PromiseFollowUpRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PromiseFollowUpRow.month"
    )


class PromiseFollowUpRow(Base):
    """A follow-up of an item in a month (one per item, month and indicator; written again,
    it is replaced): what was done and the indicator's value."""

    __tablename__ = "promise_follow_ups"
    __table_args__ = (UniqueConstraint("item_id", "month", "indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("promise_items.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))
    indicator: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[str] = mapped_column(Text, default="")
    value: Mapped[float | None] = mapped_column(Float)
    by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    by_name: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime] = mapped_column(default=_now)
