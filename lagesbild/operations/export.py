"""Exports: a cycle's compiled lägesbild in a format, and a month for the county.

`export_month` compiles the cycles whose period ends in the month (`reporting.digest.month`)
from their compiled digests (building any digest that is missing), in the county's layout
(Bilaga 2). Cycles of the month that are not closed yet are left out and named in the
result. `county_exports_due(db, today=…)` tells the scheduler which groups' month to send
today: on the first working day after a month ends, every group whose template is compiled
monthly (the Ludvika/Dalarna preset); the lead's job emails the file to the county.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lagesbild.exports import ExportFile, render_digest_data, render_month_data
from lagesbild.operations.digest import DIGESTIBLE, digest_for_cycle
from lagesbild.operations.errors import ConflictError, InputError
from reporting.digest.month import compile_month, county_export_due, month_bounds
from reporting.model import Cycle, ReportingGroup
from storage.database import Database
from storage.repositories import CycleRepository, GroupRepository, QuestionnaireRepository


async def export_digest(
    db: Database, cycle_id: int, fmt: str, *, now: dt.datetime, rebuild: bool = False, locale: str = "sv"
) -> ExportFile:
    """The cycle's compiled lägesbild (digest + the group's assessments) in `fmt`."""
    bundle = await digest_for_cycle(db, cycle_id, now=now, rebuild=rebuild, locale=locale)
    return render_digest_data(
        bundle.compiled(locale),
        bundle.questionnaire,
        fmt,
        organisation=bundle.organisation,
        series=bundle.digest.series,
        locale=locale,
    )


@dataclass(frozen=True, slots=True)
class MonthExport:
    file: ExportFile
    cycles: tuple[int, ...]
    skipped: tuple[Cycle, ...]  # cycles of the month that are not closed yet


async def month_cycles(db: Database, group: ReportingGroup, year: int, month: int) -> list[Cycle]:
    first, last = month_bounds(year, month)
    async with db.session(readonly=True) as s:
        cycles = await CycleRepository(s).for_group(group.id)
    return [c for c in cycles if first <= c.period_to <= last]


async def export_month(
    db: Database,
    group: ReportingGroup,
    *,
    year: int,
    month: int,
    fmt: str,
    now: dt.datetime,
    locale: str = "sv",
) -> MonthExport:
    cycles = await month_cycles(db, group, year, month)
    done = [c for c in cycles if c.state in DIGESTIBLE]
    skipped = tuple(c for c in cycles if c.state not in DIGESTIBLE)
    if not done:
        raise ConflictError(
            f"Gruppen {group.name} har ingen stängd cykel som slutar i {year:04d}-{month:02d}"
        )
    bundles = [await digest_for_cycle(db, c.id, now=now, locale=locale) for c in done]
    latest = bundles[-1]
    compiled = compile_month(
        group=group.name,
        year=year,
        month=month,
        digests=[b.compiled(locale) for b in bundles],
        questionnaire=latest.questionnaire,
        locale=locale,
    )
    try:
        file = render_month_data(
            compiled,
            latest.questionnaire,
            fmt,
            organisation=latest.organisation,
            series=latest.digest.series,
            locale=locale,
        )
    except ValueError:
        raise InputError(f"Okänt format: {fmt}") from None
    return MonthExport(file, tuple(c.id for c in done), skipped)


async def county_exports_due(db: Database, *, today: dt.date) -> list[tuple[ReportingGroup, int, int]]:
    """(group, year, month) to send the county today; empty on all days but the first working
    day after a month ends."""
    due = county_export_due(today)
    if due is None:
        return []
    async with db.session(readonly=True) as s:
        groups = await GroupRepository(s).all()
        monthly = [
            g for g in groups if (await QuestionnaireRepository(s).get(g.questionnaire_id)).monthly_compile
        ]
    return [(g, *due) for g in monthly]
