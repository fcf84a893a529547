"""Lägesbild itself for the end-to-end tests: the CLI as a subprocess, `lagesbild serve --dev`
on a fresh SQLite database with the demo's members, and the real Playground in front of it.
Each test module names its Playground user in `CONFIG`; the `bot` and `teams` fixtures in
conftest.py use it.

The group's first meeting is weeks away (tests/world.py `first_meeting_ahead`), so whatever
today's date and time, `serve`'s scheduler finds nothing due (no cycle to open, no reminder, no
deadline) and the tests open the cycle early with `cycle open`, as a coordinator may. With a
first meeting this week, `serve` opened the cycle itself from Monday 08.00 to Wednesday 12.00
and `cycle open` failed."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from lagesbild.playground import Playground, die_with_parent, free_port
from lagesbild.playground_config import PlaygroundConfig, PlaygroundError
from tests.e2e.conftest import REPO_ROOT, BotProcess, _stop, _wait_healthy
from tests.e2e.playground_client import PlaygroundClient
from tests.world import TZ, first_meeting_ahead

MEMBERS = REPO_ROOT / "lagesbild" / "demo_data" / "members.csv"
PRESET = "est-fagersta"


def today() -> dt.date:
    """Today where the bot runs (the processes share the clock, faked or not)."""
    return dt.datetime.now(TZ).date()


def lagesbild_env(db_path: Path, config: PlaygroundConfig) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "LAGESBILD_"))}
    env.update(DATABASE_URL=f"sqlite:///{db_path}", LAGESBILD_ORGANISATION="Demokommunen",
               LAGESBILD_ALLOWED_TENANTS=config.tenant_id, LAGESBILD_SCHEDULER_INTERVAL="5")  # fmt: skip
    return env


def lagesbild(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "lagesbild", *args], env=env, cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, f"lagesbild {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def serve_bot(tmp_path: Path, config: PlaygroundConfig) -> Iterator[tuple[BotProcess, dict[str, str], Path]]:
    """The demo's members and group in a fresh SQLite database, and `lagesbild serve --dev` on it."""
    db_path = tmp_path / "lagesbild.db"
    env = lagesbild_env(db_path, config)
    lagesbild(env, "db", "upgrade")
    lagesbild(env, "group", "create", "--preset", PRESET, "--name", "EST",
              "--first-meeting", first_meeting_ahead(PRESET).isoformat())  # fmt: skip
    lagesbild(env, "members", "import", str(MEMBERS))
    lagesbild(env, "cycle", "plan", "--count", "2")
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "lagesbild", "serve", "--dev", "--port", str(port)],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=die_with_parent if sys.platform == "linux" else None,
        )  # fmt: skip
    process_info = BotProcess(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_healthy(process_info)
        yield process_info, env, db_path
    finally:
        _stop(process)


@contextlib.asynccontextmanager
async def teams_for(
    process: BotProcess, config: PlaygroundConfig, work_dir: Path
) -> AsyncIterator[PlaygroundClient]:
    """The real Playground in front of the bot process, and a client connected before anything is said."""
    playground = Playground(process.endpoint, config=config, work_dir=work_dir)
    try:
        await playground.start()
    except PlaygroundError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        async with PlaygroundClient(playground.url) as client:
            yield client
    finally:
        await playground.stop()
