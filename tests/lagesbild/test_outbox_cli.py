"""`lagesbild outbox list|run` as an operator runs them: a real process per command, on
each database backend, the Teams side played by the connector emulator."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sys
from pathlib import Path

from reporting.outbox import DeliveryState, Outcome
from storage.database import Database
from storage.repositories import OutboxRepository
from tests.emulators.connector import ConnectorEmulator
from tests.emulators.seed import enqueue, prompt, seed_reporters


async def lagesbild(database_url: str, cwd: Path, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "LAGESBILD_"))}
    # `outbox list` shows the municipality's own queue: the one tests.emulators.seed creates
    env.update(DATABASE_URL=database_url, LAGESBILD_ORGANISATION="Fagersta kommun", PYTHONWARNINGS="error")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "lagesbild", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_an_operator_runs_the_outbox_once_and_reads_the_queue(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    async with ConnectorEmulator() as emulator:
        ok, blocked, later = await seed_reporters(db, emulator, 3)
        emulator.block(blocked.conversation_id or "")
        emulator.fail_next(later.conversation_id or "", 503)
        await enqueue(db, [prompt(ok), prompt(blocked), prompt(later)])

        code, _, err = await lagesbild(database_url, tmp_path, "outbox", "run", "--once")
        assert code == 1 and "MicrosoftAppId och MicrosoftAppPassword saknas" in err and "--dev" in err
        assert emulator.deliveries == []

        code, out, err = await lagesbild(database_url, tmp_path, "outbox", "run", "--once", "--dev")
        assert code == 0, err
        assert "Utvecklingsläge" in err
        assert out.strip() == "1 skickade, 1 försöks igen senare, 1 gav upp."
        assert [d.conversation_id for d in emulator.deliveries] == [ok.conversation_id]

    code, out, err = await lagesbild(database_url, tmp_path, "outbox", "list", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert [(m["to"], m["state"]) for m in listed] == [
        (ok.email, "sent"), (blocked.email, "dead"), (later.email, "failed"),
    ]  # fmt: skip
    assert all(set(m) == {"id", "kind", "channel", "to", "state", "created_at", "text"} for m in listed)
    assert listed[0]["kind"] == "prompt" and listed[0]["channel"] == "teams"
    assert listed[0]["text"] == prompt(ok).text
    assert dt.datetime.fromisoformat(listed[0]["created_at"]).tzinfo is not None

    code, out, err = await lagesbild(database_url, tmp_path, "outbox", "list")
    assert code == 0, err
    lines = out.splitlines()
    assert "frågor" in lines[0] and "skickat" in lines[0] and ok.email in lines[0]
    assert "gav upp efter 1 försök" in out
    assert "└ HTTP 403 ConversationBlockedByUser: User blocked the conversation with the bot." in out
    assert "försök 1, nästa" in out and "└ HTTP 503 Scripted: Scripted 503." in out
    assert lines[-1] == "3 meddelanden: 1 skickat, 1 nytt försök, 1 gav upp."

    code, out, _ = await lagesbild(database_url, tmp_path, "outbox", "list", "--state", "pending")
    assert code == 0 and out.strip() == "Inga meddelanden som väntar."
    code, out, _ = await lagesbild(database_url, tmp_path, "outbox", "list", "--state", "sent", "--json")
    assert [m["to"] for m in json.loads(out)] == [ok.email]

    async with db.session(readonly=True) as s:
        [sent] = await OutboxRepository(s).list(DeliveryState.SENT)
        assert [a[1] for a in await OutboxRepository(s).attempts(sent.id)] == [Outcome.SENT.value]
