"""Waiting for a server process the tests started (the bot, `lagesbild serve`) to answer."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections.abc import Callable

import pytest


def wait_healthy(
    url: str, process: subprocess.Popen[bytes], output: Callable[[], str], *, what: str, timeout: float
) -> None:
    """Until `url`/healthz answers 200; the test fails with the process's output if it exits
    first or does not answer within `timeout` seconds."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}:\n{output()}", pytrace=False)
        try:
            with opener.open(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"{what} did not answer /healthz within {timeout:.0f} s:\n{output()}", pytrace=False)
