"""`lagesbild --org` scopes every command: in a shared (county) database an id of another
municipality is refused with "… hör inte till <own municipality>", and every listing shows
the chosen municipality's rows only. Each command runs as a real `python -m lagesbild`
process against a database holding two municipalities, on each backend.

Fagersta kommun (group EST, cycles 1–6) and Ludvika kommun (group FAS, the next five
cycles) are loaded from the fixed history; Fagersta then gets a digest, a red assessment
with a comment, a decision, a priority, a citizen promise and a quarantined mail, each
with a text of its own (`FAGERSTA`). The commands run as Ludvika with Fagersta's ids, and
nothing of Fagersta's (its name, people, addresses, places, report texts) may appear in
what they print. The database is built once per backend for the whole module: the
refusals change nothing, and the listings only read.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from intake.pipeline import ingest
from lagesbild.operations.assessment import set_assessment
from lagesbild.operations.decisions import create_decision
from lagesbild.operations.digest import digest_for_cycle
from lagesbild.operations.priorities import set_priority
from lagesbild.operations.promises import create_promise, example_path
from reporting.bra.decisions import decision_input
from reporting.bra.priorities import priority_input
from storage.database import Database
from storage.migrate import upgrade
from storage.repositories import CycleRepository, MemberRepository, OrganisationRepository, OutboxRepository
from storage.repositories.decisions import DecisionRepository
from tests.conftest import BACKENDS, PG_ADMIN_URL, _pg
from tests.lagesbild.digest_data import EST_ORG, FAS_ORG, HISTORY, NOW, TODAY, TZ, seed_est, seed_fas

pytestmark = pytest.mark.db

LUDVIKA = FAS_ORG
FAGERSTA = {
    "decision": "Fagerstas hemliga beslut om kameror vid Brunnsparken",
    "decision_text": "Detaljer om insatsen mot gänget vid Brunnsskolan",
    "comment": "Fagerstagruppens kommentar om Brunnsparken",
    "priority": "Fagerstas prioritering: langning vid Brunnsskolan",
    "mail_subject": "Tips om narkotikaförsäljning bakom Fagersta centrum",
    "mail_sender": "tipsare.fagersta@example.org",
}
UNKNOWN = "Ludvka kommun"


@dataclass(frozen=True)
class Shared:
    """The two-municipality database and Fagersta's ids the tests try as Ludvika."""

    url: str
    cycle: int  # Fagersta's digested cycle (6)
    decision_cycle: int  # the Fagersta cycle the decision rests on (5)
    answer: int  # an answer of a Fagersta reporter in that cycle
    decision: int
    priority: int
    promise: int
    mail: int  # Fagersta's quarantined mail
    ludvika_cycles: tuple[int, ...]
    ludvika_closed: int
    ludvika_decision: int
    ludvika_mail: int
    secrets: frozenset[str]  # what must never appear in Ludvika's output


def _mail(sender: str, subject: str, message_id: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "lagesbild@example.org"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = "Fri, 20 Nov 2026 10:00:00 +0100"
    msg.set_content("Hej!\n\nJag vill berätta om något jag sett.\n")
    return msg.as_bytes()


def _report_texts(name: str, other: str) -> set[str]:
    """Free-text lines of the history file `name` that the other municipality's file lacks."""
    texts: set[str] = set()
    for line in (HISTORY / name).read_text("utf-8").splitlines():
        for answer in json.loads(line)["answers"].values():
            for key in ("observations", "places_times", "comment"):
                texts.update(t.strip() for t in (answer.get(key) or "").split("\n") if len(t.strip()) > 12)
    theirs = (HISTORY / other).read_text("utf-8")
    return {t for t in texts if t not in theirs}


async def _build(url: str) -> Shared:
    db = Database(url)
    try:
        await seed_est(db)
        await seed_fas(db)
        async with db.session(readonly=True) as s:
            orgs = OrganisationRepository(s)
            fagersta, ludvika = await orgs.by_name(EST_ORG), await orgs.by_name(FAS_ORG)
            ludvika_cycles = tuple(c.id for _g, c in await CycleRepository(s).all(ludvika.id))
            [answer, *_rest] = [a for a, _m in await DecisionRepository(s).observed_answers(5, "1")]
            people = await MemberRepository(s).all(fagersta.id)
        await digest_for_cycle(db, 6, now=NOW)
        await set_assessment(db, cycle_id=6, question="1", level="red", comment=FAGERSTA["comment"], now=NOW)
        decided = await create_decision(
            db, decision_input(title=FAGERSTA["decision"], text=FAGERSTA["decision_text"], cycle_id=5, question="1",
                               meeting_date=dt.date(2026, 11, 19), due=dt.date(2026, 11, 20), owner="anna@fagersta.se"),
            now=NOW, organisation_id=fagersta.id,
        )  # fmt: skip
        priority = await set_priority(
            db, fagersta.id, priority_input(text=FAGERSTA["priority"], questions="1", ends_on=dt.date(2099, 12, 31),
                                            today=TODAY), by=None, now=NOW,
        )  # fmt: skip
        promise = await create_promise(
            db, example_path("fagersta-2020-12.yaml").read_text("utf-8"), organisation=EST_ORG, by=None, now=NOW
        )
        mail = await ingest(
            db, _mail(f"Anonym Tipsare <{FAGERSTA['mail_sender']}>", FAGERSTA["mail_subject"], "<tips-1@example.org>"),
            source="file", now=NOW, tz=TZ, organisation=EST_ORG,
        )  # fmt: skip
        ludvika_mail = await ingest(
            db, _mail("Ny Person <ny.person@example.org>", "Fråga om rapporten", "<ny-1@example.org>"),
            source="file", now=NOW, tz=TZ, organisation=FAS_ORG,
        )  # fmt: skip
        ludvika_closed = ludvika_cycles[-1]
        ludvika_decision = await create_decision(
            db, decision_input(title="Ludvikas eget beslut", cycle_id=ludvika_closed, question="1",
                               meeting_date=dt.date(2026, 11, 19)),
            now=NOW, organisation_id=ludvika.id,
        )  # fmt: skip
        assert mail.status == ludvika_mail.status == "quarantined"
        assert mail.inbound_id is not None and ludvika_mail.inbound_id is not None
        async with db.session(readonly=True) as s:
            queued = await OutboxRepository(s).list()
        fagersta_people = {p.email for p in people}
        assert any(m.recipient in fagersta_people and FAGERSTA["mail_subject"] in m.text for m in queued), (
            "Fagersta's coordinator was told about the quarantined mail"
        )
        places = {
            p.strip()
            for p in (HISTORY / "fagersta_places.txt").read_text("utf-8").splitlines()
            if p.strip() and not p.startswith("#")
        } - set((HISTORY / "ludvika_places.txt").read_text("utf-8").splitlines())
        secrets = (
            {"fagersta", "Fagersta"}
            | set(FAGERSTA.values())
            | {p.name for p in people}
            | fagersta_people
            | places
            | _report_texts("est_fagersta.jsonl", "fas_ludvika.jsonl")
            | {promise.title, promise.items[0].text[:60]}
        )
        return Shared(
            url=url, cycle=6, decision_cycle=5, answer=answer, decision=decided.decision.id, priority=priority.id,
            promise=promise.id, mail=mail.inbound_id, ludvika_cycles=ludvika_cycles, ludvika_closed=ludvika_closed,
            ludvika_decision=ludvika_decision.decision.id, ludvika_mail=ludvika_mail.inbound_id,
            secrets=frozenset(secrets),
        )  # fmt: skip
    finally:
        await db.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def shared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    """Built once per backend for the module (its own SQLite file or PostgreSQL database)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("org-scope") / "shared.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield asyncio.run(_build(f"sqlite:///{path}"))
        return
    admin = _pg(PG_ADMIN_URL)
    name = f"lagesbild_test_scope_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield asyncio.run(_build(url))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def lagesbild(shared: Shared, tmp_path: Path):  # type: ignore[no-untyped-def]
    """`lagesbild --org Ludvika kommun ARGS…` as a process (another --org with `org=`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "LAGESBILD_"))}
    env.update(DATABASE_URL=shared.url, PYTHONWARNINGS="error")

    def run(*args: object, org: str = LUDVIKA) -> Run:
        done = subprocess.run(
            [sys.executable, "-m", "lagesbild", "--org", org, *(str(a) for a in args)],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        return Run(done.returncode, done.stdout, done.stderr)

    return run


def leaked(shared: Shared, result: Run, typed: str = "") -> set[str]:
    """Fagersta's texts in the output (what the person typed themselves aside)."""
    output = result.output.replace(typed, "") if typed else result.output
    return {secret for secret in shared.secrets if secret in output}


def assert_refused(shared: Shared, result: Run, message: str, *, typed: str = "") -> None:
    """Non-zero, one Swedish line naming only Ludvika, and nothing of Fagersta's."""
    assert result.code == 1, result
    assert result.stderr.strip() == f"Fel: {message}", result
    assert "Traceback" not in result.output
    assert leaked(shared, result, typed) == set()


def assert_ludvika_only(shared: Shared, result: Run) -> None:
    assert result.code == 0, result
    assert leaked(shared, result) == set(), result.stdout[:2000]


# --- cycle ------------------------------------------------------------------------------------


def test_cycle_ids_of_another_municipality_are_refused_and_list_shows_its_own(shared: Shared, lagesbild) -> None:  # type: ignore[no-untyped-def]
    for verb in ("open", "close"):
        refused = lagesbild("cycle", verb, "--cycle", shared.cycle)
        assert_refused(shared, refused, f"Cykel {shared.cycle} hör inte till {LUDVIKA}")
    assert lagesbild("cycle", "open", "--cycle", 9999).stderr.strip() == "Fel: Cykel 9999 finns inte"
    listed = lagesbild("cycle", "list", "--json")
    assert_ludvika_only(shared, listed)
    cycles = json.loads(listed.stdout)
    assert {c["group"] for c in cycles} == {"FAS"}
    assert tuple(c["id"] for c in cycles) == shared.ludvika_cycles
    text = lagesbild("cycle", "list")
    assert_ludvika_only(shared, text)
    assert [line.split()[1] for line in text.stdout.splitlines() if line[:4].strip().isdigit()] == ["FAS"] * len(
        shared.ludvika_cycles
    )


# --- digest and assessment -------------------------------------------------------------------


def test_digest_of_another_municipalitys_cycle_is_refused(shared: Shared, lagesbild) -> None:  # type: ignore[no-untyped-def]
    message = f"Cykel {shared.cycle} hör inte till {LUDVIKA}"
    assert_refused(shared, lagesbild("digest", "--cycle", shared.cycle, "--format", "json"), message)
    assert_refused(shared, lagesbild("digest", "--cycle", shared.cycle, "--preview", "--format", "md"), message)
    own = lagesbild("digest", "--cycle", shared.ludvika_closed, "--format", "json")
    assert_ludvika_only(shared, own)
    assert json.loads(own.stdout)["group"] == "FAS"


def test_assessment_of_another_municipalitys_cycle_is_refused(shared: Shared, lagesbild) -> None:  # type: ignore[no-untyped-def]
    message = f"Cykel {shared.cycle} hör inte till {LUDVIKA}"
    set_ = lagesbild("assessment", "set", "--cycle", shared.cycle, "--question", 1, "--level", "green",
                     "--comment", "Ludvika skriver över")  # fmt: skip
    assert_refused(shared, set_, message)
    assert_refused(shared, lagesbild("assessment", "escalate", "--cycle", shared.cycle, "--question", 1), message)
    digest = json.loads(lagesbild("digest", "--cycle", shared.cycle, "--format", "json", org=EST_ORG).stdout)
    assessment = digest["questions"][0]["assessment"]
    assert (assessment["level"], assessment["comment"]) == ("red", FAGERSTA["comment"]), "Fagersta's is unchanged"


# --- decision ---------------------------------------------------------------------------------


def test_decision_ids_of_another_municipality_are_refused(shared: Shared, lagesbild) -> None:  # type: ignore[no-untyped-def]
    update = lagesbild("decision", "update", shared.decision, "--status", "avbruten", "--text", "Stängs av Ludvika")
    assert_refused(shared, update, f"Beslut {shared.decision} hör inte till {LUDVIKA}")
    on_cycle = lagesbild("decision", "add", "--cycle", shared.decision_cycle, "--question", 1, "--title", "Ludvika")
    assert_refused(shared, on_cycle, f"Cykel {shared.decision_cycle} hör inte till {LUDVIKA}")
    on_answer = lagesbild("decision", "add", "--cycle", shared.ludvika_closed, "--question", 1, "--title", "Ludvika",
                          "--answer", shared.answer, "--no-post")  # fmt: skip
    assert_refused(shared, on_answer, f"Svar {shared.answer} hör inte till {LUDVIKA}")
    listed = lagesbild("decision", "list", "--json")
    assert_ludvika_only(shared, listed)
    assert [d["id"] for d in json.loads(listed.stdout)] == [shared.ludvika_decision]


# --- priority and promise ---------------------------------------------------------------------


def test_priority_and_promise_ids_of_another_municipality_are_refused(shared: Shared, lagesbild) -> None:  # type: ignore[no-untyped-def]
    assert_refused(shared, lagesbild("priority", "clear", shared.priority),
                   f"Prioritering {shared.priority} hör inte till {LUDVIKA}")  # fmt: skip
    message = f"Medborgarlöfte {shared.promise} hör inte till {LUDVIKA}"
    follow_up = lagesbild("promise", "follow-up", shared.promise, "--item", 1, "--text", "Ludvika skriver")
    assert_refused(shared, follow_up, message)
    assert_refused(shared, lagesbild("promise", "export", shared.promise, "--format", "md"), message)
    priorities = lagesbild("priority", "list", "--all", "--json")
    assert_ludvika_only(shared, priorities)
    assert json.loads(priorities.stdout) == []
    promises = lagesbild("promise", "list", "--json")
    assert_ludvika_only(shared, promises)
    assert json.loads(promises.stdout) == []


# --- outbox -----------------------------------------------------------------------------------


def test_outbox_list_shows_the_municipalitys_own_messages(shared: Shared, lagesbild) -> None:  # type: ignore[no-untyped-def]
    listed = lagesbild("outbox", "list", "--json")
    assert_ludvika_only(shared, listed)
    messages = json.loads(listed.stdout)
    assert messages, "Ludvika's coordinator was told about Ludvika's quarantined mail"
    assert {m["to"].split("@")[1] for m in messages} == {"ludvika.se"}
    assert_ludvika_only(shared, lagesbild("outbox", "list"))
    theirs = json.loads(lagesbild("outbox", "list", "--json", org=EST_ORG).stdout)
    assert any(FAGERSTA["mail_subject"] in m["text"] for m in theirs), "the check can see Fagersta's rows"
    assert not {m["id"] for m in theirs} & {m["id"] for m in messages}


# --- intake quarantine ------------------------------------------------------------------------


def test_quarantine_shows_and_releases_the_municipalitys_own_mail(shared: Shared, lagesbild) -> None:  # type: ignore[no-untyped-def]
    listed = lagesbild("intake", "quarantine", "list", "--json")
    assert_ludvika_only(shared, listed)
    assert [row["id"] for row in json.loads(listed.stdout)] == [shared.ludvika_mail]
    assert_refused(shared, lagesbild("intake", "quarantine", "release", shared.mail),
                   f"Mejl {shared.mail} hör inte till {LUDVIKA}")  # fmt: skip
    theirs = json.loads(lagesbild("intake", "quarantine", "list", "--json", org=EST_ORG).stdout)
    assert [row["id"] for row in theirs] == [shared.mail]


# --- members, groups, places, export ----------------------------------------------------------


def test_members_groups_and_places_are_the_municipalitys_own(shared: Shared, lagesbild) -> None:  # type: ignore[no-untyped-def]
    members = lagesbild("members", "list", "--json")
    assert_ludvika_only(shared, members)
    assert {m["email"].split("@")[1] for m in json.loads(members.stdout)} == {"ludvika.se"}
    assert_refused(shared, lagesbild("members", "away", "anna@fagersta.se", "--until", "2099-01-01"),
                   "Ingen medlem med e-postadressen anna@fagersta.se", typed="anna@fagersta.se")  # fmt: skip
    groups = lagesbild("group", "list")
    assert_ludvika_only(shared, groups)
    assert [line.split()[0] for line in groups.stdout.splitlines()] == ["FAS"]
    assert_refused(shared, lagesbild("export", "--group", "EST", "--month", "2026-10", "--format", "csv"),
                   "Gruppen EST finns inte")  # fmt: skip
    places = lagesbild("places", "list", "--json")
    assert_ludvika_only(shared, places)
    expected = [p for p in (HISTORY / "ludvika_places.txt").read_text("utf-8").splitlines() if p.strip()]
    assert sorted(json.loads(places.stdout)) == sorted(expected)


# --- bra and compare --------------------------------------------------------------------------


async def _fagersta_outbox(url: str) -> int:
    db = Database(url)
    try:
        async with db.session(readonly=True) as s:
            return len([m for m in await OutboxRepository(s).list() if m.recipient.endswith("@fagersta.se")])
    finally:
        await db.dispose()


def test_bra_and_compare_cover_the_municipality_only(shared: Shared, lagesbild) -> None:  # type: ignore[no-untyped-def]
    agenda = lagesbild("bra", "agenda", "--date", "2026-11-26", "--format", "json")
    assert_ludvika_only(shared, agenda)
    assert json.loads(agenda.stdout)["organisation"] == LUDVIKA
    # Fagersta's decision was due 20 nov 2026: the scheduler reminds its owner, Ludvika's `bra remind` must not.
    before = asyncio.run(_fagersta_outbox(shared.url))
    remind = lagesbild("bra", "remind")
    assert_ludvika_only(shared, remind)
    assert asyncio.run(_fagersta_outbox(shared.url)) == before, "nothing queued for Fagersta's people"
    compared = lagesbild("compare", "--from", "2026-07", "--to", "2026-11")
    assert_ludvika_only(shared, compared)
    assert json.loads(compared.stdout)["organisations"] == [LUDVIKA]


# --- an unknown municipality ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("cycle", "list"), ("outbox", "list"), ("intake", "quarantine", "list"), ("members", "list"),
        ("group", "list"), ("places", "list"), ("decision", "list"),
    ],
    ids=lambda args: "-".join(args),
)  # fmt: skip
def test_an_unknown_municipality_is_named_and_nothing_listed(shared: Shared, lagesbild, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    result = lagesbild(*args, org=UNKNOWN)
    assert_refused(
        shared, result,
        f"Kommunen {UNKNOWN} finns inte i databasen. Ange kommunen med lagesbild --org NAMN (eller LAGESBILD_ORGANISATION).",
    )  # fmt: skip
    assert result.stdout == ""
