"""The outbox: enqueue idempotently, claim what is due atomically, record each attempt.

Claiming is one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING on
PostgreSQL, so several dispatchers never take the same row; SQLite serialises writers
(BEGIN IMMEDIATE) and runs the same statement without the locking clause. A row left in
`sending` by a process that died is claimable again once its lease has expired.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.outbox import DeliveryState, MessageKind, NewMessage, OutboxMessage, Outcome
from storage.models import OutboxAttemptRow, OutboxMessageRow
from storage.upsert import insert_for

CLAIMABLE = (DeliveryState.PENDING.value, DeliveryState.FAILED.value)


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
        values = [
            {
                "kind": m.kind.value,
                "channel": m.channel,
                "recipient": m.recipient,
                "member_id": m.member_id,
                "cycle_id": m.cycle_id,
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
            }
            for m in messages
        ]
        stmt = insert_for(self.session, OutboxMessageRow).values(values)
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(OutboxMessageRow.id)
        return len((await self.session.execute(stmt)).all())

    async def claim_due(
        self, *, now: dt.datetime, limit: int, lease: dt.timedelta, worker: str
    ) -> list[OutboxMessage]:
        """Take up to `limit` due messages for delivery: they become `sending`, leased to
        `worker` until now + lease."""
        due = or_(
            and_(OutboxMessageRow.state.in_(CLAIMABLE), OutboxMessageRow.next_attempt_at <= now),
            and_(
                OutboxMessageRow.state == DeliveryState.SENDING.value,
                OutboxMessageRow.claimed_at <= now - lease,
            ),
        )
        pick = select(OutboxMessageRow.id).where(due).order_by(OutboxMessageRow.id).limit(limit)
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
        if outcome is Outcome.SENT:
            state = DeliveryState.SENT
        elif outcome is Outcome.RECIPIENT_GONE or retry_at is None:
            state = DeliveryState.DEAD
        else:
            state = DeliveryState.FAILED
        values: dict[str, object] = {
            "state": state.value,
            "last_outcome": outcome.value,
            "last_error": None if outcome is Outcome.SENT else detail[:2000],
            "claimed_at": None,
            "claimed_by": None,
        }
        if state is DeliveryState.SENT:
            values["sent_at"] = now
            values["activity_id"] = activity_id
        if state is DeliveryState.FAILED:
            values["next_attempt_at"] = retry_at
        if conversation_id:
            values["conversation_id"] = conversation_id
        await self.session.execute(
            update(OutboxMessageRow).where(OutboxMessageRow.id == message_id).values(**values)
        )
        self.session.add(
            OutboxAttemptRow(
                message_id=message_id,
                attempt=attempt,
                outcome=outcome.value,
                status_code=status_code,
                detail=detail[:2000],
                at=now,
            )
        )
        return state

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
        self, state: DeliveryState | None = None, *, limit: int | None = None
    ) -> list[OutboxMessage]:
        stmt = select(OutboxMessageRow).order_by(OutboxMessageRow.id)
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

    async def count(self, state: DeliveryState | None = None) -> int:
        stmt = select(func.count()).select_from(OutboxMessageRow)
        if state is not None:
            stmt = stmt.where(OutboxMessageRow.state == state.value)
        return int(await self.session.scalar(stmt) or 0)

    async def next_due_at(self) -> dt.datetime | None:
        return await self.session.scalar(
            select(func.min(OutboxMessageRow.next_attempt_at)).where(OutboxMessageRow.state.in_(CLAIMABLE))
        )
