"""The intake commands as an operator runs them: a real process per command (the commands
registered on the `lagesbild` group the way lagesbild/cli/__init__.py does), on each backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage.database import Database
from tests.conftest import table_count
from tests.intake.conftest import FIXTURES, IMAP_PASSWORD, IMAP_USER, fixture_mail
from tests.intake.servers import Dovecot
from tests.world import Municipality

LAUNCH = (
    "import sys; from lagesbild.cli import cli; from lagesbild.cli.intake import intake_group, parse_email_command; "
    "[cli.add_command(c) for c in (parse_email_command, intake_group) if c.name not in cli.commands]; "
    "cli(args=sys.argv[1:], prog_name='lagesbild')"
)


def lagesbild(
    *args: str, database_url: str = "", cwd: Path, ok: bool = True, extra_env: dict[str, str] | None = None,
    now: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """The command line in its own process; `now` (ISO time) is the clock it starts at."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "LAGESBILD_", "DATABASE_URL"))
    }
    env.update(LAGESBILD_ORGANISATION="Fagersta kommun", PYTHONWARNINGS="error", **(extra_env or {}))
    if database_url:
        env["DATABASE_URL"] = database_url
    if now:
        env["LAGESBILD_NOW"] = now
    result = subprocess.run([sys.executable, "-c", LAUNCH, *args], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def test_parse_email_prints_the_parsed_report_json_without_a_database(tmp_path: Path) -> None:
    out = lagesbild(
        "parse-email", str(FIXTURES / "outlook_sv_above_quote.eml"), "--json", cwd=tmp_path
    ).stdout
    report = json.loads(out)
    assert report["kind"] == "report" and report["channel"] == "email" and report["cycle"] == 12
    assert report["answers"]["1"]["impact"] == 3 and report["answers"]["2"]["nothing_to_report"] is True
    assert report["answers"]["7"] == {"comment": "Ny belysning vid gångtunneln är uppsatt och fungerar."}
    assert not (tmp_path / "data").exists()  # nothing written
    auto = json.loads(
        lagesbild("parse-email", str(FIXTURES / "auto_reply_en.eml"), "--json", cwd=tmp_path).stdout
    )
    assert auto["kind"] == "auto_reply" and auto["answers"] == {}
    ludvika = lagesbild("parse-email", str(FIXTURES / "ludvika_places_times.eml"), "--preset", "fas-ludvika",
                        cwd=tmp_path).stdout  # fmt: skip
    assert "Fråga 1 (" in ludvika and "Platser och tider:" in ludvika


@pytest.mark.db
async def test_ingest_files_then_list_and_release_the_quarantine(
    db: Database, municipality: Municipality, database_url: str, tmp_path: Path
) -> None:
    cycle = municipality.cycle.id
    files = {
        "bo.eml": fixture_mail("outlook_sv_above_quote", sender="Bo Berg <bo@fagersta.se>", cycle_id=cycle),
        "auto.eml": fixture_mail("auto_reply_exchange_sv", sender="Bo Berg <bo@fagersta.se>", cycle_id=cycle),
        "dan.eml": fixture_mail("gmail_sv_above_quote", sender="Dan Ny <dan@fagersta.se>", cycle_id=cycle),
    }
    for name, raw in files.items():
        (tmp_path / name).write_bytes(raw)
    out = lagesbild("intake", "ingest", *(str(tmp_path / n) for n in files), database_url=database_url,
                    cwd=tmp_path).stdout  # fmt: skip
    lines = out.strip().splitlines()
    assert lines[0].startswith(f"bo.eml: sparad, rapport, period {cycle}") and "svar köat" in lines[0]
    assert lines[1].startswith("auto.eml: ignorerad, autosvar")
    assert lines[2].startswith("dan.eml: i karantän (okänd avsändare), okänd avsändare")
    again = lagesbild(
        "intake", "ingest", str(tmp_path / "bo.eml"), database_url=database_url, cwd=tmp_path
    ).stdout
    assert again.startswith("bo.eml: redan behandlad")
    listed = json.loads(
        lagesbild("intake", "quarantine", "list", "--json", database_url=database_url, cwd=tmp_path).stdout
    )
    [row] = listed
    assert row["from"] == "dan@fagersta.se"
    refused = lagesbild("intake", "quarantine", "release", str(row["id"]), database_url=database_url, cwd=tmp_path,
                        ok=False)  # fmt: skip
    assert refused.returncode != 0 and "finns fortfarande inte i medlemslistan" in refused.stderr
    (tmp_path / "dan.csv").write_text(
        "name,email,agency,roles,channel\nDan Ny,dan@fagersta.se,skola,reporter,email\n"
    )
    lagesbild("members", "import", str(tmp_path / "dan.csv"), database_url=database_url, cwd=tmp_path)
    released = lagesbild(
        "intake", "quarantine", "release", str(row["id"]), database_url=database_url, cwd=tmp_path
    ).stdout
    assert released.startswith(f"Mejl {row['id']}: sparad, rapport, period {cycle}")
    assert (
        "Karantänen är tom."
        in lagesbild("intake", "quarantine", "list", database_url=database_url, cwd=tmp_path).stdout
    )
    assert await table_count(db, "submissions") == 2


@pytest.mark.db
def test_poll_without_a_mailbox_says_what_to_set(database_url: str, tmp_path: Path) -> None:
    result = lagesbild("intake", "poll", "--once", database_url=database_url, cwd=tmp_path, ok=False)
    assert result.returncode != 0 and "LAGESBILD_MAIL_RECEIVE" in result.stderr


@pytest.mark.db
async def test_poll_once_reads_the_imap_mailbox_from_the_settings(
    db: Database, municipality: Municipality, database_url: str, dovecot: Dovecot, tmp_path: Path
) -> None:
    dovecot.append(IMAP_USER, fixture_mail("samsung_sv", sender="Bo Berg <bo@fagersta.se>",
                                           cycle_id=municipality.cycle.id))  # fmt: skip
    settings = {
        "LAGESBILD_MAIL_RECEIVE": "imap", "LAGESBILD_IMAP_HOST": "127.0.0.1",
        "LAGESBILD_IMAP_PORT": str(dovecot.imaps_port), "LAGESBILD_IMAP_SECURITY": "tls",
        "LAGESBILD_IMAP_USERNAME": IMAP_USER, "LAGESBILD_IMAP_PASSWORD": IMAP_PASSWORD,
        "LAGESBILD_MAIL_CA_FILE": str(dovecot.cert),
    }  # fmt: skip
    out = lagesbild(
        "intake", "poll", "--once", database_url=database_url, cwd=tmp_path, extra_env=settings
    ).stdout
    assert out.strip() == "1 mejl lästa, 1 flyttade till Behandlade: 1 sparad."
    assert dovecot.uids(IMAP_USER, "INBOX") == [] and len(dovecot.uids(IMAP_USER, "Behandlade")) == 1
    assert await table_count(db, "submissions") == 1
