"""Inbound emails: claimed once by Message-ID, finished with their outcome, listed and
released from quarantine; and the state a mailbox client keeps between polls.

`claim` is the one door into the table. It inserts the row (INSERT … ON CONFLICT DO
NOTHING on the unique Message-ID), so of two pollers that fetched the same mail only
one gets it; the other is told `duplicate` (already finished) or `busy` (another worker
holds it). A row left in `processing` by a process that died is taken over once its
claim is older than the lease. `keep_failed` is the other door, for a mail the intake
failed on before or while claiming it: it is kept raw, as `failed`, with the error.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import NotFound
from storage.models import (
    InboundEmailRow,
    MailboxStateRow,
    MemberRow,
    OrganisationRow,
    OutboxMessageRow,
    SubmissionRevisionRow,
    SubmissionRow,
)
from storage.upsert import insert_for


class InboundStatus(enum.StrEnum):
    PROCESSING = "processing"
    STORED = "stored"
    CLOSED = "closed"
    QUARANTINED = "quarantined"
    IGNORED = "ignored"
    REJECTED = "rejected"
    FAILED = "failed"  # the intake failed on it: kept raw, the error is the reason


class ClaimOutcome(enum.StrEnum):
    NEW = "new"  # first time seen: this worker processes it
    TAKEN_OVER = "taken_over"  # a stale claim (its worker died): this worker finishes it
    DUPLICATE = "duplicate"  # already processed
    BUSY = "busy"  # another worker is processing it right now


@dataclass(frozen=True, slots=True)
class InboundEmailRecord:
    id: int
    message_id: str
    source: str
    mailbox_ref: str | None
    sender: str
    subject: str
    received_at: dt.datetime
    size: int
    kind: str | None
    status: InboundStatus
    reason: str
    member_id: int | None
    cycle_id: int | None
    raw_complete: bool
    organisation_id: int | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    parsed: dict[str, Any] | None = None
    claimed_at: dt.datetime | None = None
    saved_at: dt.datetime | None = None
    processed_at: dt.datetime | None = None
    released_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    outcome: ClaimOutcome
    record: InboundEmailRecord


def _record(row: InboundEmailRow) -> InboundEmailRecord:
    return InboundEmailRecord(
        id=row.id,
        message_id=row.message_id,
        source=row.source,
        mailbox_ref=row.mailbox_ref,
        sender=row.sender,
        subject=row.subject,
        received_at=row.received_at,
        size=row.size,
        kind=row.kind,
        status=InboundStatus(row.status),
        reason=row.reason,
        member_id=row.member_id,
        cycle_id=row.cycle_id,
        raw_complete=row.raw_complete,
        organisation_id=row.organisation_id,
        problems=list(row.problems or []),
        attachments=list(row.attachments or []),
        parsed=row.parsed,
        claimed_at=row.claimed_at,
        saved_at=row.saved_at,
        processed_at=row.processed_at,
        released_at=row.released_at,
    )


def _organisation_id(name: str | None) -> Any:
    """The named municipality's id, as a subquery for an insert; None without a name."""
    if not name:
        return None
    return select(OrganisationRow.id).where(OrganisationRow.name == name).scalar_subquery()


class InboundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(
        self,
        *,
        message_id: str,
        source: str,
        raw: bytes,
        raw_complete: bool,
        sender: str,
        subject: str,
        size: int,
        received_at: dt.datetime,
        now: dt.datetime,
        lease: dt.timedelta,
        mailbox_ref: str | None = None,
        kind: str | None = None,
        problems: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        organisation: str | None = None,
    ) -> Claim:
        """Insert the email as `processing`, claimed now; or say why this worker must not.
        `organisation` names the municipality whose intake received it (the mail is its
        until `finish` names the member it is from)."""
        stmt = insert_for(self.session, InboundEmailRow).values(
            organisation_id=_organisation_id(organisation),
            message_id=message_id,
            source=source,
            mailbox_ref=mailbox_ref,
            sender=sender[:320],
            subject=subject,
            received_at=received_at,
            size=size,
            kind=kind,
            status=InboundStatus.PROCESSING.value,
            reason="",
            raw=raw,
            raw_complete=raw_complete,
            problems=problems or [],
            attachments=attachments or [],
            claimed_at=now,
            created_at=now,
        )
        stmt = stmt.on_conflict_do_nothing(index_elements=["message_id"]).returning(InboundEmailRow.id)
        inserted = (await self.session.execute(stmt)).scalar_one_or_none()
        row = await self._by_message_id(message_id)
        assert row is not None
        if inserted is not None:
            return Claim(ClaimOutcome.NEW, _record(row))
        if row.status != InboundStatus.PROCESSING.value:
            return Claim(ClaimOutcome.DUPLICATE, _record(row))
        if row.claimed_at is not None and row.claimed_at > now - lease:
            return Claim(ClaimOutcome.BUSY, _record(row))
        taken = await self.session.execute(
            update(InboundEmailRow)
            .where(
                InboundEmailRow.id == row.id,
                InboundEmailRow.status == InboundStatus.PROCESSING.value,
                InboundEmailRow.claimed_at == row.claimed_at,
            )
            .values(claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        if not taken.rowcount:  # type: ignore[attr-defined]
            return Claim(ClaimOutcome.BUSY, _record(row))
        previous = _record(row)
        return Claim(ClaimOutcome.TAKEN_OVER, previous)

    async def keep_failed(
        self,
        *,
        message_id: str,
        source: str,
        raw: bytes,
        raw_complete: bool,
        sender: str,
        size: int,
        received_at: dt.datetime,
        now: dt.datetime,
        reason: str,
        mailbox_ref: str | None = None,
        organisation: str | None = None,
    ) -> tuple[InboundEmailRecord, bool]:
        """Insert the email as `failed` with `reason`; (the row, True), or (the row already
        kept under that Message-ID, False): a mail that fails again is kept once."""
        stmt = insert_for(self.session, InboundEmailRow).values(
            organisation_id=_organisation_id(organisation), message_id=message_id, source=source[:20], mailbox_ref=mailbox_ref, sender=sender[:320], subject="",
            received_at=received_at, size=size, status=InboundStatus.FAILED.value, reason=reason[:4000], raw=raw,
            raw_complete=raw_complete, problems=[], attachments=[], processed_at=now, created_at=now,
        )  # fmt: skip
        stmt = stmt.on_conflict_do_nothing(index_elements=["message_id"]).returning(InboundEmailRow.id)
        inserted = (await self.session.execute(stmt)).scalar_one_or_none()
        row = await self._by_message_id(message_id)
        assert row is not None
        return _record(row), inserted is not None

    async def _by_message_id(self, message_id: str) -> InboundEmailRow | None:
        stmt = select(InboundEmailRow).where(InboundEmailRow.message_id == message_id)
        return (await self.session.scalars(stmt.execution_options(populate_existing=True))).first()

    async def prepare_save(
        self, inbound_id: int, *, member_id: int, cycle_id: int, saved_at: dt.datetime
    ) -> None:
        """Note, before the report is saved, whose it is and the time its save will carry."""
        await self.session.execute(
            update(InboundEmailRow)
            .where(InboundEmailRow.id == inbound_id)
            .values(member_id=member_id, cycle_id=cycle_id, saved_at=saved_at)
        )

    async def save_happened(self, record: InboundEmailRecord) -> bool:
        """Whether the report save noted by `prepare_save` was committed (its revision
        carries exactly `saved_at`)."""
        if record.saved_at is None or record.member_id is None or record.cycle_id is None:
            return False
        found = await self.session.scalar(
            select(func.count())
            .select_from(SubmissionRevisionRow)
            .join(SubmissionRow, SubmissionRow.id == SubmissionRevisionRow.submission_id)
            .where(
                SubmissionRow.cycle_id == record.cycle_id,
                SubmissionRow.member_id == record.member_id,
                SubmissionRevisionRow.created_at == record.saved_at,
            )
        )
        return bool(found)

    async def finish(
        self,
        inbound_id: int,
        *,
        status: InboundStatus,
        now: dt.datetime,
        kind: str | None = None,
        reason: str = "",
        member_id: int | None = None,
        cycle_id: int | None = None,
        parsed: dict[str, Any] | None = None,
        released: bool = False,
    ) -> None:
        values: dict[str, Any] = {"status": status.value, "reason": reason[:4000], "processed_at": now,
                                  "claimed_at": None}  # fmt: skip
        if kind is not None:
            values["kind"] = kind
        if member_id is not None:
            values["member_id"] = member_id
            # the mail is the member's municipality's from now on
            values["organisation_id"] = (
                select(MemberRow.organisation_id).where(MemberRow.id == member_id).scalar_subquery()
            )
        if cycle_id is not None:
            values["cycle_id"] = cycle_id
        if parsed is not None:
            values["parsed"] = parsed
        if released:
            values["released_at"] = now
        await self.session.execute(
            update(InboundEmailRow).where(InboundEmailRow.id == inbound_id).values(**values)
        )

    async def reclaim(self, inbound_id: int, *, from_status: InboundStatus, now: dt.datetime) -> bool:
        """Take a finished row back into `processing` (a quarantined mail being released)."""
        result = await self.session.execute(
            update(InboundEmailRow)
            .where(InboundEmailRow.id == inbound_id, InboundEmailRow.status == from_status.value)
            .values(status=InboundStatus.PROCESSING.value, claimed_at=now, saved_at=None)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def get(self, inbound_id: int) -> InboundEmailRecord:
        row = await self.session.get(InboundEmailRow, inbound_id, populate_existing=True)
        if row is None:
            raise NotFound(f"Inget inkommet mejl med id {inbound_id}")
        return _record(row)

    async def by_message_id(self, message_id: str) -> InboundEmailRecord | None:
        row = await self._by_message_id(message_id)
        return _record(row) if row else None

    async def raw(self, inbound_id: int) -> bytes:
        value = await self.session.scalar(select(InboundEmailRow.raw).where(InboundEmailRow.id == inbound_id))
        if value is None:
            raise NotFound(f"Inget inkommet mejl med id {inbound_id}")
        return bytes(value)

    async def list(
        self,
        status: InboundStatus | None = None,
        *,
        sender: str | None = None,
        limit: int | None = None,
        organisation_id: int | None = None,
    ) -> list[InboundEmailRecord]:
        """The emails, oldest first; with `organisation_id`, that municipality's only."""
        stmt = select(InboundEmailRow).order_by(InboundEmailRow.id)
        if organisation_id is not None:
            stmt = stmt.where(InboundEmailRow.organisation_id == organisation_id)
        if status is not None:
            stmt = stmt.where(InboundEmailRow.status == status.value)
        if sender is not None:
            stmt = stmt.where(InboundEmailRow.sender == sender)
        if limit:
            stmt = stmt.limit(limit)
        return [_record(r) for r in await self.session.scalars(stmt)]

    async def count(self, status: InboundStatus | None = None) -> int:
        stmt = select(func.count()).select_from(InboundEmailRow)
        if status is not None:
            stmt = stmt.where(InboundEmailRow.status == status.value)
        return int(await self.session.scalar(stmt) or 0)

    # -- mailbox state ----------------------------------------------------------------

    async def delta_link(self, mailbox: str) -> str | None:
        return await self.session.scalar(
            select(MailboxStateRow.delta_link).where(MailboxStateRow.mailbox == mailbox)
        )

    async def set_delta_link(self, mailbox: str, delta_link: str | None, *, now: dt.datetime) -> None:
        stmt = insert_for(self.session, MailboxStateRow).values(
            mailbox=mailbox, delta_link=delta_link, updated_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["mailbox"], set_={"delta_link": delta_link, "updated_at": now}
        )
        await self.session.execute(stmt)

    # -- our own sent mail, for replies -----------------------------------------------

    async def prompt_cycle(self, *, message_id: str, cycle_id: int, member_id: int) -> int | None:
        """The cycle of the prompt we sent with this Message-ID (its outbox row is found by its
        dedupe key), or None when we sent no such prompt."""
        row = await self.session.scalar(
            select(OutboxMessageRow).where(OutboxMessageRow.dedupe_key == f"prompt:{cycle_id}:{member_id}")
        )
        if row is None or row.channel != "email" or (row.payload or {}).get("message_id") != message_id:
            return None
        return row.cycle_id

    async def outbox_cycle(self, outbox_id: int) -> int | None:
        """The cycle of an email we sent from the outbox (a receipt, reminder or notice)."""
        row = await self.session.get(OutboxMessageRow, outbox_id)
        if row is None or row.channel != "email":
            return None
        return row.cycle_id
