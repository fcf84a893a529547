"""`lagesbild reports import FILE.jsonl`: past reports, so trends and recurrence work from day one.

Every line is read and checked first (`reporting.digest.history`): the reporter must be a
member of the group (`--group`, or the reporter's only group), the answers must fit the
group's template, and the period must have ended and either match one of the group's
cycles exactly or overlap none (then a closed cycle is created for it). One bad line and
nothing is imported: the error names every bad line. Otherwise all reports are stored in
one transaction through `SubmissionRepository.save`, submitted, on the line's channel,
as of the end of the period.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from lagesbild.operations.errors import InputError
from reporting.digest.history import BadLine, LineError, PastReport, check_answers, parse_line
from reporting.model import Answer, Cycle, CycleState, Member, ReportingGroup, Role
from reporting.questionnaire import Questionnaire
from storage.database import Database
from storage.errors import NotFound
from storage.repositories import (
    GroupRepository,
    MemberRepository,
    OrganisationRepository,
    QuestionnaireRepository,
    SubmissionRepository,
)
from storage.repositories.history import HistoryRepository


class ReportImportError(InputError):
    """Bad lines; nothing was imported. `errors` lists each line's number and reason."""

    def __init__(self, errors: list[LineError]) -> None:
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:50])
        more = f"\n  … och {len(errors) - 50} till" if len(errors) > 50 else ""
        super().__init__(f"Inget importerades: {len(errors)} felaktiga rader.\n{shown}{more}")


@dataclass(frozen=True, slots=True)
class HistoryImport:
    reports: int
    cycles: int
    created_cycles: int
    groups: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Checked:
    report: PastReport
    member: Member
    group: ReportingGroup
    answers: dict[str, Answer]
    warnings: list[dict[str, str]]


def _period_bounds(report: PastReport, tz: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    opens = dt.datetime.combine(report.period_from, dt.time(0, 0), tzinfo=tz)
    ends = dt.datetime.combine(report.period_to + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz)
    return opens, ends


async def import_reports(
    db: Database,
    *,
    organisation: str,
    text: str,
    today: dt.date,
    tz: zoneinfo.ZoneInfo,
    now: dt.datetime,
    group: str | None = None,
) -> HistoryImport:
    errors: list[LineError] = []
    parsed: list[PastReport] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            parsed.append(parse_line(line, number, today=today))
        except BadLine as exc:
            errors.append(LineError(number, str(exc)))
    if not parsed and not errors:
        raise InputError("Filen innehåller inga rapporter (en JSON-rapport per rad).")

    async with db.session() as s:
        try:
            org = await OrganisationRepository(s).by_name(organisation)
        except NotFound:
            raise InputError(
                f"Kommunen {organisation} har inga grupper ännu. Skapa en grupp först."
            ) from None
        groups_repo = GroupRepository(s)
        groups = await groups_repo.all(org.id)
        target: ReportingGroup | None = None
        if group is not None:
            target = next((g for g in groups if g.name == group), None)
            if target is None:
                raise InputError(f"Gruppen {group} finns inte")
        members = {m.email: m for m in await MemberRepository(s).all(org.id)}
        group_members = {g.id: set(await groups_repo.member_ids(g.id)) for g in groups}
        questionnaires: dict[int, Questionnaire] = {}
        history = HistoryRepository(s)

        checked: list[_Checked] = []
        for report in parsed:
            member = members.get(report.reporter)
            if member is None:
                errors.append(LineError(report.line, f"{report.reporter} finns inte i medlemslistan"))
                continue
            if Role.REPORTER not in member.roles:
                errors.append(LineError(report.line, f"{report.reporter} är inte rapportör"))
                continue
            mine = [g for g in groups if member.id in group_members[g.id]]
            if target is not None:
                if target not in mine:
                    errors.append(
                        LineError(report.line, f"{report.reporter} hör inte till gruppen {target.name}")
                    )
                    continue
                chosen = target
            elif len(mine) == 1:
                chosen = mine[0]
            else:
                reason = "hör inte till någon grupp" if not mine else "hör till flera grupper; ange --group"
                errors.append(LineError(report.line, f"{report.reporter} {reason}"))
                continue
            if chosen.questionnaire_id not in questionnaires:
                questionnaires[chosen.questionnaire_id] = await QuestionnaireRepository(s).get(
                    chosen.questionnaire_id
                )
            try:
                answers, warnings = check_answers(report, questionnaires[chosen.questionnaire_id])
            except BadLine as exc:
                errors.append(LineError(report.line, str(exc)))
                continue
            checked.append(_Checked(report, member, chosen, answers, warnings))

        cycles: dict[tuple[int, dt.date, dt.date], Cycle | None] = {}
        refused: set[tuple[int, dt.date, dt.date]] = set()
        for item in checked:
            key = (item.group.id, item.report.period_from, item.report.period_to)
            if key in cycles:
                continue
            overlapping = await history.overlapping(*key)
            exact = [c for c in overlapping if (c.period_from, c.period_to) == key[1:]]
            if exact:
                if exact[0].state is CycleState.OPEN:
                    errors.append(
                        LineError(
                            item.report.line,
                            f"cykel {exact[0].id} är öppen; rapporter till en öppen period skickas in som vanligt",
                        )
                    )
                cycles[key] = exact[0]
            elif overlapping:
                other = overlapping[0]
                errors.append(
                    LineError(
                        item.report.line,
                        f"perioden {key[1]}–{key[2]} överlappar cykel {other.id} "
                        f"({other.period_from}–{other.period_to}) utan att vara samma period",
                    )
                )
                cycles[key] = None
                refused.add(key)
            else:
                cycles[key] = None
        new_periods = sorted(k for k, c in cycles.items() if c is None and k not in refused)
        for first, second in zip(new_periods, new_periods[1:], strict=False):
            if first[0] == second[0] and second[1] <= first[2]:
                at = next(
                    c.report.line
                    for c in checked
                    if (c.group.id, c.report.period_from, c.report.period_to) == second
                )
                errors.append(
                    LineError(
                        at, f"perioden {second[1]}–{second[2]} överlappar perioden {first[1]}–{first[2]}"
                    )
                )
        if errors:
            raise ReportImportError(sorted(errors, key=lambda e: e.line))

        created = 0
        by_group = {g.id: g for g in groups}
        for key in new_periods:
            group_row = by_group[key[0]]
            opens, ends = _period_bounds(
                next(
                    c.report for c in checked if (c.group.id, c.report.period_from, c.report.period_to) == key
                ),
                tz,
            )
            cycles[key] = await history.create_closed(
                group_row.id,
                group_row.questionnaire_id,
                period_from=key[1],
                period_to=key[2],
                opens_at=opens,
                deadline=ends,
                now=now,
            )
            created += 1
        submissions = SubmissionRepository(s)
        for item in checked:
            cycle = cycles[(item.group.id, item.report.period_from, item.report.period_to)]
            assert cycle is not None
            await submissions.save(
                cycle.id,
                item.member.id,
                item.answers,
                channel=item.report.channel,
                submit=True,
                warnings=list(item.warnings),
                now=min(cycle.deadline, now),
            )
    return HistoryImport(
        reports=len(checked),
        cycles=len(cycles),
        created_cycles=created,
        groups=tuple(sorted({c.group.name for c in checked})),
    )
