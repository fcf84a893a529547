"""The outbox on both backends: idempotent enqueue, each message claimed by one worker,
a crashed worker's lease expires, outcomes are recorded per attempt."""

from __future__ import annotations

import asyncio
import datetime as dt

from reporting.outbox import DeliveryState, MessageKind, NewMessage, Outcome
from storage.database import Database
from storage.repositories import OutboxRepository, TeamsRepository
from storage.repositories.teams import TeamsAddress
from tests.storage.conftest import World

NOW = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(seconds=60)


def prompt(n: int, *, key: str | None = None) -> NewMessage:
    return NewMessage(
        kind=MessageKind.PROMPT, channel="teams", recipient=f"person{n}@kommun.se",
        payload={"type": "message", "text": f"hej {n}"}, text=f"Frågorna för v. 47–48 till person {n}",
        dedupe_key=key or f"prompt:1:{n}",
    )  # fmt: skip


async def test_enqueue_is_idempotent_by_dedupe_key(db: Database) -> None:
    async with db.session() as s:
        assert await OutboxRepository(s).enqueue([prompt(1), prompt(2)], now=NOW) == 2
    async with db.session() as s:
        assert await OutboxRepository(s).enqueue([prompt(1), prompt(3)], now=NOW) == 1
        listed = await OutboxRepository(s).list()
    assert [m.recipient for m in listed] == ["person1@kommun.se", "person2@kommun.se", "person3@kommun.se"]
    assert listed[0].as_json() == {
        "id": listed[0].id, "kind": "prompt", "channel": "teams", "to": "person1@kommun.se",
        "state": "pending", "created_at": NOW.isoformat(), "text": "Frågorna för v. 47–48 till person 1",
    }  # fmt: skip


async def test_concurrent_workers_never_claim_the_same_message(db: Database) -> None:
    async with db.session() as s:
        await OutboxRepository(s).enqueue([prompt(n) for n in range(100)], now=NOW)

    async def worker(name: str) -> list[int]:
        taken: list[int] = []
        while True:
            async with db.session() as s:
                batch = await OutboxRepository(s).claim_due(now=NOW, limit=7, lease=LEASE, worker=name)
            if not batch:
                return taken
            taken.extend(m.id for m in batch)
            await asyncio.sleep(0)

    results = await asyncio.gather(*(worker(f"w{i}") for i in range(5)))
    claimed = [i for r in results for i in r]
    assert len(claimed) == 100 and len(set(claimed)) == 100


async def test_a_dead_workers_lease_expires_and_outcomes_move_the_message(db: Database) -> None:
    async with db.session() as s:
        await OutboxRepository(s).enqueue([prompt(1)], now=NOW)
    async with db.session() as s:
        [first] = await OutboxRepository(s).claim_due(now=NOW, limit=10, lease=LEASE, worker="crashed")
    assert first.state is DeliveryState.SENDING and first.attempts == 1
    async with db.session() as s:
        assert (
            await OutboxRepository(s).claim_due(
                now=NOW + dt.timedelta(seconds=30), limit=10, lease=LEASE, worker="b"
            )
            == []
        )
    later = NOW + dt.timedelta(seconds=61)
    async with db.session() as s:
        repo = OutboxRepository(s)
        [again] = await repo.claim_due(now=later, limit=10, lease=LEASE, worker="b")
        assert again.attempts == 2
        state = await repo.record(
            again.id,
            attempt=2,
            outcome=Outcome.THROTTLED,
            now=later,
            status_code=429,
            detail="Retry-After: 3",
            retry_at=later + dt.timedelta(seconds=3),
        )
        assert state is DeliveryState.FAILED
    async with db.session() as s:
        repo = OutboxRepository(s)
        assert (
            await repo.claim_due(now=later + dt.timedelta(seconds=2), limit=10, lease=LEASE, worker="b") == []
        )
        [third] = await repo.claim_due(now=later + dt.timedelta(seconds=3), limit=10, lease=LEASE, worker="b")
        assert (
            await repo.record(
                third.id, attempt=3, outcome=Outcome.SENT, now=later, status_code=201, activity_id="1:abc"
            )
            is DeliveryState.SENT
        )
    async with db.session(readonly=True) as s:
        repo = OutboxRepository(s)
        sent = await repo.get(first.id)
        assert sent is not None and sent.state is DeliveryState.SENT and sent.activity_id == "1:abc"
        assert [a[:3] for a in await repo.attempts(first.id)] == [(2, "throttled", 429), (3, "sent", 201)]
        assert await repo.claim_due(now=later + dt.timedelta(days=1), limit=10, lease=LEASE, worker="c") == []


async def test_recipient_gone_is_dead_at_once(db: Database) -> None:
    async with db.session() as s:
        await OutboxRepository(s).enqueue([prompt(1)], now=NOW)
        [msg] = await OutboxRepository(s).claim_due(now=NOW, limit=1, lease=LEASE, worker="w")
        state = await OutboxRepository(s).record(
            msg.id, attempt=1, outcome=Outcome.RECIPIENT_GONE, now=NOW, status_code=403, retry_at=NOW
        )
    assert state is DeliveryState.DEAD


async def test_teams_address_keeps_its_conversation_and_unknown_users_are_noted_once(
    db: Database, world: World
) -> None:
    member = world.members[0]
    address = TeamsAddress(
        member.id, "29:abc", "aad-1", "tenant-1", "https://smba.example/emea/", "28:bot", "a:1on1"
    )
    async with db.session() as s:
        await TeamsRepository(s).save_address(address)
    async with db.session() as s:
        await TeamsRepository(s).save_address(
            TeamsAddress(
                member.id, "29:abc", "aad-1", "tenant-1", "https://smba.example/new/", "28:bot", None
            )
        )
        stored = await TeamsRepository(s).address(member.id)
    assert stored is not None and stored.conversation_id == "a:1on1" and stored.service_url.endswith("/new/")
    async with db.session() as s:
        assert await TeamsRepository(s).mark_unreachable(member.id, NOW)
        assert not await TeamsRepository(s).mark_unreachable(member.id, NOW)
    async with db.session() as s:
        repo = TeamsRepository(s)
        first = await repo.note_unknown_user(
            user_id="29:x", aad_object_id=None, name="Okänd", tenant_id="t", now=NOW
        )
        second = await repo.note_unknown_user(
            user_id="29:x", aad_object_id=None, name="Okänd", tenant_id="t", now=NOW
        )
    assert (first, second) == (True, False)
