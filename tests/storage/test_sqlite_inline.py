"""Embedded SQLite runs its statements on the event loop (storage.inline_sqlite). These tests
hold what that must not cost: the bot stays responsive while another process (a CLI import,
say) holds the write lock, and the waiting write is stored once the lock is free."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from sqlalchemy import text

from storage.database import Database

HOLD_SECONDS = 2.0


async def _loop_gaps(stop: asyncio.Event) -> float:
    """The longest time the event loop went without running this task (ticking every 10 ms)."""
    longest = 0.0
    last = time.monotonic()
    while not stop.is_set():
        await asyncio.sleep(0.01)
        now = time.monotonic()
        longest = max(longest, now - last)
        last = now
    return longest


async def test_a_writer_waits_for_another_process_without_stalling_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "inline.db"
    db = Database(f"sqlite:///{path}")
    async with db.session() as s:
        await s.execute(text("CREATE TABLE notes (body TEXT NOT NULL)"))

    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO notes VALUES ('från importen')")

    async def write() -> float:
        started = time.monotonic()
        async with db.session() as s:
            await s.execute(text("INSERT INTO notes VALUES ('från boten')"))
        return time.monotonic() - started

    stop = asyncio.Event()
    gaps = asyncio.create_task(_loop_gaps(stop))
    writer = asyncio.create_task(write())
    await asyncio.sleep(HOLD_SECONDS)
    other.execute("COMMIT")
    waited = await asyncio.wait_for(writer, timeout=10)
    stop.set()
    longest_gap = await gaps
    other.close()

    async with db.session(readonly=True) as s:
        rows = sorted((await s.execute(text("SELECT body FROM notes"))).scalars())
    await db.dispose()

    assert rows == ["från boten", "från importen"]
    assert waited >= HOLD_SECONDS * 0.9, "the write went ahead while another process held the lock"
    assert longest_gap < HOLD_SECONDS / 2, f"the event loop stood still for {longest_gap:.2f} s"


async def test_reading_does_not_wait_for_another_process_writing(tmp_path: Path) -> None:
    path = tmp_path / "inline.db"
    db = Database(f"sqlite:///{path}")
    async with db.session() as s:
        await s.execute(text("CREATE TABLE notes (body TEXT NOT NULL)"))
        await s.execute(text("INSERT INTO notes VALUES ('sparad')"))

    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO notes VALUES ('ännu inte sparad')")
    try:
        async with db.session(readonly=True) as s:
            rows = list((await s.execute(text("SELECT body FROM notes"))).scalars())
    finally:
        other.execute("ROLLBACK")
        other.close()
        await db.dispose()
    assert rows == ["sparad"]
