"""Benchmark: Brå's feedback fan-out and the comparison between municipalities, on SQLite
and PostgreSQL.

    .venv/bin/python bench/feedback.py [--backends sqlite,postgresql] [--runs 3]

Feedback: one municipality, 300 reporters (every other one by email, the rest in Teams),
two closed cycles in which every reporter wrote observations on question 1: 600 answers.
A Brå decision linking all 600 is taken as `lagesbild decision add --answer …` and a
Teams card would take it (`create_decision`): the decision, its 600 links and one
feedback message per reporter are stored in one unit of work. Time is the wall time of
that call (median of the runs, a new decision each run); then the outbox is checked:
each of the 300 reporters has exactly one feedback message for that decision.
Target: < 1 s.

Compare: ten municipalities × two years of weekly cycles (104 each, 12 reporters, about
90 % answering each week, six questions with observations, impact scores, "nothing to
report"), the group's assessments and a few decisions with linked answers per month.
Time is `lagesbild compare --from … --to … --format json` done in-process on a fresh
connection (median of the runs); the HTML with its two charts is timed too, for
reference. Target: < 2 s.

PostgreSQL: LAGESBILD_TEST_PG_URL (an admin URL, default
postgresql://postgres@127.0.0.1:5432/postgres); a database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path; put the repository there.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from sqlalchemy import insert, select  # noqa: E402

from bench.scratch_pg import drop_postgresql, postgresql_database  # noqa: E402
from lagesbild.operations.compare import export_compare  # noqa: E402
from lagesbild.operations.decisions import create_decision  # noqa: E402
from reporting.bra.decisions import decision_input  # noqa: E402
from reporting.members_csv import MemberInput  # noqa: E402
from reporting.model import Channel, Role  # noqa: E402
from reporting.questionnaire import Questionnaire, preset_dict  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    AnswerRow,
    AssessmentRow,
    CycleRow,
    DecisionAnswerRow,
    DecisionRow,
    OutboxMessageRow,
    SubmissionRow,
)
from storage.repositories import (  # noqa: E402
    GroupRepository,
    MemberRepository,
    OrganisationRepository,
    QuestionnaireRepository,
)

FEEDBACK_TARGET = 1.0
COMPARE_TARGET = 2.0
FANOUT_REPORTERS = 300
MUNICIPALITIES = 10
WEEKS = 104
REPORTERS = 12
LAST_SUNDAY = dt.date(2026, 11, 22)
AGENCIES = (
    "fastighet",
    "fritid",
    "skola",
    "socialtjänst",
    "polis",
    "bostadsbolag",
    "fältassistent",
    "kommun",
)
TEXTS = (
    "Nedskräpning och krossat glas i Brunnsparken efter helgen.",
    "Buskörning med moped runt Resecentrum kvällstid.",
    "Klotter på gaveln vid skolan, anmält till fastighet.",
    "Oro bland boende efter bråk i trapphuset på fredagen.",
    "Ungdomar samlas vid kiosken efter 22 och det blir stökigt.",
    "Langning av alkohol vid idrottsplatsen i helgen.",
)


async def _organisation(s, name: str, reporters: int, *, email_every: int = 0):  # type: ignore[no-untyped-def]
    definition = preset_dict("est-fagersta")
    org = await OrganisationRepository(s).ensure(name)
    qid = await QuestionnaireRepository(s).store(org.id, definition)
    group = await GroupRepository(s).create(
        organisation_id=org.id, name="EST", preset="est-fagersta", questionnaire_id=qid,
        schedule=Questionnaire.from_dict(definition).default_schedule, first_meeting=LAST_SUNDAY,
    )  # fmt: skip
    slug = name.split()[0].lower()
    inputs = [
        MemberInput(n + 2, f"Rapportör {n}", f"r{n}@{slug}.se", AGENCIES[n % len(AGENCIES)], frozenset({Role.REPORTER}),
                    Channel.EMAIL if email_every and n % email_every == 0 else Channel.TEAMS)
        for n in range(reporters)
    ]  # fmt: skip
    inputs.append(MemberInput(1, "Samordnare", f"samordnare@{slug}.se", "kommun", frozenset({Role.COORDINATOR}),
                              Channel.TEAMS))  # fmt: skip
    result = await MemberRepository(s).upsert(org.id, inputs)
    await GroupRepository(s).add_members(group.id, list(result.member_ids))
    return org.id, group.id, qid, list(result.member_ids[:reporters])


async def _cycle(s, group_id: int, qid: int, start: dt.date, days: int) -> tuple[int, dt.datetime]:  # type: ignore[no-untyped-def]
    opens = dt.datetime.combine(start + dt.timedelta(days=days), dt.time(7), tzinfo=dt.UTC)
    cycle_id = (
        await s.execute(
            insert(CycleRow).returning(CycleRow.id),
            [{"group_id": group_id, "questionnaire_id": qid, "period_from": start,
              "period_to": start + dt.timedelta(days=days - 1), "opens_at": opens,
              "deadline": opens + dt.timedelta(days=1), "meeting_at": opens + dt.timedelta(days=2),
              "state": "closed", "closed_at": opens + dt.timedelta(days=1), "created_at": opens}],
        )
    ).scalar_one()  # fmt: skip
    return cycle_id, opens


async def _reports(s, cycle_id: int, opens: dt.datetime, answers: dict[int, dict[str, dict]]) -> list[int]:  # type: ignore[no-untyped-def,type-arg]
    rows = [
        {"cycle_id": cycle_id, "member_id": m, "channel": "teams", "state": "submitted", "revision": 1,
         "submitted_at": opens + dt.timedelta(hours=2), "created_at": opens, "updated_at": opens}
        for m in answers
    ]  # fmt: skip
    ids = {m: sid for sid, m in (await s.execute(insert(SubmissionRow).returning(SubmissionRow.id,
                                                                                 SubmissionRow.member_id), rows)).all()}  # fmt: skip
    answer_rows = [
        {"submission_id": ids[m], "question": q, "observations": a.get("observations", ""), "impact": a.get("impact"),
         "comment": "", "places_times": "", "nothing_to_report": a.get("nothing", False), "channel": "teams",
         "warnings": [], "updated_at": opens}
        for m, qs in answers.items()
        for q, a in qs.items()
    ]  # fmt: skip
    return list((await s.execute(insert(AnswerRow).returning(AnswerRow.id), answer_rows)).scalars())


# --- feedback -------------------------------------------------------------------------------


async def seed_fanout(url: str) -> tuple[int, list[int]]:
    db = Database(url)
    rng = random.Random(300)
    try:
        async with db.session() as s:
            org_id, group_id, qid, reporters = await _organisation(s, "Fagersta kommun", FANOUT_REPORTERS,
                                                                   email_every=2)  # fmt: skip
            answer_ids = []
            for week in range(2):
                start = LAST_SUNDAY - dt.timedelta(days=13 - 7 * week)
                cycle_id, opens = await _cycle(s, group_id, qid, start, 7)
                answers = {
                    m: {"1": {"observations": rng.choice(TEXTS), "impact": rng.randint(1, 5)}}
                    for m in reporters
                }
                answer_ids += await _reports(s, cycle_id, opens, answers)
        return org_id, answer_ids
    finally:
        await db.dispose()


async def measure_fanout(
    url: str, org_id: int, answer_ids: list[int], run: int
) -> tuple[float, Counter[str]]:
    db = Database(url)
    try:
        given = decision_input(title=f"Trygghetsvandring {run}", text="Kommunen och polisen går med boende.",
                               meeting_date=LAST_SUNDAY, owner="fastighet", due=LAST_SUNDAY + dt.timedelta(days=30),
                               answer_ids=tuple(answer_ids))  # fmt: skip
        now = dt.datetime.now(dt.UTC)
        started = time.perf_counter()
        outcome = await create_decision(db, given, now=now, organisation_id=org_id)
        seconds = time.perf_counter() - started
        async with db.session(readonly=True) as s:
            recipients = Counter(
                (await s.scalars(
                    select(OutboxMessageRow.recipient).where(
                        OutboxMessageRow.kind == "feedback",
                        OutboxMessageRow.dedupe_key.like(f"feedback:{outcome.decision.id}:%"),
                    )
                )).all()
            )  # fmt: skip
        assert outcome.links == 2 * FANOUT_REPORTERS
        return seconds, recipients
    finally:
        await db.dispose()


# --- compare --------------------------------------------------------------------------------


async def seed_compare(url: str) -> None:
    db = Database(url)
    rng = random.Random(2026)
    first = LAST_SUNDAY - dt.timedelta(weeks=WEEKS) + dt.timedelta(days=1)
    try:
        for n in range(MUNICIPALITIES):
            async with db.session() as s:
                org_id, group_id, qid, reporters = await _organisation(s, f"Kommun{n:02d} kommun", REPORTERS)
                for week in range(WEEKS):
                    start = first + dt.timedelta(weeks=week)
                    cycle_id, opens = await _cycle(s, group_id, qid, start, 7)
                    answers = {}
                    for m in reporters:
                        if rng.random() > 0.9:
                            continue
                        qs = {}
                        for q in "123456":
                            if rng.random() < 0.3:
                                qs[q] = {"observations": rng.choice(TEXTS), "impact": rng.randint(1, 5)}
                            else:
                                qs[q] = {"nothing": True}
                        qs["7"] = {"observations": ""}
                        answers[m] = qs
                    answer_ids = await _reports(s, cycle_id, opens, answers)
                    await s.execute(insert(AssessmentRow), [
                        {"cycle_id": cycle_id, "question": q, "level": rng.choice(("green", "green", "yellow", "red")),
                         "comment": "", "set_at": opens} for q in "123456"
                    ])  # fmt: skip
                    if week % 4 == 0 and answer_ids:
                        decision_id = (await s.execute(insert(DecisionRow).returning(DecisionRow.id), [{
                            "organisation_id": org_id, "title": "Åtgärd", "text": "", "kind": "atgard",
                            "meeting_date": start + dt.timedelta(days=10), "decided_by_name": "Lokala Brå",
                            "status": "klar" if week < WEEKS - 8 else "beslutad", "result": "", "cycle_id": cycle_id,
                            "question": "1", "created_at": opens + dt.timedelta(days=3),
                            "updated_at": opens + dt.timedelta(days=3),
                            "closed_at": opens + dt.timedelta(days=30) if week < WEEKS - 8 else None,
                        }])).scalar_one()  # fmt: skip
                        rows = (await s.execute(
                            select(AnswerRow.id, SubmissionRow.member_id)
                            .join(SubmissionRow, SubmissionRow.id == AnswerRow.submission_id)
                            .where(SubmissionRow.cycle_id == cycle_id, AnswerRow.question == "1",
                                   AnswerRow.nothing_to_report.is_(False))
                        )).all()  # fmt: skip
                        if rows:
                            await s.execute(insert(DecisionAnswerRow),
                                            [{"decision_id": decision_id, "answer_id": a, "member_id": m}
                                             for a, m in rows])  # fmt: skip
    finally:
        await db.dispose()


async def measure_compare(url: str, fmt: str) -> tuple[float, int]:
    db = Database(url)
    try:
        started = time.perf_counter()
        _name, content = await export_compare(db, first="2024-12", last="2026-11", fmt=fmt)
        return time.perf_counter() - started, len(content)
    finally:
        await db.dispose()


# --- running ----------------------------------------------------------------------------------


def fresh_database(backend: str, tmp: str, label: str) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{Path(tmp) / f'{label}.db'}", None
    return postgresql_database()


def run_backend(backend: str, runs: int) -> bool:
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        url, pg_name = fresh_database(backend, tmp, "feedback")
        try:
            upgrade(url)
            org_id, answer_ids = asyncio.run(seed_fanout(url))
            results = [asyncio.run(measure_fanout(url, org_id, answer_ids, run)) for run in range(runs)]
        finally:
            if pg_name:
                drop_postgresql(pg_name)
        seconds = statistics.median(r[0] for r in results)
        exact = all(len(r[1]) == FANOUT_REPORTERS and set(r[1].values()) == {1} for r in results)
        print(f"feedback fan-out {backend}: {seconds:.3f} s (target {FEEDBACK_TARGET:.1f} s, ratio "
              f"{seconds / FEEDBACK_TARGET:.2f}); {len(answer_ids)} answers from {FANOUT_REPORTERS} reporters, "
              f"{sum(results[0][1].values())} messages, each reporter exactly one: {'yes' if exact else 'NO'}")  # fmt: skip
        ok = ok and exact and seconds < FEEDBACK_TARGET

        url, pg_name = fresh_database(backend, tmp, "compare")
        try:
            upgrade(url)
            started = time.perf_counter()
            asyncio.run(seed_compare(url))
            seeded = time.perf_counter() - started
            timings = {
                fmt: [asyncio.run(measure_compare(url, fmt)) for _ in range(runs)] for fmt in ("json", "html")
            }
        finally:
            if pg_name:
                drop_postgresql(pg_name)
        json_s = statistics.median(t for t, _ in timings["json"])
        html_s = statistics.median(t for t, _ in timings["html"])
        print(
            f"  seeded {MUNICIPALITIES} municipalities × {WEEKS} weekly cycles × {REPORTERS} reporters in {seeded:.1f} s"
        )
        size = f"{timings['json'][0][1]:,}".replace(",", " ")
        print(f"compare json {backend}: {json_s:.3f} s (target {COMPARE_TARGET:.1f} s, ratio {json_s / COMPARE_TARGET:.2f}); "
              f"{MUNICIPALITIES} × 6 questions × 24 months, {size} bytes")  # fmt: skip
        print(f"compare html with charts {backend}: {html_s:.3f} s (target {COMPARE_TARGET:.1f} s, ratio "
              f"{html_s / COMPARE_TARGET:.2f})")  # fmt: skip
        ok = ok and json_s < COMPARE_TARGET and html_s < COMPARE_TARGET
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ok = True
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        ok = run_backend(backend, args.runs) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
