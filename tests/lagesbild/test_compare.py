"""Comparison between municipalities on both backends: the aggregates are right, and a
member of one municipality never sees another's free text, in any command, card or export."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lagesbild.cli import cli
from lagesbild.operations.assessment import set_assessment
from lagesbild.operations.compare import compare_data
from lagesbild.operations.decisions import create_decision, decision_form, update_status
from lagesbild.operations.priorities import set_priority
from lagesbild.operations.promises import create_promise, example_path, follow_up
from reporting.bra.decisions import decision_input
from reporting.bra.priorities import priority_input
from storage.database import Database
from storage.repositories import CycleRepository, OrganisationRepository
from tests.lagesbild.bra_data import members
from tests.lagesbild.digest_data import EST_ORG, FAS_ORG, HISTORY, NOW, seed_est, seed_fas

pytestmark = pytest.mark.db


def expected_from_fixtures(name: str) -> dict[tuple[str, str], dict[str, float]]:
    """Per (month, question) from the raw history file: reports, observations, impact sum and count."""
    out: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: {"obs": 0, "isum": 0, "in": 0})
    reports: dict[str, int] = defaultdict(int)
    for line in (HISTORY / name).read_text("utf-8").splitlines():
        report = json.loads(line)
        month = report["period"]["to"][:7]
        reports[month] += 1
        for q, answer in report["answers"].items():
            if q == "7" or answer.get("nothing_to_report"):
                continue
            entry = out[(month, q)]
            if (answer.get("observations") or "").strip() or (answer.get("places_times") or "").strip():
                entry["obs"] += 1
            if answer.get("impact") is not None:
                entry["isum"] += answer["impact"]
                entry["in"] += 1
    for (month, _q), entry in out.items():
        entry["reports"] = reports[month]
    for month, n in reports.items():
        for q in "123456":
            out[(month, q)]["reports"] = n
    return out


async def test_the_aggregates_are_right_for_two_municipalities(db: Database) -> None:
    await seed_est(db)
    await seed_fas(db)
    await set_assessment(db, cycle_id=6, question="1", level="red", comment="Lyfts.", now=NOW)
    await set_assessment(db, cycle_id=5, question="1", level="yellow", comment="", now=NOW)
    async with db.session(readonly=True) as s:
        fagersta = await OrganisationRepository(s).by_name(EST_ORG)
        deadline = (await CycleRepository(s).get(5)).deadline
    decided = await create_decision(
        db, decision_input(title="Trygghetsvandring", meeting_date=dt.date(2026, 10, 22), cycle_id=5, question="1"),
        now=NOW, organisation_id=fagersta.id,
    )  # fmt: skip
    await update_status(
        db, decided.decision.id, "klar", "Gjort.", by=None, now=dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    )
    data = await compare_data(db, first="2026-08", last="2026-11")
    assert (
        data["organisations"] == [EST_ORG, FAS_ORG]
        and data["questions"]["1"] == "Ordningsstörningar och otrygghet"
    )
    rows = {(r["organisation"], r["question"], r["month"]): r for r in data["rows"]}
    assert len(rows) == 2 * 6 * 4
    for organisation, name in ((EST_ORG, "est_fagersta.jsonl"), (FAS_ORG, "fas_ludvika.jsonl")):
        for (month, q), facts in expected_from_fixtures(name).items():
            if not "2026-08" <= month <= "2026-11":
                continue
            row = rows[(organisation, q, month)]
            assert row["reports"] == facts["reports"], (organisation, q, month)
            assert row["observations"] == facts["obs"], (organisation, q, month)
            assert row["observations_share"] == round(facts["obs"] / facts["reports"], 3)
            assert row["impact_mean"] == (round(facts["isum"] / facts["in"], 2) if facts["in"] else None)
    # cycle 5 ends 4 okt, cycle 6 ends 18 okt: both October
    october = rows[(EST_ORG, "1", "2026-10")]
    assert october["assessments"] == {"green": 0, "yellow": 1, "red": 1}
    assert october["decisions"] == {"taken": 1, "done": 0}
    assert rows[(EST_ORG, "1", "2026-11")]["decisions"] == {"taken": 0, "done": 1}
    assert october["feedback_days_median"] == round((NOW - deadline).total_seconds() / 86400, 1)
    assert rows[(FAS_ORG, "1", "2026-10")]["assessments"] == {"green": 0, "yellow": 0, "red": 0}
    assert rows[(FAS_ORG, "1", "2026-10")]["impact_mean"] is None, "Ludvika's template has no impact score"


def _ludvika_texts() -> set[str]:
    texts = set()
    for line in (HISTORY / "fas_ludvika.jsonl").read_text("utf-8").splitlines():
        for answer in json.loads(line)["answers"].values():
            for key in ("observations", "places_times", "comment"):
                texts.update(t.strip() for t in (answer.get(key) or "").split("\n") if len(t.strip()) > 12)
    fagersta = (HISTORY / "est_fagersta.jsonl").read_text("utf-8")
    return {t for t in texts if t not in fagersta}


LUDVIKA_SECRETS = (
    "Hemligt Ludvika-beslut om Marnäs",
    "Detaljer om insatsen vid Marnäs skola",
    "Ludvikas prioritering: langning vid Marnäs",
    "Uppföljning: citygruppen gick fyra helger",
    "Gruppens kommentar om Marnäs",
    "Karin Karlsson",
    "Olle Olsson",
)


async def test_no_free_text_crosses_a_municipalitys_border(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_est(db)
    await seed_fas(db)
    fas_members = await members(db, FAS_ORG)
    async with db.session(readonly=True) as s:
        ludvika = await OrganisationRepository(s).by_name(FAS_ORG)
        fagersta = await OrganisationRepository(s).by_name(EST_ORG)
        fas_cycles = [c for _g, c in await CycleRepository(s).all(ludvika.id)]
    # Ludvika's own free text: reports, a group comment, a decision, a priority, a promise follow-up
    await set_assessment(db, cycle_id=fas_cycles[-1].id, question="1", level="red",
                         comment="Gruppens kommentar om Marnäs", now=NOW)  # fmt: skip
    await create_decision(
        db, decision_input(title=LUDVIKA_SECRETS[0], text=LUDVIKA_SECRETS[1], meeting_date=dt.date(2026, 11, 19),
                           cycle_id=fas_cycles[-1].id, question="1", owner="karin@ludvika.se"),
        now=NOW, organisation_id=ludvika.id,
    )  # fmt: skip
    await set_priority(db, ludvika.id, priority_input(text=LUDVIKA_SECRETS[2], questions="5",
                                                      ends_on=dt.date(2099, 12, 31), today=NOW.date()),
                       by=None, now=NOW)  # fmt: skip
    promise = await create_promise(db, example_path("ludvika-2021.yaml").read_text("utf-8"), organisation=FAS_ORG,
                                   by=None, now=NOW)  # fmt: skip
    await follow_up(db, promise.id, item=6, text=LUDVIKA_SECRETS[3], value=4, organisation_id=ludvika.id,
                    today=dt.date(2021, 6, 1), now=NOW)  # fmt: skip
    # Fagersta's own activity, so every Fagersta output has content
    await set_assessment(db, cycle_id=6, question="1", level="red", comment="Lyfts.", now=NOW)
    await create_decision(db, decision_input(title="Trygghetsvandring", meeting_date=dt.date(2026, 11, 19),
                                             cycle_id=5, question="1"), now=NOW, organisation_id=fagersta.id)  # fmt: skip
    secrets = set(LUDVIKA_SECRETS) | _ludvika_texts() | {promise.items[5].text}
    assert len(secrets) > 10

    monkeypatch.chdir(tmp_path)
    env = {"DATABASE_URL": database_url, "LAGESBILD_ORGANISATION": EST_ORG}

    async def run(*args: str) -> Result:  # the command line runs its own event loop: in a thread
        return await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=env, catch_exceptions=False)

    outputs = {
        " ".join(args): (await run(*args)).output
        for args in (
            ("decision", "list", "--json"), ("decision", "list"), ("decision", "update", "1", "--status", "pågår"),
            ("priority", "list", "--all", "--json"), ("promise", "list", "--json"),
            ("promise", "export", str(promise.id), "--format", "html"),
            ("promise", "follow-up", str(promise.id), "--item", "6", "--text", "x"),
            ("bra", "agenda", "--format", "json"), ("bra", "agenda", "--date", "2026-12-01"),
            ("digest", "--latest", "--format", "json"), ("digest", "--latest", "--format", "md"),
            ("compare", "--from", "2026-07", "--to", "2026-11"),
            ("compare", "--from", "2026-07", "--to", "2026-11", "--format", "csv"),
            ("compare", "--from", "2026-07", "--to", "2026-11", "--format", "html"),
        )
    }  # fmt: skip
    assert "Beslut 1 hör inte till Fagersta kommun" in outputs["decision update 1 --status pågår"], (
        "Ludvika's decision 1 is refused, naming only Fagersta"
    )
    assert (
        f"Medborgarlöfte {promise.id} hör inte till Fagersta kommun"
        in outputs[f"promise export {promise.id} --format html"]
    )
    assert "Trygghetsvandring" in outputs["decision list"]
    assert json.loads(outputs["digest --latest --format json"])["group"] == "EST"
    assert json.loads(outputs["bra agenda --format json"])["organisation"] == EST_ORG
    assert outputs["compare --from 2026-07 --to 2026-11 --format html"].count("data:image/png") == 2
    # the check can see a leak: Ludvika's own commands do show Ludvika's texts
    own = (await run("--org", FAS_ORG, "decision", "list", "--json")).output
    assert LUDVIKA_SECRETS[0] in own and LUDVIKA_SECRETS[1] in own
    # what Fagersta's people get in Teams and by email, and the cards the bot shows them
    fagersta_people = {m.email for m in (await members(db, EST_ORG)).values()}
    queue = [
        m for m in json.loads((await run("outbox", "list", "--json")).output) if m["to"] in fagersta_people
    ]
    assert queue, "Fagersta's reporters got feedback"
    from storage.repositories import OutboxRepository

    async with db.session(readonly=True) as s:
        payloads = [json.dumps(m.payload, ensure_ascii=False) for m in await OutboxRepository(s).list()
                    if m.recipient in fagersta_people]  # fmt: skip
    form = json.dumps(
        await decision_form(db, organisation_id=fagersta.id, today=NOW.date()), ensure_ascii=False
    )
    seen = {
        **outputs,
        "outbox": json.dumps(queue, ensure_ascii=False),
        "payloads": "\n".join(payloads),
        "form": form,
    }
    leaks = {(where, secret) for where, text in seen.items() for secret in secrets if secret in text}
    assert leaks == set()
    assert any(m.name == "Karin Karlsson" for m in fas_members.values())
