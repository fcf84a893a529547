"""Opening a cycle queues exactly one prompt per active reporter, whatever opens it (`jobs
run-once`, two of them racing, `serve`'s scheduler, `cycle open`); closing queues the deadline
summary; `jobs run-once` does the same due work as `serve` (reminders, digest, escalations).

The command line runs as real `python -m lagesbild` processes against each backend, on a
pretended clock (`LAGESBILD_NOW`), so nothing here depends on today's date.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import update

from lagesbild.playground import free_port
from reporting.outbox import MessageKind
from storage.database import Database
from storage.models import CycleRow
from storage.repositories import OrganisationRepository, OutboxRepository, TeamsRepository
from storage.repositories.teams import LinkedChannel

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# The active reporters of tests/fixtures/members.csv and their channels (Eva Ek is Brå only).
REPORTERS = {
    "anna.andersson@fagersta.se": "teams",
    "bo.berg@fagersta.se": "email",
    "cecilia.carlsson@fagersta.se": "teams",
    "david.dahl@fagersta.se": "teams",
    "fredrik.falk@fagersta.se": "email",
    "greta.gran@fagersta.se": "teams",
}
LEADS = {"cecilia.carlsson@fagersta.se", "david.dahl@fagersta.se"}  # coordinator, deputy
ONE_EACH = Counter(REPORTERS.keys())  # one message per active reporter
TEAMS_REPORTERS = {email for email, channel in REPORTERS.items() if channel == "teams"}
# Every other Monday 08.00 the prompt, Wednesday 12.00 the deadline, Thursday 09.00 the meeting.
SCHEDULE = ("--open-day", "mån", "--open-time", "08:00", "--deadline-day", "ons", "--deadline-time", "12:00",
            "--meeting-day", "tor", "--meeting-time", "09:00", "--every", "2", "--first-meeting", "2030-11-14")  # fmt: skip
BEFORE = "2030-11-08T10:00:00+01:00"  # a Friday, before the first cycle opens (Mon 11 Nov 08.00)
OPENING = "2030-11-11T08:01:00+01:00"
BETWEEN = "2030-11-12T10:00:00+01:00"  # after the opening, before the deadline (Wed 13 Nov 12.00)

Run = Callable[..., subprocess.CompletedProcess[str]]


def environment(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "LAGESBILD_"))}
    env.update(
        DATABASE_URL=database_url, LAGESBILD_ORGANISATION="Fagersta kommun", PYTHONWARNINGS="error",
        # Email prompts are rendered (and only queued: nothing here dispatches, so no server is needed).
        LAGESBILD_MAIL_SEND="smtp", LAGESBILD_MAIL_FROM="lagesbild@fagersta.se", LAGESBILD_SMTP_HOST="127.0.0.1",
    )  # fmt: skip
    return env


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Run:
    env = environment(database_url)

    def run(
        *args: str, now: str, ok: bool = True, timeout: float = 120, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "lagesbild", *args], cwd=tmp_path, env={**env, "LAGESBILD_NOW": now, **extra},
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if ok:
            assert result.returncode == 0, result.stderr
        return result

    return run


class Outbox:
    """`outbox list --json`, by kind: who has how many."""

    def __init__(self, cli: Run) -> None:
        self.messages = json.loads(cli("outbox", "list", "--json", now=BEFORE).stdout)

    def __getitem__(self, kind: str) -> Counter[str]:
        return Counter(m["to"] for m in self.messages if m["kind"] == kind)

    def channels(self, kind: str) -> dict[str, str]:
        return {m["to"]: m["channel"] for m in self.messages if m["kind"] == kind}


def set_up(cli: Run, *, plan: bool = True) -> None:
    cli("group", "create", "--preset", "est-fagersta", "--name", "EST", *SCHEDULE, now=BEFORE)
    cli("members", "import", str(FIXTURES / "members.csv"), now=BEFORE)
    if plan:
        cli("cycle", "plan", "--count", "2", now=BEFORE)


def first_cycle(cli: Run) -> dict[str, str]:
    cycle: dict[str, str] = json.loads(cli("cycle", "list", "--json", now=BEFORE).stdout)[0]
    return cycle


def at(moment: str, **delta: float) -> str:
    return (dt.datetime.fromisoformat(moment) + dt.timedelta(**delta)).isoformat()


def test_jobs_run_once_at_the_opening_time_queues_one_prompt_per_reporter(cli: Run) -> None:
    set_up(cli)
    cycle = first_cycle(cli)
    assert cycle["opens_at"] == "2030-11-11T07:00:00+00:00"

    done = cli("jobs", "run-once", now=OPENING).stdout
    assert "1 öppnade" in done
    queued = Outbox(cli)
    assert queued["prompt"] == ONE_EACH, "one prompt per active reporter"
    assert queued.channels("prompt") == REPORTERS, "each in the reporter's own channel"

    again = cli("jobs", "run-once", now=at(OPENING, minutes=5)).stdout
    assert "0 öppnade" in again
    assert Outbox(cli)["prompt"] == ONE_EACH, "still one each"
    assert json.loads(cli("cycle", "list", "--json", now=OPENING).stdout)[0]["state"] == "open"


def test_two_run_once_racing_queue_one_prompt_per_reporter(cli: Run, database_url: str, tmp_path: Path) -> None:
    set_up(cli)
    env = {**environment(database_url), "LAGESBILD_NOW": OPENING}
    racers = [
        subprocess.Popen([sys.executable, "-m", "lagesbild", "jobs", "run-once"], cwd=tmp_path, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        for _ in range(2)
    ]
    outputs = [racer.communicate(timeout=120) for racer in racers]
    for racer, (_, err) in zip(racers, outputs, strict=True):
        assert racer.returncode == 0, err
    opened = sorted(out.split(" öppnade")[0].rsplit(" ", 1)[-1] for out, _ in outputs)
    assert opened == ["0", "1"], "one of them opened the cycle"
    assert Outbox(cli)["prompt"] == ONE_EACH


def test_cycle_open_after_the_scheduler_opened_it_queues_nothing_more(cli: Run) -> None:
    set_up(cli)
    cli("jobs", "run-once", now=OPENING)
    cycle_id = str(first_cycle(cli)["id"])

    again = cli("cycle", "open", now=at(OPENING, minutes=1), ok=False)
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert f"Cykel {cycle_id} är redan öppen" in again.stderr
    same = cli("cycle", "open", "--cycle", cycle_id, now=at(OPENING, minutes=1), ok=False)
    assert same.returncode == 1
    assert f"Cykel {cycle_id} är redan öppen; frågorna ligger redan i kön" in same.stderr
    assert Outbox(cli)["prompt"] == ONE_EACH


def test_cycle_open_with_nothing_planned_plans_and_opens_the_next_cycle(cli: Run) -> None:
    set_up(cli, plan=False)
    opened = cli("cycle", "open", now=BETWEEN).stdout
    assert "Ingen cykel var planerad; nästa är planerad och öppnad:" in opened
    assert "v. 45–46" in opened and "[öppen]" in opened
    assert "6 utskick med frågorna ligger i kön" in opened

    closed = cli("cycle", "close", now=at(BETWEEN, hours=1)).stdout
    assert "[stängd]" in closed
    following = cli("cycle", "open", now=at(BETWEEN, hours=2)).stdout
    assert "Ingen cykel var planerad" in following and "v. 47–48" in following
    queued = Outbox(cli)
    assert queued["prompt"] == Counter({email: 2 for email in REPORTERS}), "one per reporter and cycle"
    assert queued["summary"] == Counter(LEADS), "closing queued the coordinator's summary"


def test_cycle_plan_says_when_an_opening_time_has_passed(cli: Run) -> None:
    set_up(cli, plan=False)
    lines = cli("cycle", "plan", "--count", "2", now=BETWEEN).stdout.splitlines()
    assert lines[0] == "2 cykler för EST:"
    assert "öppnas så snart schemaläggaren kör (utskickstiden mån 11 nov 2030 kl. 08.00 har passerat)" in lines[1]
    assert "öppnas mån 25 nov 2030 kl. 08.00" in lines[2] and "schemaläggaren" not in lines[2]


async def test_run_once_sends_reminders_the_summary_the_digest_and_escalations_in_time(
    cli: Run, db: Database
) -> None:
    set_up(cli)
    cli("jobs", "run-once", now=OPENING)
    cycle = first_cycle(cli)
    deadline = cycle["deadline"]

    cli("jobs", "run-once", now=at(deadline, hours=-25))
    assert Outbox(cli)["reminder"] == Counter(), "no reminder before 24 hours ahead"
    cli("jobs", "run-once", now=at(deadline, hours=-23, minutes=-59))
    cli("jobs", "run-once", now=at(deadline, hours=-23, minutes=-50))
    assert Outbox(cli)["reminder"] == ONE_EACH, "the day-before reminder, once each"

    done = cli("jobs", "run-once", now=at(deadline, minutes=1)).stdout
    assert "1 stängda" in done
    queued = Outbox(cli)
    assert queued["summary"] == Counter(LEADS), "the deadline summary to the coordinator and deputy"
    assert set(queued["digest"]) == LEADS, "and the digest"
    queued_digest = queued["digest"]

    assert "lyfts till lokala Brå" in cli("assessment", "set", "--cycle", str(cycle["id"]), "--question", "1",
                                          "--level", "red", now=at(deadline, hours=1)).stdout  # fmt: skip
    async with db.session() as s:
        [organisation] = await OrganisationRepository(s).all()
        await TeamsRepository(s).link_channel(
            LinkedChannel("19:bra@thread.tacv2", organisation.id, "bra", None, "https://smba.example/", "tenant"),
            team_id=None, by=None, now=dt.datetime.fromisoformat(deadline),
        )  # fmt: skip
    cli("jobs", "run-once", now=at(deadline, hours=2))
    cli("jobs", "run-once", now=at(deadline, hours=3))
    queued = Outbox(cli)
    assert queued["escalation"] == Counter({"19:bra@thread.tacv2": 1}), "the escalation card to Brå, once"
    assert queued["summary"] == Counter(LEADS) and queued["digest"] == queued_digest, "nothing twice"


async def test_an_open_cycle_left_without_prompts_gets_them_on_the_next_run(
    cli: Run, db: Database, tmp_path: Path
) -> None:
    """The state an earlier `jobs run-once` left: the cycle open, no prompt queued."""
    set_up(cli)
    cycle = first_cycle(cli)
    async with db.session() as s:
        await s.execute(
            update(CycleRow).where(CycleRow.id == cycle["id"])
            .values(state="open", opened_at=dt.datetime.fromisoformat(cycle["opens_at"]))
        )  # fmt: skip
    done = cli("jobs", "run-once", now=BETWEEN).stdout
    assert f"Cykel {cycle['id']} var öppen utan utskick med frågorna; 6 ligger nu i kön." in done
    assert Outbox(cli)["prompt"] == ONE_EACH

    # A reporter added to the prompted cycle is not prompted by the repair (nor is anyone twice).
    members = tmp_path / "members.csv"
    members.write_text((FIXTURES / "members.csv").read_text("utf-8") + "Hugo Holm,hugo.holm@fagersta.se,skola,"
                       "reporter,teams\n", "utf-8")  # fmt: skip
    assert "1 nya" in cli("members", "import", str(members), now=BETWEEN).stdout
    again = cli("jobs", "run-once", now=at(BETWEEN, minutes=5)).stdout
    assert "var öppen utan utskick" not in again
    assert Outbox(cli)["prompt"] == ONE_EACH


async def prompted(db: Database) -> Counter[str]:
    async with db.session(readonly=True) as s:
        return Counter(m.recipient for m in await OutboxRepository(s).list() if m.kind is MessageKind.PROMPT)


async def test_serve_dev_opens_on_the_pretended_clock_with_its_prompts(
    cli: Run, db: Database, database_url: str, tmp_path: Path
) -> None:
    set_up(cli)
    env = {**environment(database_url), "LAGESBILD_NOW": OPENING, "LAGESBILD_MAIL_SEND": "none"}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:  # the child keeps its own descriptor
        serve = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "lagesbild", "serve", "--dev", "--port", str(free_port()), cwd=tmp_path,
            env=env, stdout=out, stderr=out,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while len(await prompted(db)) < len(TEAMS_REPORTERS):
            assert serve.returncode is None, log.read_text()
            assert time.monotonic() < deadline, "no prompts within 60 s"
            await asyncio.sleep(0.2)
    finally:
        serve.send_signal(signal.SIGINT)
        await serve.wait()
    assert "LAGESBILD_NOW" in log.read_text()
    assert await prompted(db) == Counter(TEAMS_REPORTERS), "Teams only: this serve sends no email"


def test_serve_without_dev_refuses_a_pretended_clock(cli: Run) -> None:
    result = cli("serve", "--port", str(free_port()), now=OPENING, ok=False, timeout=30, MicrosoftAppId="app",
                 MicrosoftAppPassword="secret")  # fmt: skip
    assert result.returncode == 1
    assert "LAGESBILD_NOW" in result.stderr and "--dev" in result.stderr and "Traceback" not in result.stderr


def test_jobs_run_beside_a_web_only_serve_sends_the_prompts_it_queues(
    cli: Run, database_url: str, tmp_path: Path
) -> None:
    """`serve --no-jobs` plus `jobs run`: the scheduler process is the one holding the jobs
    lock, so it must also send what it queues; the email reporters get their prompt by SMTP."""
    from tests.intake.servers import start_smtp

    smtp = start_smtp(tmp_path)
    set_up(cli)
    env = {**environment(database_url), "LAGESBILD_NOW": OPENING, "LAGESBILD_SMTP_PORT": str(smtp.port),
           "LAGESBILD_SMTP_USERNAME": smtp.username, "LAGESBILD_SMTP_PASSWORD": smtp.password,
           "SSL_CERT_FILE": str(smtp.cert), "LAGESBILD_SCHEDULER_INTERVAL": "3600"}  # fmt: skip
    process = subprocess.Popen([sys.executable, "-m", "lagesbild", "jobs", "run"], cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    email_reporters = {email for email, channel in REPORTERS.items() if channel == "email"}
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(smtp.handler.received) < len(email_reporters):
            assert process.poll() is None, "jobs run stopped"
            time.sleep(0.2)
        time.sleep(1)  # a second copy, if one were coming, would come now
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        smtp.controller.stop()
    recipients = Counter(address.lower() for mail in smtp.handler.received for address in mail.rcpt_tos)
    assert recipients == Counter(email_reporters), err
    assert process.returncode == 0, err
    assert Outbox(cli)["prompt"] == ONE_EACH


def test_outbox_run_once_sends_the_email_prompts_too(cli: Run, tmp_path: Path) -> None:
    from tests.intake.servers import start_smtp

    smtp = start_smtp(tmp_path)
    set_up(cli)
    cli("cycle", "open", now=BETWEEN)
    mail = {"LAGESBILD_SMTP_PORT": str(smtp.port), "LAGESBILD_SMTP_USERNAME": smtp.username,
            "LAGESBILD_SMTP_PASSWORD": smtp.password, "SSL_CERT_FILE": str(smtp.cert)}  # fmt: skip
    try:
        out = cli("outbox", "run", "--once", "--dev", now=at(BETWEEN, minutes=1), **mail).stdout
    finally:
        smtp.controller.stop()
    recipients = Counter(address.lower() for m in smtp.handler.received for address in m.rcpt_tos)
    assert recipients == Counter(e for e, channel in REPORTERS.items() if channel == "email"), out
