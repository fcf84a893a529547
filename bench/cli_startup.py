"""Benchmark of the command line's start-up: ``python bench/cli_startup.py [--runs 10]``.

Runs ``lagesbild parse-email <fixture> --json`` and ``lagesbild --help`` as an operator
does (``python -m lagesbild``, a fresh process each time, no database), after one warm-up
run that lets Python write its bytecode caches (an installed package has them).
Prints the median wall time of each against the target of 300 ms, with the ratio, and
the median CPU time of the process (user + system), which the other work on a shared
machine does not inflate.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "email" / "outlook_sv_above_quote.eml"
TARGET_SECONDS = 0.300
COMMANDS = {
    "lagesbild parse-email": ["parse-email", str(FIXTURE), "--json"],
    "lagesbild --help": ["--help"],
}


def run_once(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `python -m lagesbild …` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lagesbild", *args], cwd=cwd, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "LAGESBILD_", "DATABASE_URL"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cwd = Path(os.environ.get("TMPDIR", "/tmp"))
    ok = True
    for label, command in COMMANDS.items():
        run_once(command, env, cwd)  # warm-up: bytecode caches
        walls, cpus = zip(*(run_once(command, env, cwd) for _ in range(args.runs)), strict=True)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        ratio = wall / TARGET_SECONDS
        print(f"{label}: median {wall * 1000:.0f} ms wall over {args.runs} runs (target < {TARGET_SECONDS * 1000:.0f} "
              f"ms, ratio {ratio:.2f}); median CPU {cpu * 1000:.0f} ms; fastest {min(walls) * 1000:.0f} ms")  # fmt: skip
        ok = ok and wall < TARGET_SECONDS
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.2f} on {os.cpu_count()} cores")
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
