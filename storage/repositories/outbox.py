"""The outbox: enqueue idempotently, claim what is due atomically, record each attempt.

Claiming is one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING on
PostgreSQL, so several dispatchers never take the same row; SQLite serialises writers
(BEGIN IMMEDIATE) and runs the same statement without the locking clause. A row left in
`sending` by a process that died is claimable again once its lease has expired.

`due` and `claim` let a dispatcher look ahead without claiming (ids and routing columns
only, no payload) and claim exactly the rows it is about to send, so a row is `sending`
only while it is really in flight and every tenant's rows can be served at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.outbox import DeliveryState, MessageKind, NewMessage, OutboxMessage, Outcome
from storage.models import CycleRow, GroupRow, MemberRow, OutboxAttemptRow, OutboxMessageRow, TeamsChannelRow
from storage.upsert import insert_for

# Email to an address that bounces is stored, for the record, but never sent.
BOUNCED = {
    "state": DeliveryState.DEAD.value,
    "last_outcome": Outcome.RECIPIENT_GONE.value,
    "last_error": "e-postadressen studsar",
}

CLAIMABLE = (DeliveryState.PENDING.value, DeliveryState.FAILED.value)


@dataclass(frozen=True, slots=True)
class DueMessage:
    """What a dispatcher needs to plan a delivery, without the payload."""

    id: int
    channel: str
    member_id: int | None
    tenant_id: str
    conversation_id: str | None
    service_url: str | None
    attempts: int


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One attempt's outcome, for `record_many` (the arguments of `record`)."""

    message_id: int
    attempt: int
    outcome: Outcome
    status_code: int | None = None
    detail: str = ""
    retry_at: dt.datetime | None = None
    activity_id: str | None = None
    conversation_id: str | None = None


def to_domain(row: OutboxMessageRow) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        kind=MessageKind(row.kind),
        channel=row.channel,
        recipient=row.recipient,
        payload=row.payload,
        text=row.text,
        state=DeliveryState(row.state),
        attempts=row.attempts,
        created_at=row.created_at,
        member_id=row.member_id,
        cycle_id=row.cycle_id,
        tenant_id=row.tenant_id,
        conversation_id=row.conversation_id,
        service_url=row.service_url,
        next_attempt_at=row.next_attempt_at,
        last_outcome=row.last_outcome,
        last_error=row.last_error,
        activity_id=row.activity_id,
        sent_at=row.sent_at,
    )


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(self, messages: list[NewMessage], *, now: dt.datetime | None = None) -> int:
        """Store the messages; one whose dedupe_key is already stored is left out. Returns
        how many rows were added."""
        if not messages:
            return 0
        now = now or dt.datetime.now(dt.UTC)
        bounced = await self._bounced_addresses(messages)
        organisations = await self._organisations(messages)
        values = [
            {
                "kind": m.kind.value,
                "channel": m.channel,
                "recipient": m.recipient,
                "member_id": m.member_id,
                "cycle_id": m.cycle_id,
                "organisation_id": organisation_id,
                "tenant_id": m.tenant_id,
                "conversation_id": m.conversation_id,
                "service_url": m.service_url,
                "dedupe_key": m.dedupe_key,
                "text": m.text,
                "payload": m.payload,
                "state": DeliveryState.PENDING.value,
                "attempts": 0,
                "next_attempt_at": m.not_before or now,
                "created_at": now,
                "last_outcome": None,
                "last_error": None,
                **(BOUNCED if (m.member_id, m.recipient.lower()) in bounced else {}),
            }
            for m, organisation_id in zip(messages, organisations, strict=True)
        ]
        stmt = insert_for(self.session, OutboxMessageRow).values(values)
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(OutboxMessageRow.id)
        return len((await self.session.execute(stmt)).all())

    async def _organisations(self, messages: list[NewMessage]) -> list[int | None]:
        """Each message's municipality: as given, else its member's, else its cycle's group's,
        else the linked channel's it is posted in (None when nothing tells)."""
        members = {m.member_id for m in messages if m.organisation_id is None and m.member_id is not None}
        cycles = {m.cycle_id for m in messages if m.organisation_id is None and m.cycle_id is not None}
        channels = {m.conversation_id for m in messages if m.organisation_id is None and m.conversation_id}
        of_member: dict[int, int] = {}
        of_cycle: dict[int, int] = {}
        of_channel: dict[str, int] = {}
        if members:
            by_member = await self.session.execute(
                select(MemberRow.id, MemberRow.organisation_id).where(MemberRow.id.in_(members))
            )
            of_member = {member_id: org for member_id, org in by_member}
        if cycles:
            by_cycle = await self.session.execute(
                select(CycleRow.id, GroupRow.organisation_id)
                .join(GroupRow, GroupRow.id == CycleRow.group_id)
                .where(CycleRow.id.in_(cycles))
            )
            of_cycle = {cycle_id: org for cycle_id, org in by_cycle}
        if channels:
            by_channel = await self.session.execute(
                select(TeamsChannelRow.channel_id, TeamsChannelRow.organisation_id).where(
                    TeamsChannelRow.channel_id.in_(channels)
                )
            )
            of_channel = {channel_id: org for channel_id, org in by_channel}
        return [
            m.organisation_id
            or (of_member.get(m.member_id) if m.member_id is not None else None)
            or (of_cycle.get(m.cycle_id) if m.cycle_id is not None else None)
            or (of_channel.get(m.conversation_id) if m.conversation_id else None)
            for m in messages
        ]

    async def _bounced_addresses(self, messages: list[NewMessage]) -> set[tuple[int, str]]:
        """(member id, address) of the email messages whose address is known to bounce."""
        member_ids = {m.member_id for m in messages if m.channel == "email" and m.member_id is not None}
        if not member_ids:
            return set()
        rows = await self.session.execute(
            select(MemberRow.id, MemberRow.email).where(
                MemberRow.id.in_(member_ids), MemberRow.email_bounced_at.is_not(None)
            )
        )
        return {(member_id, email.lower()) for member_id, email in rows}

    @staticmethod
    def _due(now: dt.datetime, lease: dt.timedelta) -> ColumnElement[bool]:
        return or_(
            and_(OutboxMessageRow.state.in_(CLAIMABLE), OutboxMessageRow.next_attempt_at <= now),
            and_(
                OutboxMessageRow.state == DeliveryState.SENDING.value,
                OutboxMessageRow.claimed_at <= now - lease,
            ),
        )

    async def claim_due(
        self, *, now: dt.datetime, limit: int, lease: dt.timedelta, worker: str
    ) -> list[OutboxMessage]:
        """Take up to `limit` due messages for delivery: they become `sending`, leased to
        `worker` until now + lease."""
        pick = (
            select(OutboxMessageRow.id)
            .where(self._due(now, lease))
            .order_by(OutboxMessageRow.id)
            .limit(limit)
        )
        return await self._claim(pick, now=now, worker=worker)

    async def claim(
        self, ids: Sequence[int], *, now: dt.datetime, lease: dt.timedelta, worker: str
    ) -> list[OutboxMessage]:
        """Take these messages for delivery if they are still due (another worker may have
        taken or finished them since `due` saw them); the ones taken are returned."""
        if not ids:
            return []
        pick = select(OutboxMessageRow.id).where(OutboxMessageRow.id.in_(list(ids)), self._due(now, lease))
        return await self._claim(pick, now=now, worker=worker)

    async def _claim(self, pick: Select[tuple[int]], *, now: dt.datetime, worker: str) -> list[OutboxMessage]:
        if self.session.get_bind().dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        stmt = (
            update(OutboxMessageRow)
            .where(OutboxMessageRow.id.in_(pick.scalar_subquery()))
            .values(
                state=DeliveryState.SENDING.value,
                claimed_at=now,
                claimed_by=worker,
                attempts=OutboxMessageRow.attempts + 1,
            )
            .returning(OutboxMessageRow)
            .execution_options(synchronize_session=False)
        )
        rows = (await self.session.scalars(stmt)).all()
        return sorted((to_domain(r) for r in rows), key=lambda m: m.id)

    async def due(
        self,
        *,
        now: dt.datetime,
        lease: dt.timedelta,
        limit: int,
        channels: Collection[str] | None = None,
    ) -> list[DueMessage]:
        """The messages a claim would take now, oldest first, without claiming them."""
        stmt = (
            select(
                OutboxMessageRow.id,
                OutboxMessageRow.channel,
                OutboxMessageRow.member_id,
                OutboxMessageRow.tenant_id,
                OutboxMessageRow.conversation_id,
                OutboxMessageRow.service_url,
                OutboxMessageRow.attempts,
            )
            .where(self._due(now, lease))
            .order_by(OutboxMessageRow.id)
            .limit(limit)
        )
        if channels is not None:
            stmt = stmt.where(OutboxMessageRow.channel.in_(list(channels)))
        return [DueMessage(*row) for row in (await self.session.execute(stmt)).all()]

    async def record(
        self,
        message_id: int,
        *,
        attempt: int,
        outcome: Outcome,
        now: dt.datetime,
        status_code: int | None = None,
        detail: str = "",
        retry_at: dt.datetime | None = None,
        activity_id: str | None = None,
        conversation_id: str | None = None,
    ) -> DeliveryState:
        """Store an attempt's outcome and move the message on: sent; failed (to retry at
        `retry_at`); or dead (no retry left, or the recipient is gone)."""
        attempt_ = AttemptRecord(
            message_id, attempt, outcome, status_code, detail, retry_at, activity_id, conversation_id
        )
        [state] = await self.record_many([attempt_], now=now)
        return state

    async def record_many(
        self, attempts: Sequence[AttemptRecord], *, now: dt.datetime
    ) -> list[DeliveryState]:
        """`record` for many messages in three statements (one UPDATE per kind of change,
        one INSERT), so a dispatcher's outcomes commit together without a round trip each."""
        states: list[DeliveryState] = []
        changes: list[dict[str, object]] = []
        for a in attempts:
            if a.outcome is Outcome.SENT:
                state = DeliveryState.SENT
            elif a.outcome is Outcome.RECIPIENT_GONE or a.retry_at is None:
                state = DeliveryState.DEAD
            else:
                state = DeliveryState.FAILED
            states.append(state)
            values: dict[str, object] = {
                "id": a.message_id,
                "state": state.value,
                "last_outcome": a.outcome.value,
                "last_error": None if a.outcome is Outcome.SENT else a.detail[:2000],
                "claimed_at": None,
                "claimed_by": None,
            }
            if state is DeliveryState.SENT:
                values["sent_at"] = now
                values["activity_id"] = a.activity_id
            if state is DeliveryState.FAILED:
                values["next_attempt_at"] = a.retry_at
            if a.conversation_id:
                values["conversation_id"] = a.conversation_id
            changes.append(values)
        if not attempts:
            return states
        # ORM bulk UPDATE by primary key: parameter sets with the same keys go in one executemany.
        await self.session.execute(update(OutboxMessageRow), changes)
        await self.session.execute(
            insert(OutboxAttemptRow),
            [
                {
                    "message_id": a.message_id,
                    "attempt": a.attempt,
                    "outcome": a.outcome.value,
                    "status_code": a.status_code,
                    "detail": a.detail[:2000],
                    "at": now,
                }
                for a in attempts
            ],
        )
        return states

    async def retry_now(self, member_id: int, channel: str, *, now: dt.datetime) -> int:
        """A person just became reachable (e.g. installed the app): their messages waiting for a
        retry on that channel are due now. Returns how many."""
        result = await self.session.execute(
            update(OutboxMessageRow)
            .where(
                OutboxMessageRow.member_id == member_id,
                OutboxMessageRow.channel == channel,
                OutboxMessageRow.state == DeliveryState.FAILED.value,
                OutboxMessageRow.next_attempt_at > now,
            )
            .values(next_attempt_at=now)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def release(self, message_id: int, *, retry_at: dt.datetime) -> None:
        """Give a claimed message back without an attempt (e.g. the process is stopping)."""
        await self.session.execute(
            update(OutboxMessageRow)
            .where(OutboxMessageRow.id == message_id, OutboxMessageRow.state == DeliveryState.SENDING.value)
            .values(
                state=DeliveryState.PENDING.value,
                next_attempt_at=retry_at,
                claimed_at=None,
                claimed_by=None,
                attempts=OutboxMessageRow.attempts - 1,
            )
        )

    async def list(
        self, state: DeliveryState | None = None, *, limit: int | None = None, organisation_id: int | None = None
    ) -> list[OutboxMessage]:
        """The messages, oldest first; with `organisation_id`, that municipality's only."""
        stmt = select(OutboxMessageRow).order_by(OutboxMessageRow.id)
        if organisation_id is not None:
            stmt = stmt.where(OutboxMessageRow.organisation_id == organisation_id)
        if state is not None:
            stmt = stmt.where(OutboxMessageRow.state == state.value)
        if limit:
            stmt = stmt.limit(limit)
        return [to_domain(r) for r in await self.session.scalars(stmt)]

    async def get(self, message_id: int) -> OutboxMessage | None:
        row = await self.session.get(OutboxMessageRow, message_id)
        return to_domain(row) if row else None

    async def attempts(self, message_id: int) -> list[tuple[int, str, int | None, str]]:
        rows = await self.session.scalars(
            select(OutboxAttemptRow)
            .where(OutboxAttemptRow.message_id == message_id)
            .order_by(OutboxAttemptRow.attempt)
        )
        return [(r.attempt, r.outcome, r.status_code, r.detail) for r in rows]

    async def any_for_cycle(self, cycle_id: int, kind: MessageKind, member_ids: Collection[int]) -> bool:
        """Whether one of these members has a message of `kind` about the cycle, in any state
        (looked up through the members' index, not a scan of the whole outbox)."""
        if not member_ids:
            return False
        found = await self.session.scalar(
            select(OutboxMessageRow.id)
            .where(
                OutboxMessageRow.member_id.in_(list(member_ids)),
                OutboxMessageRow.kind == kind.value,
                OutboxMessageRow.cycle_id == cycle_id,
            )
            .limit(1)
        )
        return found is not None

    async def count(self, state: DeliveryState | None = None) -> int:
        stmt = select(func.count()).select_from(OutboxMessageRow)
        if state is not None:
            stmt = stmt.where(OutboxMessageRow.state == state.value)
        return int(await self.session.scalar(stmt) or 0)

    async def next_due_at(self) -> dt.datetime | None:
        return await self.session.scalar(
            select(func.min(OutboxMessageRow.next_attempt_at)).where(OutboxMessageRow.state.in_(CLAIMABLE))
        )
