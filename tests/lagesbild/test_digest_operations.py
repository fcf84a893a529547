"""Digest, history import, places, assessment and escalation, month export: the operations
against each database backend."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from lagesbild.operations.assessment import (
    PermissionRefused,
    escalate,
    escalation_context,
    escalations_to_send,
    mark_escalation_enqueued,
    may_member_assess,
    set_assessment,
)
from lagesbild.operations.cycles import open_cycle, plan
from lagesbild.operations.digest import (
    build,
    build_due_digests,
    digest_for_cycle,
    latest_closed_cycle,
    stored_digest,
)
from lagesbild.operations.errors import ConflictError, InputError
from lagesbild.operations.export import county_exports_due, export_digest, export_month
from lagesbild.operations.history import ReportImportError, import_reports
from lagesbild.operations.places import import_places, list_places
from reporting.digest import TEMPLATE_VERSION
from reporting.model import CycleState, Member
from storage.database import Database
from storage.models import CycleRow, DigestRow, SubmissionRevisionRow
from storage.repositories import CycleRepository, MemberRepository
from tests.conftest import table_count
from tests.lagesbild.digest_data import EST_ORG, HISTORY, NOW, TODAY, TZ, seed_est, seed_fas

LATER = NOW + dt.timedelta(hours=1)


async def _member(db: Database, email: str) -> Member:
    async with db.session(readonly=True) as s:
        return next(m for m in await MemberRepository(s).all() if m.email == email)


async def test_history_import_creates_closed_cycles_and_submitted_reports(db: Database) -> None:
    group = await seed_est(db)
    async with db.session(readonly=True) as s:
        cycles = await CycleRepository(s).for_group(group.id)
    assert [(c.id, str(c.period_from), c.state.value) for c in cycles] == [
        (1, "2026-07-27", "closed"), (2, "2026-08-10", "closed"), (3, "2026-08-24", "closed"),
        (4, "2026-09-07", "closed"), (5, "2026-09-21", "closed"), (6, "2026-10-05", "closed"),
    ]  # fmt: skip
    assert await table_count(db, "submissions") == 36
    assert await table_count(db, "answers") > 150
    again = await import_reports(
        db,
        organisation=EST_ORG,
        text=(HISTORY / "est_fagersta.jsonl").read_text("utf-8"),
        today=TODAY,
        tz=TZ,
        now=NOW,
    )
    assert (again.reports, again.created_cycles) == (36, 0)
    assert await table_count(db, "cycles") == 6 and await table_count(db, "submissions") == 36
    async with db.session(readonly=True) as s:
        revisions = list(
            await s.scalars(select(SubmissionRevisionRow.channel).order_by(SubmissionRevisionRow.id))
        )
    assert len(revisions) == 72 and revisions[:2] == ["teams", "teams"] and "email" in revisions


async def test_a_bad_line_imports_nothing_and_every_bad_line_is_named(db: Database) -> None:
    await seed_est(db)
    before = await table_count(db, "submissions"), await table_count(db, "cycles")
    good = json.dumps({"reporter": "anna@fagersta.se", "period": {"from": "2026-10-19", "to": "2026-11-01"},
                       "answers": {"1": {"observations": "Klotter vid Torget", "impact": 2}}})  # fmt: skip
    lines = [
        good,
        json.dumps({"reporter": "okand@fagersta.se", "period": {"from": "2026-10-19", "to": "2026-11-01"},
                    "answers": {"1": {"observations": "x"}}}),
        "{trasig",
        json.dumps({"reporter": "anna@fagersta.se", "period": {"from": "2026-10-12", "to": "2026-10-25"},
                    "answers": {"1": {"observations": "x"}}}),
        json.dumps({"reporter": "ingrid@fagersta.se", "period": {"from": "2026-10-19", "to": "2026-11-01"},
                    "answers": {"1": {"observations": "x"}}}),
        "",
        json.dumps({"reporter": "anna@fagersta.se", "period": {"from": "2026-10-19", "to": "2026-11-01"},
                    "answers": {"1": {"observations": "x", "impact": 9}}}),
    ]  # fmt: skip
    with pytest.raises(ReportImportError) as raised:
        await import_reports(db, organisation=EST_ORG, text="\n".join(lines), today=TODAY, tz=TZ, now=NOW)
    assert [e.line for e in raised.value.errors] == [2, 3, 4, 5, 7]
    message = str(raised.value)
    assert message.startswith("Inget importerades: 5 felaktiga rader.")
    assert "rad 2: okand@fagersta.se finns inte i medlemslistan" in message
    assert "rad 3: ogiltig JSON" in message
    assert "rad 4: perioden 2026-10-12–2026-10-25 överlappar cykel 6 (2026-10-05–2026-10-18)" in message
    assert "rad 5: ingrid@fagersta.se är inte rapportör" in message
    assert "rad 7: fråga 1: impact ska vara 1–5 eller null" in message
    assert (await table_count(db, "submissions"), await table_count(db, "cycles")) == before
    single = await import_reports(db, organisation=EST_ORG, text=good, today=TODAY, tz=TZ, now=NOW)
    assert (single.reports, single.created_cycles) == (1, 1)


async def test_reports_for_an_open_cycle_are_refused(db: Database) -> None:
    group = await seed_est(db)
    await plan(db, group, count=1, now=NOW, tz=TZ)
    cycle = (await open_cycle(db, group, now=NOW, tz=TZ, renderers={})).cycle
    line = json.dumps({"reporter": "anna@fagersta.se",
                       "period": {"from": str(cycle.period_from), "to": str(cycle.period_to)},
                       "answers": {"1": {"observations": "x"}}})  # fmt: skip
    later = cycle.period_to + dt.timedelta(days=1)
    with pytest.raises(ReportImportError, match="är öppen"):
        await import_reports(db, organisation=EST_ORG, text=line, today=later, tz=TZ, now=NOW)


async def test_places_import_is_idempotent_and_can_replace(db: Database) -> None:
    first = await import_places(db, organisation="Ort", text="Torget\n# kommentar\nBrunnsparken\ntorget\n")
    assert (first.added, first.kept, first.removed) == (2, 0, 0)
    again = await import_places(db, organisation="Ort", text="Torget\nBrunnsparken\n")
    assert (again.added, again.kept) == (0, 2)
    replaced = await import_places(db, organisation="Ort", text="Torget\nResecentrum\n", replace=True)
    assert (replaced.added, replaced.kept, replaced.removed) == (1, 1, 1)
    assert await list_places(db, "Ort") == ["Resecentrum", "Torget"]
    with pytest.raises(InputError, match="inga platser"):
        await import_places(db, organisation="Ort", text="# bara kommentarer\n\n")


async def test_a_digest_is_built_once_frozen_and_the_cycle_is_digested(db: Database) -> None:
    group = await seed_est(db)
    assert (await latest_closed_cycle(db, group)).id == 6
    bundle = await digest_for_cycle(db, 6, now=NOW)
    assert (
        bundle.created and bundle.digest.revision == 1 and bundle.digest.template_version == TEMPLATE_VERSION
    )
    assert bundle.cycle.state is CycleState.DIGESTED
    assert bundle.data["cycle"] == 6 and bundle.data["response"]["not_answered"] == ["bo@fagersta.se"]
    assert bundle.digest.cards[0]["body"][0]["text"] == "Lägesbild EST · v. 41–42, 5–18 okt"
    assert len(bundle.digest.series["cycles"]) == 6
    assert bundle.digest.sources["1"][0] == sorted(bundle.digest.sources["1"][0])
    again = await digest_for_cycle(db, 6, now=LATER)
    assert (
        not again.created
        and again.digest.id == bundle.digest.id
        and again.digest.built_at == bundle.digest.built_at
    )
    rebuilt = await digest_for_cycle(db, 6, now=LATER, rebuild=True)
    assert rebuilt.created and rebuilt.digest.revision == 2 and rebuilt.data == bundle.data
    assert (await stored_digest(db, bundle.digest.id)).digest.revision == 1
    assert (await latest_closed_cycle(db, group)).id == 6


async def test_an_open_cycle_is_not_digested_but_can_be_previewed(db: Database) -> None:
    group = await seed_est(db)
    await plan(db, group, count=1, now=NOW, tz=TZ)
    cycle = (await open_cycle(db, group, now=NOW, tz=TZ, renderers={})).cycle
    with pytest.raises(ConflictError, match="är öppen"):
        await digest_for_cycle(db, cycle.id, now=NOW)
    built, _ = await build(db, cycle.id, now=NOW)
    assert built.data["response"]["reported"] == 0 and len(built.data["response"]["not_answered"]) == 8
    assert await table_count(db, "digests") == 0
    with pytest.raises(InputError, match="finns inte"):
        await digest_for_cycle(db, 999, now=NOW)


async def test_due_digests_are_the_recently_closed_cycles_not_imported_history(db: Database) -> None:
    await seed_est(db)
    assert await build_due_digests(db, now=NOW) == []
    async with db.session() as s:
        row = await s.get(CycleRow, 6)
        assert row is not None
        row.meeting_at = NOW + dt.timedelta(days=1)
    built = await build_due_digests(db, now=NOW)
    assert [b.cycle.id for b in built] == [6]
    assert await build_due_digests(db, now=NOW) == []


async def test_a_red_assessment_escalates_once_and_the_compiled_digest_shows_it(db: Database) -> None:
    await seed_est(db)
    bundle = await digest_for_cycle(db, 6, now=NOW)
    outcome = await set_assessment(db, cycle_id=6, question="1", level="red",
                                   comment="Lyfts: ring 070-123 45 67", now=LATER)  # fmt: skip
    assert outcome.assessment.level == "red" and outcome.assessment.escalated
    assert outcome.escalation is not None and outcome.escalation.state == "pending"
    assert outcome.escalation.reason == "red" and outcome.escalation.comment == "Lyfts: ring 070-123 45 67"
    again = await set_assessment(db, cycle_id=6, question="1", level="red", comment=None, now=LATER)
    assert again.escalation is None and again.assessment.comment == "Lyfts: ring 070-123 45 67"
    pending = await escalations_to_send(db)
    assert [(e.cycle_id, e.question) for e in pending] == [(6, "1")]
    context = await escalation_context(db, pending[0].id, now=LATER)
    assert (
        context.question["question"] == "1"
        and context.question["assessment"]["comment"] == "Lyfts: ring [telefon]"
    )
    assert context.heading.startswith("Fråga 1, Ordningsstörningar och otrygghet")
    assert await mark_escalation_enqueued(db, pending[0].id, outbox_message_id=None, now=LATER)
    assert not await mark_escalation_enqueued(db, pending[0].id, outbox_message_id=None, now=LATER)
    assert await escalations_to_send(db) == []
    fresh = await digest_for_cycle(db, 6, now=LATER)
    assert fresh.digest.id == bundle.digest.id and fresh.data["questions"][0]["assessment"] is None
    assert fresh.compiled()["questions"][0]["assessment"]["label"] == "Rött"
    cleared = await set_assessment(db, cycle_id=6, question="1", level="green", comment="", now=LATER)
    assert cleared.assessment.comment == "" and cleared.escalation is None and cleared.assessment.escalated


async def test_a_yellow_one_is_escalated_on_request_a_green_one_is_not(db: Database) -> None:
    await seed_est(db)
    await set_assessment(db, cycle_id=6, question="4", level="yellow", comment="Följs upp", now=NOW)
    await set_assessment(db, cycle_id=6, question="3", level="green", comment=None, now=NOW)
    manual = await escalate(db, cycle_id=6, question="4", now=NOW)
    assert manual is not None and (manual.reason, manual.level) == ("manual", "yellow")
    assert await escalate(db, cycle_id=6, question="4", now=NOW) is None
    with pytest.raises(ConflictError, match="gult eller rött"):
        await escalate(db, cycle_id=6, question="3", now=NOW)
    with pytest.raises(ConflictError, match="gult eller rött"):
        await escalate(db, cycle_id=6, question="5", now=NOW)


async def test_only_the_coordinator_or_deputy_may_assess_from_a_card(db: Database) -> None:
    group = await seed_est(db)
    cecilia, eva, anna, ingrid = [
        await _member(db, f"{n}@fagersta.se") for n in ("cecilia", "eva", "anna", "ingrid")
    ]
    assert await may_member_assess(db, cecilia, group.id) and await may_member_assess(db, eva, group.id)
    assert not await may_member_assess(db, anna, group.id) and not await may_member_assess(db, None, group.id)
    done = await set_assessment(db, cycle_id=6, question="2", level="yellow", comment="x", now=NOW, by=eva)
    assert done.assessment.level == "yellow"
    for stranger in (anna, ingrid):
        with pytest.raises(PermissionRefused, match="bara gruppens samordnare eller ersättare"):
            await set_assessment(db, cycle_id=6, question="2", level="red", comment="x", now=NOW, by=stranger)
        with pytest.raises(PermissionRefused):
            await escalate(db, cycle_id=6, question="2", now=NOW, by=stranger)
    assert await escalations_to_send(db) == []


async def test_assessments_are_checked(db: Database) -> None:
    group = await seed_est(db)
    with pytest.raises(InputError, match="Fråga 7 får ingen sammanställd bedömning"):
        await set_assessment(db, cycle_id=6, question="7", level="red", comment=None, now=NOW)
    with pytest.raises(InputError, match="grönt, gult eller rött"):
        await set_assessment(db, cycle_id=6, question="1", level="lila", comment=None, now=NOW)
    with pytest.raises(InputError, match="för lång"):
        await set_assessment(db, cycle_id=6, question="1", level="red", comment="x" * 2001, now=NOW)
    await plan(db, group, count=1, now=NOW, tz=TZ)
    cycle = (await open_cycle(db, group, now=NOW, tz=TZ, renderers={})).cycle
    with pytest.raises(ConflictError, match="inte stängd"):
        await set_assessment(db, cycle_id=cycle.id, question="1", level="red", comment=None, now=NOW)


async def test_the_digest_export_is_the_compiled_lagesbild(db: Database) -> None:
    await seed_est(db)
    await digest_for_cycle(db, 6, now=NOW)
    await set_assessment(db, cycle_id=6, question="1", level="red", comment="Lyfts till Brå.", now=NOW)
    exported = await export_digest(db, 6, "json", now=NOW)
    data = json.loads(exported.content)
    assert data["questions"][0]["assessment"]["comment"] == "Lyfts till Brå."
    assert exported.filename == "lagesbild-EST-cykel-6.json"
    async with db.session(readonly=True) as s:
        frozen = (await s.scalars(select(DigestRow.data))).one()
    assert frozen["questions"][0]["assessment"] is None


async def test_a_month_export_compiles_its_closed_cycles(db: Database) -> None:
    group = await seed_fas(db)
    await set_assessment(db, cycle_id=2, question="1", level="yellow", comment="Fler metallkorgar.", now=NOW)
    await set_assessment(db, cycle_id=3, question="1", level="red", comment="Lyfts till Brå.", now=NOW)
    result = await export_month(db, group, year=2026, month=10, fmt="json", now=NOW)
    month = json.loads(result.file.content)
    assert result.cycles == (1, 2, 3, 4) and result.skipped == ()
    assert result.file.filename == "lagesbild-FAS-2026-10.json"
    q1 = month["questions"][0]
    assert q1["assessment"]["level"] == "red" and q1["assessment"]["comment"] == (
        "v. 41: Fler metallkorgar.\nv. 42: Lyfts till Brå."
    )
    park = q1["items"][0]
    assert park["places"][0] == "Folkets park" and park["cycles"] == [1, 2, 3, 4] and park["sources"] == 4
    assert "Citygruppen har nattvandrat i centrum under riskhelgen." in month["positive"]
    csv = await export_month(db, group, year=2026, month=10, fmt="csv", now=NOW)
    assert csv.file.content.startswith("\ufeffmonth,group,question".encode())
    docx = await export_month(db, group, year=2026, month=10, fmt="docx", now=NOW)
    assert docx.file.content[:2] == b"PK"
    with pytest.raises(ConflictError, match="ingen stängd cykel"):
        await export_month(db, group, year=2026, month=8, fmt="json", now=NOW)
    november = await export_month(db, group, year=2026, month=11, fmt="json", now=NOW)
    assert november.cycles == (5,)


async def test_the_county_export_is_due_for_monthly_groups_only(db: Database) -> None:
    await seed_est(db)
    await seed_fas(db)
    due = await county_exports_due(db, today=dt.date(2026, 12, 1))
    assert [(g.name, y, m) for g, y, m in due] == [("FAS", 2026, 11)]
    assert await county_exports_due(db, today=dt.date(2026, 12, 2)) == []
