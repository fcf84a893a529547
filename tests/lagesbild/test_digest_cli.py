"""`lagesbild places|reports|digest|assessment|export` as an operator runs them, on each backend,
in-process with click's runner."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner, Result

from lagesbild.cli import cli
from lagesbild.cli.digest import COMMANDS
from tests.lagesbild.digest_data import HISTORY

ROOT = cli


@pytest.fixture
def run(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    env = {
        "DATABASE_URL": database_url,
        "LAGESBILD_ORGANISATION": "Fagersta kommun",
        "LAGESBILD_LOCALE": "sv",
    }

    def run(*args: str, ok: bool = True) -> Result:
        result = CliRunner().invoke(ROOT, list(args), env=env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def test_the_meeting_from_the_command_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert sorted(c.name for c in COMMANDS) == ["assessment", "digest", "export", "places", "reports"]
    run("group", "create", "--preset", "est-fagersta", "--name", "EST")
    run("members", "import", str(HISTORY / "est_members.csv"))
    assert (
        run("places", "import", str(HISTORY / "fagersta_places.txt")).stdout
        == "12 nya platser, 0 fanns redan.\n"
    )
    assert json.loads(run("places", "list", "--json").stdout)[:2] == ["Brunnsparken", "Brunnsskolan"]

    bad = tmp_path / "bad.jsonl"
    bad.write_text((HISTORY / "est_fagersta.jsonl").read_text("utf-8") + '{"reporter": "x@y.se"}\n', "utf-8")
    refused = run("reports", "import", str(bad), ok=False)
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "Fel: Inget importerades: 1 felaktiga rader.\n  rad 37: period saknas" in refused.stderr
    imported = run("reports", "import", str(HISTORY / "est_fagersta.jsonl")).stdout
    assert imported == "36 rapporter importerade i 6 cykler (6 nya) för EST.\n"

    digest = json.loads(run("digest", "--latest", "--format", "json").stdout)
    assert digest["cycle"] == 6 and digest["group"] == "EST" and len(digest["questions"]) == 6
    markdown = run("digest", "--cycle", "6", "--format", "md").stdout
    assert markdown.startswith("# Lägesbild – sociala risker\n") and "## Fråga 7, Positiva" in markdown

    red = run("assessment", "set", "--cycle", "6", "--question", "1", "--level", "red", "--comment", "Lyfts.")
    assert red.stdout == "Fråga 1 i cykel 6 (EST, v. 41–42, 5–18 okt): rött.\nFrågan lyfts till lokala Brå.\n"
    again = run("assessment", "set", "--cycle", "6", "--question", "1", "--level", "RED").stdout
    assert again.endswith("Frågan är redan lyft till lokala Brå.\n")
    yellow = run("assessment", "set", "--cycle", "6", "--question", "4", "--level", "yellow").stdout
    assert yellow.endswith("gult.\n")
    assert (
        run("assessment", "escalate", "--cycle", "6", "--question", "4").stdout
        == "Frågan lyfts till lokala Brå.\n"
    )
    compiled = json.loads(run("digest", "--cycle", "6", "--format", "json").stdout)
    assert compiled["questions"][0]["assessment"]["comment"] == "Lyfts."

    out = tmp_path / "lagesbild.docx"
    run("digest", "--cycle", "6", "--format", "docx", "--out", str(out))
    assert docx.Document(str(out)).paragraphs[0].text == "Lägesbild – sociala risker"
    csv = run("export", "--month", "2026-10", "--format", "csv").stdout
    assert csv.startswith("\ufeffmonth,group,question,theme,summary")
    run("export", "--month", "2026-10")
    assert (tmp_path / "lagesbild-EST-2026-10.docx").is_file()


def test_mistakes_get_one_swedish_line(run) -> None:  # type: ignore[no-untyped-def]
    run("group", "create", "--preset", "est-fagersta", "--name", "EST")
    cases = [
        (("digest", "--format", "json"), "Fel: Ange antingen --latest eller --cycle ID."),
        (("digest", "--latest", "--cycle", "1"), "Fel: Ange antingen --latest eller --cycle ID."),
        (("digest", "--latest"), "Fel: Gruppen EST har ingen stängd cykel ännu"),
        (("digest", "--cycle", "42"), "Fel: Cykel 42 finns inte"),
        (("export", "--month", "2026-13"), "Fel: Ogiltig månad: '2026-13' (skriv t.ex. 2026-11)"),
        (("export", "--month", "2026-10", "--format", "json"), "Fel: Gruppen EST har ingen stängd cykel som slutar i 2026-10"),
        (("assessment", "set", "--cycle", "42", "--question", "1", "--level", "red"), "Fel: Cykel 42 finns inte"),
    ]  # fmt: skip
    for args, message in cases:
        result = run(*args, ok=False)
        assert result.exit_code == 1 and "Traceback" not in result.output, args
        assert result.stderr.strip() == message, args
    wrong = run("assessment", "set", "--cycle", "1", "--question", "1", "--level", "purple", ok=False)
    assert wrong.exit_code == 2 and "'purple' is not one of" in wrong.stderr


def test_a_docx_on_the_terminal_asks_for_a_file(run) -> None:  # type: ignore[no-untyped-def]
    run("group", "create", "--preset", "est-fagersta", "--name", "EST")
    run("members", "import", str(HISTORY / "est_members.csv"))
    run("reports", "import", str(HISTORY / "est_fagersta.jsonl"))
    result = run("digest", "--latest", "--format", "docx", ok=False)
    assert (
        result.stderr.strip()
        == "Fel: Ange --out FIL för det formatet (t.ex. --out lagesbild-EST-cykel-6.docx)."
    )
