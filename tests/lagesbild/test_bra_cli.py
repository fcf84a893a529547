"""`lagesbild decision|priority|promise|bra|compare` as an operator runs them, on each
backend, in-process with click's runner."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner, Result

from lagesbild.cli import cli
from lagesbild.cli.bra import COMMANDS
from lagesbild.operations.promises import EXAMPLES, example_path
from tests.lagesbild.bra_data import LUDVIKA_MEMBERS, Q1_CYCLE5
from tests.lagesbild.digest_data import HISTORY

pytestmark = pytest.mark.db
ALL = {"anna", "bo", "cecilia", "david", "eva", "fredrik", "gun", "hassan", "ingrid"}


@pytest.fixture
def run(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    env = {
        "DATABASE_URL": database_url,
        "LAGESBILD_ORGANISATION": "Fagersta kommun",
        "LAGESBILD_LOCALE": "sv",
    }

    def run(*args: str, ok: bool = True) -> Result:
        result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        else:
            assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        return result

    run("group", "create", "--preset", "est-fagersta", "--name", "EST")
    run("members", "import", str(HISTORY / "est_members.csv"))
    run("reports", "import", str(HISTORY / "est_fagersta.jsonl"))
    return run


def feedback_to(run) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    messages = json.loads(run("outbox", "list", "--json").stdout)
    return sorted((m["to"], m["channel"]) for m in messages if m["kind"] == "feedback")


def test_decision_add_feeds_back_to_exactly_the_reporters_with_observations(run) -> None:  # type: ignore[no-untyped-def]
    assert sorted(c.name for c in COMMANDS) == ["bra", "compare", "decision", "priority", "promise"]
    added = run("decision", "add", "--cycle", "5", "--question", "1", "--title", "Trygghetsvandring i Brunnsparken",
                "--owner", "fastighet", "--meeting", "2026-11-19", "--due", "2026-12-15").stdout  # fmt: skip
    assert added == (
        "Beslut 1 sparat: Trygghetsvandring i Brunnsparken\n"
        "  Ansvarig: fastighet · Klart senast: tis 15 dec 2026\n"
        "  Bygger på: v. 39–40, Fråga 1 – 4 rapporter från fastighet, fältassistent, polis och räddningstjänst\n"
        "Återkoppling köad till 4 rapportörer.\n"
    )
    feedback = feedback_to(run)
    assert feedback == [("anna@fagersta.se", "teams"), ("david@fagersta.se", "teams"), ("gun@fagersta.se", "teams"),
                        ("hassan@fagersta.se", "email")]  # fmt: skip
    assert {to for to, _ in feedback} == Q1_CYCLE5
    silent = ALL - {to.split("@")[0] for to, _ in feedback}
    assert silent == {"bo", "cecilia", "eva", "fredrik", "ingrid"}, "nothing, or other questions: no feedback"
    # question 4 of cycle 4: bo (email) and cecilia (Teams)
    run("decision", "add", "--cycle", "4", "--question", "4", "--title", "Fältare på fritidsgården", "--meeting",
        "2026-11-19")  # fmt: skip
    assert [f for f in feedback_to(run) if f not in feedback] == [("bo@fagersta.se", "email"),
                                                                   ("cecilia@fagersta.se", "teams")]  # fmt: skip


def test_list_update_and_roles_from_the_command_line(run) -> None:  # type: ignore[no-untyped-def]
    refused = run("decision", "add", "--cycle", "5", "--question", "1", "--title", "X", "--by", "anna@fagersta.se",
                  ok=False)  # fmt: skip
    assert refused.stderr.startswith("Fel: Det är bara ledamöter i lokala Brå som kan fatta beslut")
    run("decision", "add", "--cycle", "5", "--question", "1", "--title", "Trygghetsvandring", "--by",
        "ingrid@fagersta.se", "--meeting", "2026-11-19", "--due", "2026-12-01", "--kind", "atgard")  # fmt: skip
    listed = json.loads(run("decision", "list", "--json").stdout)
    assert listed[0]["decided_by"] == "Ingrid Isaksson" and listed[0]["status"] == "beslutad"
    assert listed[0]["reports"] == 4 and "Anna" not in json.dumps(listed)
    nope = run("decision", "update", "1", "--status", "klar", "--by", "bo@fagersta.se", ok=False)
    assert nope.stderr.startswith("Fel: Det är bara den som är ansvarig för beslutet")
    assert (
        run("decision", "update", "1", "--status", "pågår", "--text", "Bokat.").stdout
        == "Beslut 1: beslutad → pågår.\n"
    )
    done = run(
        "decision", "update", "1", "--status", "klar", "--text", "Gjort.", "--by", "eva@fagersta.se"
    ).stdout
    assert done == "Beslut 1: pågår → klar.\nUtfallet köat till 4 rapportörer.\n"
    assert run("decision", "list", "--open").stdout == "Inga öppna beslut.\n"
    again = run("decision", "update", "1", "--status", "avbruten", ok=False)
    assert "redan avslutat (klar)" in again.stderr
    assert "finns inte" in run("decision", "update", "99", "--status", "klar", ok=False).stderr
    bad = run("decision", "add", "--cycle", "5", "--question", "1", "--title", "X", "--meeting", "2026-11-19",
              "--due", "2026-11-01", ok=False)  # fmt: skip
    assert bad.stderr == "Fel: Sista dag kan inte ligga före Brå-mötet.\n"


def test_priorities_from_the_command_line(run) -> None:  # type: ignore[no-untyped-def]
    until = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    set_ = run(
        "priority", "set", "--text", "Buskörning med moped i centrum", "--questions", "4,1", "--until", until
    )
    assert set_.stdout.startswith("Prioritering 1: Buskörning med moped i centrum (fråga 1 och 4, t.o.m. ")
    listed = json.loads(run("priority", "list", "--json").stdout)
    assert listed == [{"id": 1, "text": "Buskörning med moped i centrum", "questions": ["1", "4"], "until": until,
                       "current": True, "cleared_at": None}]  # fmt: skip
    refused = run("priority", "set", "--text", "X", "--until", until, "--by", "cecilia@fagersta.se", ok=False)
    assert "Det är bara ledamöter i lokala Brå" in refused.stderr
    assert (
        run("priority", "clear", "1").stdout == "Prioritering 1 borttagen: Buskörning med moped i centrum\n"
    )
    assert run("priority", "list").stdout == "Inga prioriteringar just nu.\n"
    assert "[borttagen]" in run("priority", "list", "--all").stdout
    assert "redan passerat" in run("priority", "set", "--text", "X", "--until", "2020-01-01", ok=False).stderr


def test_promises_from_the_command_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert EXAMPLES == ("fagersta-2020-12.yaml", "ludvika-2021.yaml")
    created = run("promise", "create", str(example_path(EXAMPLES[0]))).stdout
    assert created == ("Medborgarlöfte 1: Inriktning MEDBORGARLÖFTE FAGERSTA december 2020-februari 2021 "
                       "(tis 1 dec 2020 – sön 28 feb 2021), 7 punkter.\n")  # fmt: skip
    assert "finns redan" in run("promise", "create", str(example_path(EXAMPLES[0])), ok=False).stderr
    assert (
        "gäller Ludvika kommun, inte Fagersta kommun"
        in run("promise", "create", str(example_path(EXAMPLES[1])), ok=False).stderr
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: X\nperiod: {from: 2021-01-01}\nitems: []\n", "utf-8")
    assert run("promise", "create", str(broken), ok=False).stderr == (
        "Fel: Medborgarlöftet kan inte läsas:\n  period: ange from och to\n  items: löftet behöver minst en punkt\n"
    )
    saved = run("promise", "follow-up", "1", "--item", "5", "--text", "Sex skolbesök i december.", "--value", "6",
                "--month", "2020-12").stdout  # fmt: skip
    assert saved.startswith("Uppföljning sparad för punkt 5 (Fördjupad samverkan")
    replaced = run("promise", "follow-up", "1", "--item", "5", "--text", "Sju skolbesök.", "--value", "7", "--month",
                   "2020-12").stdout  # fmt: skip
    assert replaced.startswith("Uppföljning ersatt för punkt 5")
    assert (
        "ingen indikator" in run("promise", "follow-up", "1", "--item", "4", "--value", "1", ok=False).stderr
    )
    assert "ingen punkt 9" in run("promise", "follow-up", "1", "--item", "9", "--text", "x", ok=False).stderr
    listed = json.loads(run("promise", "list", "--json").stdout)
    item5 = listed[0]["items"][4]
    assert item5["indicators"][0]["value"] == 7.0 and item5["latest"] == {
        "month": "2020-12",
        "text": "Sju skolbesök.",
    }
    html = run("promise", "export", "1", "--format", "html").stdout
    assert "<h1>Inriktning MEDBORGARLÖFTE FAGERSTA december 2020-februari 2021</h1>" in html
    assert (
        "<h3>Trafikkontroller</h3>" in html
        and "Polisens besök i grundskolor och gymnasiet – hittills 7 besök" in html
    )
    markdown = run("promise", "export", "1", "--format", "md").stdout
    assert markdown.startswith("# Inriktning MEDBORGARLÖFTE FAGERSTA")
    assert "### Sociala insatsgrupper – samverkan mellan kommunen och polisen på individnivå" in markdown
    assert "Ange --out" in run("promise", "export", "1", "--format", "docx", ok=False).stderr
    out = tmp_path / "lofte.docx"
    run("promise", "export", "1", "--format", "docx", "--out", str(out))
    paragraphs = [p.text for p in docx.Document(str(out)).paragraphs]
    assert paragraphs[0] == "Inriktning MEDBORGARLÖFTE FAGERSTA december 2020-februari 2021"
    assert "ANDT (Alkohol-Droger-Narkotika-Tobak)" in paragraphs


def test_the_bra_agenda_puts_overdue_first(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("decision", "add", "--cycle", "5", "--question", "1", "--title", "Belysning i parken", "--meeting",
        "2026-11-05", "--due", "2026-12-20", "--owner", "eva@fagersta.se")  # fmt: skip
    run("decision", "add", "--cycle", "5", "--question", "1", "--title", "Trygghetsvandring", "--meeting",
        "2026-11-05", "--due", "2026-11-30")  # fmt: skip
    run(
        "assessment", "set", "--cycle", "6", "--question", "1", "--level", "red", "--comment", "Oro i parken."
    )
    run("promise", "create", str(example_path(EXAMPLES[0])))
    agenda = run("bra", "agenda", "--date", "2026-12-03").stdout
    assert agenda.startswith("# Dagordning lokala Brå tors 3 dec 2026\n\n**Fagersta kommun**")
    overdue, rest = agenda.split("## 2. Öppna beslut (1)")
    assert (
        "## 1. Försenade beslut (1)" in overdue
        and "Trygghetsvandring (beslut 2" in overdue
        and "3 dagar sent" in overdue
    )
    assert "Belysning i parken" in rest and "Ansvarig: Eva Ek (socialtjänst)" in rest
    assert "## 3. Frågor som grupperna lyft sedan förra mötet tors 5 nov 2026 (1)" in agenda
    assert "EST v. 41–42, Fråga 1: rött" in agenda and "Kommentar/åtgärd: Oro i parken." in agenda
    assert "## 4. Medborgarlöften som gäller (0)" in agenda
    during = json.loads(run("bra", "agenda", "--date", "2021-01-15", "--format", "json").stdout)
    assert [p["title"] for p in during["promises"]] == [
        "Inriktning MEDBORGARLÖFTE FAGERSTA december 2020-februari 2021"
    ]
    html = run("bra", "agenda", "--date", "2026-12-03", "--format", "html").stdout
    assert html.startswith("<!DOCTYPE html>") and "<h2>1. Försenade beslut (1)</h2>" in html
    out = tmp_path / "agenda.docx"
    run("bra", "agenda", "--date", "2026-12-03", "--format", "docx", "--out", str(out))
    assert "1. Försenade beslut (1)" in [p.text for p in docx.Document(str(out)).paragraphs]
    summary = run("bra", "summary", "--date", "2026-11-05").stdout
    assert summary == "Återkoppling från Brå tors 5 nov 2026: 2 meddelanden köade.\n"
    assert run("bra", "summary", "--date", "2026-11-05").stdout.endswith(": 0 meddelanden köade.\n")
    assert run("bra", "remind").stdout.endswith("köade.\n")


def test_compare_from_the_command_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    members = tmp_path / "ludvika.csv"
    members.write_text(LUDVIKA_MEMBERS, "utf-8")
    run("--org", "Ludvika kommun", "group", "create", "--preset", "fas-ludvika", "--name", "FAS")
    run("--org", "Ludvika kommun", "members", "import", str(members))
    both = ("--org", "Fagersta kommun", "--org", "Ludvika kommun")
    data = json.loads(run("compare", *both, "--from", "2026-08", "--to", "2026-10").stdout)
    assert data["organisations"] == ["Fagersta kommun", "Ludvika kommun"] and len(data["rows"]) == 2 * 6 * 3
    own = json.loads(run("compare", "--from", "2026-08", "--to", "2026-10").stdout)
    assert own["organisations"] == ["Fagersta kommun"], "without names, lagesbild --org's municipality only"
    only = json.loads(
        run("compare", "--org", "Fagersta kommun", "--from", "2026-10", "--to", "2026-10").stdout
    )
    assert [r["question"] for r in only["rows"]] == ["1", "2", "3", "4", "5", "6"]
    csv = run("compare", "--from", "2026-10", "--to", "2026-10", "--format", "csv").stdout
    assert csv.startswith("\ufefforganisation,question,theme,month,reports,observations,observations_share")
    html = run("compare", *both, "--from", "2026-08", "--to", "2026-10", "--format", "html").stdout
    assert html.count('src="data:image/png;base64,') == 2
    assert (
        "finns inte: Malung"
        in run("compare", "--org", "Malung", "--from", "2026-10", "--to", "2026-10", ok=False).stderr
    )
    assert "Ogiltig period" in run("compare", "--from", "2026-10", "--to", "2026-08", ok=False).stderr
