"""The command line as an operator runs it: a real `python -m lagesbild` process per command,
against each database backend."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage.database import Database
from tests.conftest import table_count

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def midsummer_eve_after(day: dt.date) -> dt.date:
    """Midsommarafton, always the Friday of 19–25 June, after `day`."""
    for year in (day.year, day.year + 1):
        eve = dt.date(year, 6, 19) + dt.timedelta(days=(4 - dt.date(year, 6, 19).weekday()) % 7)
        if eve > day:
            return eve
    raise AssertionError("unreachable")


@pytest.fixture
def run(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "LAGESBILD_"))}
    env.update(DATABASE_URL=database_url, LAGESBILD_ORGANISATION="Fagersta kommun", PYTHONWARNINGS="error")

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "lagesbild", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if ok:
            assert result.returncode == 0, result.stderr
        return result

    return run


def test_fresh_install_to_eight_planned_cycles(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Friday meetings from a midsommarafton weeks ahead: the first meeting moves to the Thursday
    # on any run date (a first meeting on 27 Nov 2026 tested the Christmas move only until then).
    eve = midsummer_eve_after(dt.date.today() + dt.timedelta(weeks=3))
    assert "uppgraderad till version" in run("db", "upgrade").stdout
    created = run(
        "group",
        "create",
        "--preset",
        "est-fagersta",
        "--name",
        "EST",
        "--meeting-day",
        "fre",
        "--first-meeting",
        eve.isoformat(),
    ).stdout
    assert "Gruppen EST är skapad" in created
    imported = run("members", "import", str(FIXTURES / "members.csv")).stdout
    assert "7 nya, 0 ändrade, 0 oförändrade medlemmar i gruppen EST" in imported
    again = run("members", "import", str(FIXTURES / "members.csv")).stdout
    assert "0 nya, 0 ändrade, 7 oförändrade" in again

    planned = run("cycle", "plan", "--group", "EST", "--count", "8").stdout
    assert planned.startswith("8 cykler för EST:")
    cycles = json.loads(run("cycle", "list", "--json").stdout)
    assert len(cycles) == 8
    assert set(cycles[0]) >= {"id", "group", "state", "opens_at", "deadline", "meeting_at"}
    assert {c["group"] for c in cycles} == {"EST"} and {c["state"] for c in cycles} == {"planned"}
    meetings = [c["meeting_at"][:10] for c in cycles]
    assert meetings[0] == (eve - dt.timedelta(days=1)).isoformat() and eve.isoformat() not in meetings
    assert f"möte tors {eve.day - 1} juni {eve.year} kl. 09.00" in planned
    assert f"mötet flyttat från fre {eve.day} juni {eve.year} (Midsommarafton)" in planned


def test_cycles_open_and_close_once(run) -> None:  # type: ignore[no-untyped-def]
    run("group", "create", "--preset", "fas-ludvika", "--name", "FAS")
    run("cycle", "plan", "--count", "2")
    opened = run("cycle", "open").stdout
    assert "Cykeln är öppnad" in opened and "[öppen]" in opened
    listed = run("cycle", "list").stdout.splitlines()
    assert "öppnad " in listed[0] and "öppnas " not in listed[0], "an opened cycle says when it opened"
    assert "öppnas " in listed[1], "a planned one when it will"
    second = run("cycle", "open", ok=False)
    assert second.returncode == 1 and "redan öppen" in second.stderr and "Traceback" not in second.stderr
    assert "[stängd]" in run("cycle", "close").stdout
    states = [c["state"] for c in json.loads(run("cycle", "list", "--json").stdout)]
    assert states == ["closed", "planned"]


async def test_a_bad_row_on_line_seven_imports_nothing(run, db: Database) -> None:  # type: ignore[no-untyped-def]
    run("group", "create", "--preset", "est-fagersta", "--name", "EST")
    result = run("members", "import", str(FIXTURES / "members_bad_line7.csv"), ok=False)
    assert result.returncode == 1
    assert "rad 7: ogiltig e-postadress" in result.stderr
    assert "Inget importerades" in result.stderr
    assert await table_count(db, "members") == 0
    skipped = run("members", "import", str(FIXTURES / "members_bad_line7.csv"), "--skip-bad")
    assert "Hoppade över rad 7" in skipped.stderr and "6 nya" in skipped.stdout
    assert await table_count(db, "members") == 6


def test_away_and_back(run) -> None:  # type: ignore[no-untyped-def]
    run("members", "import", str(FIXTURES / "members.csv"))
    assert (
        "frånvarande t.o.m. ons 30 dec 2099"
        in run("members", "away", "bo.berg@fagersta.se", "--until", "2099-12-30").stdout
    )
    listed = json.loads(run("members", "list", "--json").stdout)
    assert next(m for m in listed if m["email"] == "bo.berg@fagersta.se")["away_until"] == "2099-12-30"
    assert "tillbaka" in run("members", "back", "bo.berg@fagersta.se").stdout
    unknown = run("members", "away", "ingen@fagersta.se", "--until", "2099-01-01", ok=False)
    assert unknown.stderr.strip() == "Fel: Ingen medlem med e-postadressen ingen@fagersta.se"


def test_an_unmigrated_database_is_named_not_crashed(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    result = subprocess.run(
        [sys.executable, "-m", "lagesbild", "cycle", "list"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 1
    assert "lagesbild db upgrade" in result.stderr and "Traceback" not in result.stderr
