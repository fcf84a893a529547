"""The real `lagesbild serve` as a subprocess for the edge tests: a migrated SQLite copy, the
environment cleared of Lägesbild's and Bot Framework's settings but for what a test sets, ready
when /healthz answers, stopped with SIGTERM by its pid."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lagesbild.playground import free_port
from tests.bot.test_app import APP_ID, activity
from tests.emulators.bot_identity import BotIdentityEmulator
from tests.processes import wait_healthy

SERVICE_URL = str(activity()["serviceUrl"])


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    database: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")

    def stop(self, timeout: float = 20.0) -> float:
        """SIGTERM; the seconds until the process had exited."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                pytest.fail(f"serve did not stop within {timeout:.0f} s of SIGTERM:\n{self.output()}")
        return time.monotonic() - started


def production_env(identity: BotIdentityEmulator, **extra: str) -> dict[str, str]:
    return {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "not-a-real-secret",
            "LAGESBILD_BOT_OPENID_METADATA_URL": identity.metadata_url, **extra}  # fmt: skip


@contextlib.contextmanager
def serve(tmp_path: Path, template: Path, env_extra: dict[str, str], *args: str) -> Iterator[Served]:
    """`lagesbild serve --no-jobs` on a migrated SQLite copy, ready when /healthz answers."""
    database = tmp_path / "lagesbild.db"
    shutil.copy(template, database)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "LAGESBILD_"))}
    env.update(DATABASE_URL=f"sqlite:///{database}", LAGESBILD_DATA_DIR=str(tmp_path), **env_extra)
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "lagesbild", "serve", "--no-jobs", "--port", str(port), *args],
                                   cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    served = Served(process, port, log, database)
    try:
        _wait_healthy(served)
        yield served
    finally:
        served.stop()


def _wait_healthy(served: Served, timeout: float = 60.0) -> None:
    wait_healthy(served.url, served.process, served.output, what="serve", timeout=timeout)
