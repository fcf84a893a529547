"""A command that touches no database loads none of the heavy libraries: `lagesbild --help`,
`lagesbild parse-email` and the intake group's help, each in a process of its own, end
without aiohttp, SQLAlchemy, Alembic, botbuilder, IMAPClient, msal or pydantic in
`sys.modules` (bench/cli_startup.py times them; this holds the behaviour)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from lagesbild.cli import COMMANDS, LazyGroup

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "email" / "outlook_sv_above_quote.eml"
HEAVY = ("aiohttp", "sqlalchemy", "alembic", "botbuilder", "imapclient", "msal", "pydantic", "pydantic_settings",
         "asyncpg", "aiosqlite", "psycopg", "apscheduler", "matplotlib", "docx")  # fmt: skip
# Runs the command as `python -m lagesbild` does, then lists what it imported (atexit runs
# after click's SystemExit).
PROBE = (
    "import atexit, json, sys; "
    "atexit.register(lambda: sys.__stderr__.write('\\nMODULES ' + json.dumps(sorted(sys.modules)) + '\\n')); "
    "sys.argv = ['lagesbild', *sys.argv[1:]]; from lagesbild.cli import main; main()"
)


def imported(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "LAGESBILD_", "DATABASE_URL"))}
    result = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, env={**env, "PYTHONWARNINGS": "error"},
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stderr.splitlines() if line.startswith("MODULES "))
    return result, set(json.loads(line.removeprefix("MODULES ")))


@pytest.mark.parametrize(
    "args",
    [("--help",), ("parse-email", str(FIXTURE), "--json"), ("parse-email", "--help"), ("intake", "--help")],
    ids=["help", "parse-email", "parse-email-help", "intake-help"],
)
def test_a_command_without_a_database_imports_no_heavy_library(args: tuple[str, ...], tmp_path: Path) -> None:
    result, modules = imported(*args, cwd=tmp_path)
    loaded = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert loaded == [], f"lagesbild {' '.join(args)} imported {loaded[:8]}"
    if args[0] == "parse-email" and len(args) == 3:
        assert json.loads(result.stdout)["kind"] == "report"  # and it did its work
    assert not (tmp_path / "data").exists()


def test_the_help_lists_the_commands_as_they_describe_themselves() -> None:
    """`--help` is written from COMMANDS without importing a command; once each command is
    loaded, the same help comes out (so a docstring and its entry cannot drift apart)."""

    def group() -> LazyGroup:
        return LazyGroup(name="lagesbild", lazy=COMMANDS, help="Lägesbild.")

    lazy = CliRunner().invoke(group(), ["--help"], terminal_width=100)
    loaded_group = group()
    ctx = click.Context(loaded_group)
    for name in COMMANDS:
        assert loaded_group.get_command(ctx, name) is not None
    loaded = CliRunner().invoke(loaded_group, ["--help"], terminal_width=100)
    assert lazy.exit_code == loaded.exit_code == 0
    assert lazy.output == loaded.output and "parse-email  Tolka ett mejl (.eml) utan att spara något." in lazy.output
