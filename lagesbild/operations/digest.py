"""Building, freezing and reading a cycle's digest.

`digest_for_cycle` returns the cycle's stored digest, building it first if there is none
(or when `rebuild`): it loads the cycle, its reports, the group's earlier year, the place
list and the assessments, builds DESIGN's JSON (`reporting.digest.build`), renders the
cards once, and stores all of it frozen with the template version; the cycle moves from
closed to digested. `build_due_digests` does that for every closed cycle (the scheduler's
job: it only acts on what is due, so a rerun is harmless). A `DigestBundle` carries the
stored digest with what the renderers need, and `compiled` lays the group's current
assessments over it, which is what `lagesbild digest` and the exports show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from adaptive_cards.digest import digest_cards
from lagesbild.operations.bra_digest import bra_sections
from lagesbild.operations.errors import ConflictError, InputError
from lagesbild.operations.scope import cycle_in
from reporting.digest import TEMPLATE_VERSION
from reporting.digest.build import BuiltDigest, DigestInputs, build_digest
from reporting.digest.compiled import compiled
from reporting.digest.records import Assessment, StoredDigest
from reporting.digest.recurrence import window_start
from reporting.model import Cycle, CycleState, ReportingGroup
from reporting.questionnaire import Questionnaire
from storage.database import Database
from storage.errors import NotFound
from storage.repositories import (
    CycleRepository,
    GroupRepository,
    MemberRepository,
    OrganisationRepository,
    QuestionnaireRepository,
    SubmissionRepository,
)
from storage.repositories.assessments import AssessmentRepository
from storage.repositories.digests import DigestRepository
from storage.repositories.places import PlaceRepository

DIGESTIBLE = (CycleState.CLOSED, CycleState.DIGESTED)
CHART_CYCLES = 12
DUE_GRACE = dt.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class DigestBundle:
    """A stored digest and what rendering it needs."""

    digest: StoredDigest
    cycle: Cycle
    group: ReportingGroup
    organisation: str
    questionnaire: Questionnaire
    assessments: dict[str, Assessment]
    created: bool = False

    @property
    def data(self) -> dict[str, Any]:
        """The digest as frozen (what deliveries send)."""
        return self.digest.data

    def compiled(self, locale: str = "sv") -> dict[str, Any]:
        """The digest with the group's assessments as they are now (the compiled lägesbild)."""
        return compiled(self.digest.data, self.assessments, self.questionnaire, locale)


@dataclass(frozen=True, slots=True)
class _Context:
    cycle: Cycle
    group: ReportingGroup
    organisation: str
    questionnaire: Questionnaire


async def _context(db: Database, cycle_id: int, organisation_id: int | None = None) -> _Context:
    """The cycle with its group; with `organisation_id`, only one of that organisation's."""
    if organisation_id is not None:
        await cycle_in(db, organisation_id, cycle_id)
    async with db.session(readonly=True) as s:
        try:
            cycle = await CycleRepository(s).get(cycle_id)
        except NotFound as exc:
            raise InputError(str(exc)) from None
        group = await GroupRepository(s).get(cycle.group_id)
        organisation = next(
            o.name for o in await OrganisationRepository(s).all() if o.id == group.organisation_id
        )
        questionnaire = await QuestionnaireRepository(s).get(cycle.questionnaire_id)
    return _Context(cycle, group, organisation, questionnaire)


async def _inputs(db: Database, ctx: _Context, locale: str) -> DigestInputs:
    cycle, group = ctx.cycle, ctx.group
    async with db.session(readonly=True) as s:
        member_ids = await GroupRepository(s).member_ids(group.id)
        submissions = await SubmissionRepository(s).for_cycle(cycle.id)
        everyone = set(member_ids) | {sub.member_id for sub in submissions}
        members = {m.id: m for m in await MemberRepository(s).by_ids(sorted(everyone))}
        digests = DigestRepository(s)
        earlier = await digests.earlier_cycles(
            group.id, since=window_start(cycle.period_from), before=cycle.period_from
        )
        chart = await digests.chart_points(group.id, up_to=cycle.period_from, count=CHART_CYCLES)
        places = await PlaceRepository(s).names(group.organisation_id)
        assessments = await AssessmentRepository(s).for_cycle(cycle.id)
    return DigestInputs(
        group_name=group.name,
        cycle=cycle,
        questionnaire=ctx.questionnaire,
        reporters=[members[i] for i in member_ids if i in members and members[i].active],
        members=members,
        submissions=submissions,
        earlier=earlier,
        chart=chart,
        places=places,
        assessments=assessments,
        on=cycle.deadline.date(),
        locale=locale,
    )


async def build(
    db: Database, cycle_id: int, *, locale: str = "sv", organisation_id: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[BuiltDigest, Questionnaire]:
    """The digest built `now` (default: the real clock), not stored (also for a cycle that is
    still open: a preview); `now` decides which of Brå's decisions are overdue. With
    `organisation_id`, a cycle of another organisation is refused."""
    ctx = await _context(db, cycle_id, organisation_id)
    built = build_digest(await _inputs(db, ctx, locale))
    built.data.update(
        await bra_sections(
            db, ctx.group, ctx.cycle, built.data, now=now or dt.datetime.now(dt.UTC), locale=locale
        )
    )
    return built, ctx.questionnaire


async def digest_for_cycle(
    db: Database,
    cycle_id: int,
    *,
    now: dt.datetime,
    rebuild: bool = False,
    locale: str = "sv",
    organisation_id: int | None = None,
) -> DigestBundle:
    """The cycle's frozen digest, built and stored first if there is none (or `rebuild`).
    With `organisation_id`, a cycle of another organisation is refused."""
    ctx = await _context(db, cycle_id, organisation_id)
    if ctx.cycle.state not in DIGESTIBLE:
        word = {"planned": "planerad", "open": "öppen"}[ctx.cycle.state.value]
        raise ConflictError(
            f"Cykel {cycle_id} är {word}; sammanställningen görs när den har stängts "
            "(lagesbild cycle close, eller --preview för en förhandstitt)."
        )
    async with db.session(readonly=True) as s:
        stored = None if rebuild else await DigestRepository(s).latest(cycle_id)
        assessments = await AssessmentRepository(s).for_cycle(cycle_id)
    created = False
    if stored is None:
        built = build_digest(await _inputs(db, ctx, locale))
        built.data.update(await bra_sections(db, ctx.group, ctx.cycle, built.data, now=now, locale=locale))
        cards = digest_cards(built.data, ctx.questionnaire, assess=True, locale=locale)
        async with db.session() as s:
            stored = await DigestRepository(s).store(
                cycle_id,
                template_version=TEMPLATE_VERSION,
                data=built.data,
                cards=cards,
                series=built.series,
                sources=built.sources,
                now=now,
            )
            await CycleRepository(s).transition(cycle_id, (CycleState.CLOSED,), CycleState.DIGESTED, now)
            cycle = await CycleRepository(s).get(cycle_id)
            assessments = await AssessmentRepository(s).for_cycle(cycle_id)
        created = True
        ctx = _Context(cycle, ctx.group, ctx.organisation, ctx.questionnaire)
    return DigestBundle(
        stored, ctx.cycle, ctx.group, ctx.organisation, ctx.questionnaire, assessments, created
    )


async def stored_digest(db: Database, digest_id: int) -> DigestBundle:
    """A frozen digest by id (what an outbox row points at), with its current assessments."""
    async with db.session(readonly=True) as s:
        try:
            stored = await DigestRepository(s).get(digest_id)
        except NotFound as exc:
            raise InputError(str(exc)) from None
        assessments = await AssessmentRepository(s).for_cycle(stored.cycle_id)
    ctx = await _context(db, stored.cycle_id)
    return DigestBundle(stored, ctx.cycle, ctx.group, ctx.organisation, ctx.questionnaire, assessments)


async def latest_closed_cycle(db: Database, group: ReportingGroup) -> Cycle:
    """The group's most recently closed cycle (closed or already digested)."""
    async with db.session(readonly=True) as s:
        cycles = await CycleRepository(s).for_group(group.id)
    done = [c for c in cycles if c.state in DIGESTIBLE]
    if not done:
        raise ConflictError(f"Gruppen {group.name} har ingen stängd cykel ännu")
    return max(done, key=lambda c: c.period_from)


async def build_due_digests(
    db: Database,
    *,
    now: dt.datetime,
    locale: str = "sv",
    grace: dt.timedelta = DUE_GRACE,
    before_meeting: dt.timedelta | None = None,
) -> list[DigestBundle]:
    """Digest every closed cycle whose meeting is ahead or at most `grace` ago and that has
    no digest yet; returns the new ones (for delivery). With `before_meeting`, a cycle waits
    until that long before its meeting (default: built as soon as it closes, at the deadline). Older closed cycles (those a
    history import created) are left alone: `lagesbild digest --cycle` builds them on demand."""
    async with db.session(readonly=True) as s:
        groups = await GroupRepository(s).all()
        due = [
            c
            for g in groups
            for c in await CycleRepository(s).in_state(g.id, CycleState.CLOSED)
            if c.meeting_at >= now - grace
            and (before_meeting is None or now >= c.meeting_at - before_meeting)
        ]
    built = []
    for cycle in due:
        bundle = await digest_for_cycle(db, cycle.id, now=now, locale=locale)
        if bundle.created:
            built.append(bundle)
    return built
