"""The outbox repository's look-ahead and exact claims (`due`, `claim`) and batched
outcomes (`record_many`), which the dispatcher relies on, on SQLite and PostgreSQL.
(They live in storage/repositories/outbox.py; these tests sit with the dispatcher's.)"""

from __future__ import annotations

import asyncio
import datetime as dt

from reporting.outbox import DeliveryState, MessageKind, NewMessage, Outcome
from storage.database import Database
from storage.repositories import OutboxRepository
from storage.repositories.outbox import AttemptRecord

NOW = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(seconds=60)


def message(n: int, channel: str = "teams") -> NewMessage:
    return NewMessage(
        kind=MessageKind.PROMPT, channel=channel, recipient=f"person{n}@kommun.se",
        payload={"type": "message", "text": f"hej {n}"}, text=f"hej {n}", dedupe_key=f"prompt:1:{n}:{channel}",
        tenant_id=f"tenant-{n % 2}", conversation_id=f"a:{n}", service_url="https://smba.example/emea/",
    )  # fmt: skip


async def test_due_looks_ahead_without_claiming_and_claim_takes_exactly_the_ids_still_due(
    db: Database,
) -> None:
    async with db.session() as s:
        await OutboxRepository(s).enqueue([message(n) for n in range(6)] + [message(9, "email")], now=NOW)
    async with db.session(readonly=True) as s:
        due = await OutboxRepository(s).due(now=NOW, lease=LEASE, limit=100, channels=["teams"])
    assert [(d.channel, d.tenant_id, d.conversation_id, d.attempts) for d in due[:2]] == [
        ("teams", "tenant-0", "a:0", 0), ("teams", "tenant-1", "a:1", 0),
    ]  # fmt: skip
    assert len(due) == 6
    async with db.session(readonly=True) as s:
        assert await OutboxRepository(s).count(DeliveryState.PENDING) == 7  # nothing claimed

    ids = [d.id for d in due]
    async with db.session() as s:
        taken = await OutboxRepository(s).claim([ids[1], ids[3]], now=NOW, lease=LEASE, worker="a")
    assert [m.id for m in taken] == [ids[1], ids[3]]
    assert all(m.state is DeliveryState.SENDING and m.attempts == 1 and m.payload for m in taken)
    async with db.session() as s:  # already taken: another worker gets nothing; the rest is still due
        again = await OutboxRepository(s).claim(ids, now=NOW, lease=LEASE, worker="b")
    assert [m.id for m in again] == [ids[0], ids[2], ids[4], ids[5]]
    async with db.session(readonly=True) as s:
        assert await OutboxRepository(s).due(now=NOW, lease=LEASE, limit=100, channels=["teams"]) == []
        later = await OutboxRepository(s).due(now=NOW + LEASE, lease=LEASE, limit=100, channels=["teams"])
    assert len(later) == 6  # leases expired: a dead worker's rows are due again


async def test_racing_workers_claiming_the_same_ids_never_both_get_one(db: Database) -> None:
    async with db.session() as s:
        await OutboxRepository(s).enqueue([message(n) for n in range(40)], now=NOW)
    async with db.session(readonly=True) as s:
        ids = [d.id for d in await OutboxRepository(s).due(now=NOW, lease=LEASE, limit=100)]

    async def worker(name: str) -> list[int]:
        taken = []
        for chunk in range(0, len(ids), 5):
            async with db.session() as s:
                claimed = await OutboxRepository(s).claim(
                    ids[chunk : chunk + 5], now=NOW, lease=LEASE, worker=name
                )
            taken += [m.id for m in claimed]
            await asyncio.sleep(0)
        return taken

    results = await asyncio.gather(*(worker(f"w{i}") for i in range(4)))
    claimed = [i for r in results for i in r]
    assert sorted(claimed) == sorted(ids)


async def test_record_many_moves_each_message_on_and_keeps_every_attempt(db: Database) -> None:
    async with db.session() as s:
        await OutboxRepository(s).enqueue([message(n) for n in range(4)], now=NOW)
        taken = await OutboxRepository(s).claim_due(now=NOW, limit=10, lease=LEASE, worker="w")
    a, b, c, d = (m.id for m in taken)
    retry_at = NOW + dt.timedelta(seconds=2)
    async with db.session() as s:
        states = await OutboxRepository(s).record_many(
            [
                AttemptRecord(a, 1, Outcome.SENT, 201, activity_id="1:x"),
                AttemptRecord(b, 1, Outcome.THROTTLED, 429, "HTTP 429", retry_at=retry_at),
                AttemptRecord(c, 1, Outcome.RECIPIENT_GONE, 403, "HTTP 403"),
                AttemptRecord(
                    d,
                    1,
                    Outcome.FAILED,
                    None,
                    "ingen Teams-adress",
                    retry_at=retry_at,
                    conversation_id="a:new",
                ),
            ],
            now=NOW,
        )
    assert states == [DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.DEAD, DeliveryState.FAILED]
    async with db.session(readonly=True) as s:
        repo = OutboxRepository(s)
        got = {m.id: m for m in await repo.list()}
        assert (got[a].state, got[a].activity_id, got[a].sent_at) == (DeliveryState.SENT, "1:x", NOW)
        assert (got[b].state, got[b].next_attempt_at, got[b].last_error) == (
            DeliveryState.FAILED,
            retry_at,
            "HTTP 429",
        )
        assert got[c].state is DeliveryState.DEAD and got[c].last_outcome == "recipient_gone"
        assert got[d].conversation_id == "a:new"
        assert await repo.attempts(b) == [(1, "throttled", 429, "HTTP 429")]
        assert (
            await repo.claim_due(now=NOW + dt.timedelta(seconds=1), limit=10, lease=LEASE, worker="x") == []
        )
