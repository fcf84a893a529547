"""Acceptance: the server (`lagesbild serve`, which runs the dispatcher) is killed with SIGKILL
in the middle of prompting 500 reporters, then started again. Every prompt arrives; a prompt arrives twice only if its
row was `sending` at the kill (its POST in flight, or answered but not yet committed:
Teams takes no idempotency key, so that window can be narrowed, not closed).

`lagesbild serve --dev` runs as a real process on a file SQLite database and on
PostgreSQL; the connector emulator runs in this test's event loop, enforcing Teams'
limits and answering some sends 429 and 503."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from lagesbild.playground import free_port
from reporting.outbox import DeliveryState
from storage.database import Database
from storage.repositories import OutboxRepository
from tests.emulators.connector import ConnectorEmulator
from tests.emulators.seed import enqueue, prompt, seed_reporters

REPORTERS, TENANTS = 500, 10
LEASE = 3  # seconds: rows a killed process held come back after this


async def start(database_url: str, cwd: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "LAGESBILD_"))}
    env.update(DATABASE_URL=database_url, PYTHONWARNINGS="error", LAGESBILD_OUTBOX_LEASE=str(LEASE))
    with open(cwd / f"serve-{time.monotonic_ns()}.log", "wb") as log:  # the child keeps its own descriptor
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "lagesbild", "serve", "--dev", "--port", str(free_port()),
            cwd=cwd, env=env, stdout=log, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip


async def until(check: Callable[[], object], process: asyncio.subprocess.Process, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        outcome = check()
        if asyncio.iscoroutine(outcome):
            outcome = await outcome
        if outcome:
            return
        if process.returncode is not None:
            _, err = await process.communicate()
            raise AssertionError(f"the dispatcher exited with {process.returncode}:\n{err.decode()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s")
        await asyncio.sleep(0.02)


async def rows(db: Database, state: DeliveryState) -> list[int]:
    async with db.session(readonly=True) as s:
        return [m.member_id for m in await OutboxRepository(s).list(state) if m.member_id is not None]


async def test_sigkill_mid_fan_out_then_restart_delivers_every_prompt_and_repeats_only_those_in_flight(
    db: Database, database_url: str, backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with ConnectorEmulator(
        tenant_limit=(30, 1.0), throttle_share=0.05, unavailable_share=0.02, keep_activities=False
    ) as emulator:
        reporters = await seed_reporters(db, emulator, REPORTERS, tenants=TENANTS)
        await enqueue(db, [prompt(r) for r in reporters])
        chat = {r.member_id: r.conversation_id for r in reporters}

        first = await start(database_url, tmp_path)
        try:
            await until(lambda: len(emulator.deliveries) >= REPORTERS // 3, first, timeout=30)
        finally:
            first.send_signal(signal.SIGKILL)
            await first.communicate()
        assert first.returncode == -signal.SIGKILL
        delivered_at_kill = len(emulator.deliveries)
        in_flight = await rows(db, DeliveryState.SENDING)
        assert delivered_at_kill < REPORTERS, "the fan-out was over before the kill"

        second = await start(database_url, tmp_path)
        try:
            await until(lambda: _count_sent(db, REPORTERS), second, timeout=60)
        finally:
            second.send_signal(signal.SIGTERM)
            _, err = await second.communicate()
        assert second.returncode == 0, err.decode()
        assert "Traceback" not in err.decode(), err.decode()

    per_chat = Counter(d.conversation_id for d in emulator.deliveries)
    lost = [m for m, c in chat.items() if per_chat[c] == 0]
    duplicated = {m: per_chat[c] - 1 for m, c in chat.items() if per_chat[c] > 1}
    assert lost == []
    assert sum(duplicated.values()) <= len(in_flight)
    assert set(duplicated) <= set(in_flight), "a prompt that was not in flight at the kill came twice"
    # Rows are claimed just before their POST, not the whole backlog: a dispatcher that claimed
    # what is due would leave every undelivered row `sending` (about 330 here). This one leaves
    # what it was sending: about 30 on an idle machine, 42–64 with two CPU hogs on a loaded
    # 2-core one (the dispatcher's docstring keeps the figure; this test prints it).
    assert len(in_flight) <= (REPORTERS - delivered_at_kill) // 2
    async with db.session(readonly=True) as s:
        assert await OutboxRepository(s).count(DeliveryState.SENT) == REPORTERS
    with capsys.disabled():
        print(
            f"\n[{backend}] SIGKILL after {delivered_at_kill} of {REPORTERS} prompts: {len(in_flight)} rows were "
            f"`sending`; after the restart all {REPORTERS} delivered, {sum(duplicated.values())} twice."
        )


async def _count_sent(db: Database, expected: int) -> bool:
    async with db.session(readonly=True) as s:
        return await OutboxRepository(s).count(DeliveryState.SENT) == expected
