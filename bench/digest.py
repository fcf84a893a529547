"""Benchmark: the digest of a group with a year of weekly cycles, on SQLite and PostgreSQL.

    .venv/bin/python bench/digest.py [--backends sqlite,postgresql] [--runs 3]

Seeds a fresh database per backend: one group on the Fagersta template at a weekly
cadence, 60 reporters in eight agencies, the demo place list, and 52 closed weekly
cycles (one year) of submitted reports in realistic Swedish: a few problems that recur
week after week at the same places (Brunnsparken at weekends, mopeds at Resecentrum …)
among one-off events, impact scores, "nothing to report", blanks, comments and question
7's positive events; about 90 % of reporters answer each week.

Then, in a fresh process each time (so the memory figure is that of one digest, with the
interpreter and libraries), the last cycle's digest is built exactly as the scheduler
and `lagesbild digest --rebuild` do: load the cycle and a year of earlier answers, group,
compare with the year, trend, suggest, render the cards, store it frozen. Time is the wall
time of that call (median of the runs); memory is the process's peak RSS (the worst run).
A second line gives rendering the stored digest as HTML and .docx with the chart (not part
of the target).

Target: < 1 s and < 200 MB per digest. PostgreSQL: LAGESBILD_TEST_PG_URL (an admin URL,
default postgresql://postgres@127.0.0.1:5432/postgres); a database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

# Run as a script, this file's folder comes first on sys.path; put the repository there.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from sqlalchemy import insert  # noqa: E402

from bench.scratch_pg import drop_postgresql, postgresql_database  # noqa: E402
from reporting.digest.places import clean_place_names  # noqa: E402
from reporting.members_csv import MemberInput  # noqa: E402
from reporting.model import Channel, Role  # noqa: E402
from reporting.questionnaire import Questionnaire, preset_dict  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import AnswerRow, CycleRow, SubmissionRow  # noqa: E402
from storage.repositories import (  # noqa: E402
    GroupRepository,
    MemberRepository,
    OrganisationRepository,
    QuestionnaireRepository,
)
from storage.repositories.places import PlaceRepository  # noqa: E402

TARGET_SECONDS = 1.0
TARGET_MB = 200.0
WEEKS = 52
REPORTERS = 60
LAST_SUNDAY = dt.date(2026, 11, 15)

AGENCIES = [
    "fastighet",
    "fritid",
    "skola",
    "socialtjänst",
    "polis",
    "bostadsbolag",
    "fältassistent",
    "räddningstjänst",
]
EVENTS = {
    "1": ["Skadegörelse på lekplatsen", "Klotter på väggar och elskåp", "Nedskräpning och krossat glas",
          "Bränder i papperskorgar", "Buskörning med mopeder", "Inbrott i källarförråd", "Stenkastning mot bussar",
          "Ungdomar samlas och stökar", "Fyrverkerier mot fasader", "Trasig belysning, boende känner sig otrygga",
          "Cykelstölder och förstörda cykelställ", "Skadegörelse på busskurer"],
    "2": ["Hot mot personal i butik", "Misshandel utanför restaurang", "Bråk mellan vuxna", "Rån mot ungdom",
          "Hot mot busschaufför", "Slagsmål efter fest", "Knivhot mot ungdom", "Bråk i kön till nattklubben"],
    "3": ["Klistermärken med nazistiskt budskap", "Klotter med rasistiska symboler",
          "Rekryteringsförsök av unga till kriminella nätverk", "Propaganda delas ut till elever",
          "Unga används som springpojkar för ett nätverk"],
    "4": ["Bråk mellan elever", "Oro på fritidsgården", "Unga hänger i centrum under skoltid",
          "Hot mot personal på skolan", "Konflikter i sociala medier mellan elevgrupper",
          "Äldre ungdomar utifrån stör verksamheten", "Mobbning och utfrysning i en klass"],
    "5": ["Langning av alkohol till unga", "Misstänkt narkotikaförsäljning", "Beslag av cannabis",
          "Snus och nikotinpåsar bland högstadieelever", "Berusade unga", "Sprutor hittade",
          "Försäljning av narkotika via sociala medier"],
    "6": ["Klagomål på hög musik nattetid", "Ryktesspridning i sociala medier om skjutning",
          "Kommande evenemang med många besökare", "Trakasserier mot politiker", "Ofredanden vid badplatsen",
          "Hot mot personal i kommunens kundtjänst"],
}  # fmt: skip
POSITIVE = ["Nattvandring har genomförts med god uppslutning.", "Trygghetsvandring med boende och polis.",
            "Föräldramöte om trygghet på skolan.", "Ny belysning har satts upp på gångvägen.",
            "Fältgruppen och polisen har gått gemensamma rundor.", "Sommarlovsaktiviteter med många besökare.",
            "Öppet hus på räddningstjänsten för högstadiet."]  # fmt: skip
TIMES = ["fredagskvällar", "kvällstid", "nattetid", "i helgen", "efter skolan", "på lunchrasterna",
         "lördag kväll", "efter kl. 22", "natten mot söndag", "", "", ""]  # fmt: skip
QUALIFIERS = ["", "", "igen", "flera gånger under veckan", "enligt boende", "enligt personalen",
              "som tidigare veckor", "vid två tillfällen"]  # fmt: skip
COMMENTS = ["", "", "", "Polisen är informerad.", "Fastighetsägaren har sanerat.", "Fältgruppen följer upp.",
            "Anmälan är gjord."]  # fmt: skip


def place_names() -> list[str]:
    text = resources.files("lagesbild.demo_data").joinpath("places.txt").read_text("utf-8")
    return clean_place_names(text.splitlines())


def generate(rng: random.Random, places: list[str]) -> list[list[dict[str, Any]]]:
    """Per week, per reporter: their answers (or None when they did not report)."""
    recurring = {q: [(rng.choice(events), rng.choice(places), rng.choice(TIMES)) for _ in range(4)]
                 for q, events in EVENTS.items()}  # fmt: skip
    weeks = []
    for week in range(WEEKS):
        reports = []
        for _ in range(REPORTERS):
            if rng.random() > 0.9:
                reports.append(None)
                continue
            answers: dict[str, dict[str, Any]] = {}
            for q, events in EVENTS.items():
                roll = rng.random()
                if roll < (0.45 if q == "1" else 0.25):
                    if rng.random() < 0.55:
                        event, place, when = rng.choice(recurring[q][: 2 + week % 3])
                    else:
                        event, place, when = rng.choice(events), rng.choice(places), rng.choice(TIMES)
                    text = f"{event} vid {place}"
                    text += f", {when}" if when else ""
                    qualifier = rng.choice(QUALIFIERS)
                    text += f" {qualifier}." if qualifier else "."
                    if rng.random() < 0.15:
                        text += f"\n- {rng.choice(events)} vid {rng.choice(places)}."
                    answers[q] = {"observations": text, "impact": rng.choices([1, 2, 3, 4, 5], [2, 4, 4, 2, 1])[0],
                                  "comment": rng.choice(COMMENTS), "nothing_to_report": False}  # fmt: skip
                elif roll < 0.9:
                    answers[q] = {
                        "observations": "",
                        "impact": None,
                        "comment": "",
                        "nothing_to_report": True,
                    }
            if rng.random() < 0.15:
                answers["7"] = {"observations": "", "impact": None, "comment": rng.choice(POSITIVE),
                                "nothing_to_report": False}  # fmt: skip
            reports.append(answers)
        weeks.append(reports)
    return weeks


async def seed(url: str) -> int:
    """The year of reports; returns the last cycle's id."""
    db = Database(url)
    rng = random.Random(20261115)
    places = place_names()
    definition = preset_dict("est-fagersta")
    schedule = Questionnaire.from_dict(definition).default_schedule
    try:
        async with db.session() as s:
            org = await OrganisationRepository(s).ensure("Benchkommunen")
            qid = await QuestionnaireRepository(s).store(org.id, definition)
            group = await GroupRepository(s).create(
                organisation_id=org.id, name="EST", preset="est-fagersta", questionnaire_id=qid,
                schedule=dataclasses.replace(schedule, cadence_weeks=1),
                first_meeting=LAST_SUNDAY - dt.timedelta(days=4),
            )  # fmt: skip
            inputs = [
                MemberInput(n + 2, f"Rapportör {n}", f"r{n}@bench.se", AGENCIES[n % len(AGENCIES)],
                            frozenset({Role.REPORTER}), Channel.TEAMS)
                for n in range(REPORTERS)
            ]  # fmt: skip
            inputs.append(MemberInput(1, "Samordnare", "samordnare@bench.se", "kommun",
                                      frozenset({Role.COORDINATOR}), Channel.TEAMS))  # fmt: skip
            result = await MemberRepository(s).upsert(org.id, inputs)
            await GroupRepository(s).add_members(group.id, list(result.member_ids))
            await PlaceRepository(s).import_names(org.id, places)
            member_ids = list(result.member_ids[:REPORTERS])

        weeks = generate(rng, places)
        first = LAST_SUNDAY - dt.timedelta(weeks=WEEKS) + dt.timedelta(days=1)
        last_cycle = 0
        for week, reports in enumerate(weeks):
            start = first + dt.timedelta(weeks=week)
            opens = dt.datetime.combine(start + dt.timedelta(days=7), dt.time(7), tzinfo=dt.UTC)
            async with db.session() as s:
                cycle_id = (
                    await s.execute(
                        insert(CycleRow).returning(CycleRow.id),
                        [{"group_id": group.id, "questionnaire_id": qid, "period_from": start,
                          "period_to": start + dt.timedelta(days=6), "opens_at": opens,
                          "deadline": opens + dt.timedelta(days=1), "meeting_at": opens + dt.timedelta(days=2),
                          "state": "closed", "closed_at": opens + dt.timedelta(days=1),
                          "created_at": opens}],
                    )
                ).scalar_one()  # fmt: skip
                rows = [
                    {"cycle_id": cycle_id, "member_id": member_ids[n], "channel": "teams", "state": "submitted",
                     "revision": 1, "submitted_at": opens + dt.timedelta(hours=1, minutes=n), "created_at": opens,
                     "updated_at": opens}
                    for n, answers in enumerate(reports) if answers is not None
                ]  # fmt: skip
                ids = list(
                    (
                        await s.execute(
                            insert(SubmissionRow).returning(SubmissionRow.id, SubmissionRow.member_id), rows
                        )
                    ).all()
                )
                by_member = {member: sid for sid, member in ids}
                answer_rows = [
                    {"submission_id": by_member[member_ids[n]], "question": q, "observations": a["observations"],
                     "impact": a["impact"], "comment": a["comment"], "places_times": "",
                     "nothing_to_report": a["nothing_to_report"], "channel": "teams", "warnings": [],
                     "updated_at": opens}
                    for n, answers in enumerate(reports) if answers is not None
                    for q, a in answers.items()
                ]  # fmt: skip
                if answer_rows:
                    await s.execute(insert(AnswerRow), answer_rows)
            last_cycle = cycle_id
        return last_cycle
    finally:
        await db.dispose()


async def _measure(url: str, cycle_id: int) -> dict[str, float]:
    from lagesbild.exports import render_digest_data
    from lagesbild.operations.digest import digest_for_cycle

    db = Database(url)
    try:
        start = time.perf_counter()
        bundle = await digest_for_cycle(db, cycle_id, now=dt.datetime.now(dt.UTC), rebuild=True)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        items = sum(len(q["items"]) for q in bundle.data["questions"])
        start = time.perf_counter()
        for fmt in ("html", "docx"):
            render_digest_data(bundle.compiled(), bundle.questionnaire, fmt, organisation=bundle.organisation,
                               series=bundle.digest.series)  # fmt: skip
        render = time.perf_counter() - start
        render_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        await db.dispose()
    return {"seconds": seconds, "peak_mb": peak, "render_seconds": render, "render_peak_mb": render_peak,
            "items": items, "cards": len(bundle.digest.cards)}  # fmt: skip


def measure_in_child(url: str, cycle_id: int) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--measure", url, str(cycle_id)], capture_output=True,
                          text=True, check=False, cwd=ROOT)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"digest measurement failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_backend(backend: str, runs: int) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        pg_name = None
        if backend == "sqlite":
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        else:
            url, pg_name = postgresql_database()
        try:
            upgrade(url)
            started = time.perf_counter()
            cycle_id = asyncio.run(seed(url))
            seeded = time.perf_counter() - started
            results = [measure_in_child(url, cycle_id) for _ in range(runs)]
        finally:
            if pg_name:
                drop_postgresql(pg_name)
    seconds = statistics.median(r["seconds"] for r in results)
    peak = max(r["peak_mb"] for r in results)
    render = statistics.median(r["render_seconds"] for r in results)
    render_peak = max(r["render_peak_mb"] for r in results)
    print(f"seeded {backend}: {WEEKS} weekly cycles × {REPORTERS} reporters in {seeded:.1f} s; "
          f"last digest: {int(results[0]['items'])} items, {int(results[0]['cards'])} cards")  # fmt: skip
    print(
        f"digest {backend}: {seconds:.2f} s (target {TARGET_SECONDS:.1f}, ratio {seconds / TARGET_SECONDS:.2f}), "
        f"peak {peak:.0f} MB (target {TARGET_MB:.0f}, ratio {peak / TARGET_MB:.2f})"
    )
    print(
        f"  render html+docx with chart {backend}: {render:.2f} s, peak {render_peak:.0f} MB (not in the target)"
    )
    return seconds < TARGET_SECONDS and peak < TARGET_MB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--measure", nargs=2, metavar=("URL", "CYCLE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        url, cycle = args.measure
        print(json.dumps(asyncio.run(_measure(url, int(cycle)))))
        return 0
    ok = True
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        ok = run_backend(backend, args.runs) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
