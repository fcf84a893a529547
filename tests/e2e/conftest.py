"""End-to-end fixtures: a bot process, the real Agents Playground pointed at it, and a client.

Nothing here skips: if Node.js, npm or the Playground's install is missing or broken, the test
fails with the reason (npm's own output included). The Playground's config file and logs for a
test are under that test's tmp_path, so a failure leaves them to read.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lagesbild.playground import Playground, die_with_parent, free_port
from lagesbild.playground_config import PlaygroundError
from tests.e2e.playground_client import PlaygroundClient
from tests.processes import wait_healthy

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class BotProcess:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def endpoint(self) -> str:
        return f"{self.url}/api/messages"

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def echo_bot(tmp_path: Path) -> Iterator[BotProcess]:
    """tests/e2e/echo_bot.py in its own process group on a free port, ready when /healthz answers."""
    port = free_port()
    log = tmp_path / "echo_bot.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.echo_bot", "--port", str(port)],
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent if sys.platform == "linux" else None,
        )
    bot = BotProcess(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_healthy(bot)
        yield bot
    finally:
        _stop(process)


def _wait_healthy(bot: BotProcess, timeout: float = 30.0) -> None:
    wait_healthy(bot.url, bot.process, bot.output, what="the bot", timeout=timeout)


@pytest.fixture
async def playground(echo_bot: BotProcess, tmp_path: Path) -> AsyncIterator[Playground]:
    pg = Playground(echo_bot.endpoint, work_dir=tmp_path / "playground")
    try:
        await pg.start()
    except PlaygroundError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield pg
    finally:
        await pg.stop()


@pytest.fixture
async def client(playground: Playground) -> AsyncIterator[PlaygroundClient]:
    async with PlaygroundClient(playground.url) as connected:
        yield connected


@pytest.fixture
def bot(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[BotProcess, dict[str, str], Path]]:
    """`lagesbild serve --dev` with the demo's members, for the module's Playground user (`CONFIG`)."""
    from tests.e2e.harness import serve_bot

    yield from serve_bot(tmp_path, request.module.CONFIG)


@pytest.fixture
async def teams(
    request: pytest.FixtureRequest, bot: tuple[BotProcess, dict[str, str], Path], tmp_path: Path
) -> AsyncIterator[PlaygroundClient]:
    """The real Playground in front of `bot`, as the module's user, with a connected client."""
    from tests.e2e.harness import teams_for

    async with teams_for(bot[0], request.module.CONFIG, tmp_path / "playground") as client:
        yield client
