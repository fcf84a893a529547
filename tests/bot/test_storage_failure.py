"""A card submit while the database cannot be used: another connection holds the write lock
past the wait (SQLite: BEGIN IMMEDIATE; PostgreSQL: a table lock outlasting lock_timeout).
The invoke is answered 200 with a Swedish card that keeps the inputs, nothing is half-written,
and the operator gets one log line."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from adaptive_cards.report import VERB_SAVE_DRAFT, VERB_SUBMIT
from bot.handler import LagesbildBot
from bot.services import BotServices
from reporting.model import SubmissionState
from storage.database import Database
from tests.bot.test_handler import submission_of, three_answers
from tests.world import TZ, Municipality, TeamsUser, card_text

LOCK_WAIT = 0.5  # seconds; production waits LOCK_WAIT_SECONDS (30)


@contextlib.contextmanager
def write_lock_held(database_url: str) -> Iterator[None]:
    """Another connection takes the lock a report's write needs, and keeps it until the block ends."""
    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            yield
            holder.execute("ROLLBACK")
        finally:
            holder.close()
        return
    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as holder:
        holder.execute("LOCK TABLE submissions IN EXCLUSIVE MODE")  # reads go on, writes wait
        yield
        holder.rollback()


async def test_a_submit_while_the_write_lock_is_held_answers_200_with_a_retry_card_and_writes_nothing(
    database_url: str, municipality: Municipality, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    quick = Database(database_url, lock_wait_seconds=LOCK_WAIT)
    try:
        anna = TeamsUser(LagesbildBot(BotServices(db=quick, tz=TZ)), user_id="29:anna",
                         aad_object_id="aad-anna", name="Anna Andersson")  # fmt: skip
        cycle = municipality.cycle.id
        await anna.press(VERB_SAVE_DRAFT, {"cycle": cycle, "q1_observations": "Klotter", "q1_impact": "2"})
        before = await submission_of(db, "anna@fagersta.se", cycle)
        assert before.state is SubmissionState.DRAFT

        caplog.clear()
        with caplog.at_level(logging.INFO), write_lock_held(database_url):
            card = await anna.press(VERB_SUBMIT, three_answers(cycle))  # asserts the invoke's 200

        assert card_text(card).startswith("Det gick inte att spara just nu – försök igen om en stund.")
        [retry] = card["actions"]
        assert (retry["title"], retry["verb"], retry["data"]) == ("Försök igen", VERB_SUBMIT, three_answers(cycle))
        after = await submission_of(db, "anna@fagersta.se", cycle)
        assert (after.state, after.revision, after.answers) == (before.state, before.revision, before.answers)
        lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(lines) == 1, [r.getMessage() for r in lines]
        assert "the database is unavailable" in lines[0].getMessage() and lines[0].exc_info is None
        assert not any(r.exc_info for r in caplog.records)

        receipt = await anna.press(retry["verb"], retry["data"])  # the lock is gone: the same again
        assert card_text(receipt).startswith("Tack! Inskickad")
        assert (await submission_of(db, "anna@fagersta.se", cycle)).state is SubmissionState.SUBMITTED
    finally:
        await quick.dispose()
