"""Creating and finding reporting groups."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo

from lagesbild.operations.errors import ConflictError, InputError
from reporting.model import ReportingGroup, Schedule
from reporting.planning import first_meeting_on_or_after
from reporting.questionnaire import PRESET_NAMES, Questionnaire, preset_dict
from storage.database import Database
from storage.errors import AlreadyExists, NotFound
from storage.repositories import GroupRepository, OrganisationRepository, QuestionnaireRepository

WEEKDAYS = {
    "mån": 0, "måndag": 0, "mon": 0, "monday": 0,
    "tis": 1, "tisdag": 1, "tue": 1, "tuesday": 1,
    "ons": 2, "onsdag": 2, "wed": 2, "wednesday": 2,
    "tor": 3, "torsdag": 3, "thu": 3, "thursday": 3,
    "fre": 4, "fredag": 4, "fri": 4, "friday": 4,
    "lör": 5, "lördag": 5, "sat": 5, "saturday": 5,
    "sön": 6, "söndag": 6, "sun": 6, "sunday": 6,
}  # fmt: skip


def parse_weekday(value: str) -> int:
    key = value.strip().lower().rstrip(".")
    if key not in WEEKDAYS:
        raise InputError(f"Okänd veckodag: {value!r} (t.ex. mån, tis, ons, tor, fre)")
    return WEEKDAYS[key]


def parse_reminders(value: str) -> tuple[int, ...]:
    """ "24,2" → (24, 2): hours before the deadline; "" or "0" → no reminders."""
    try:
        hours = tuple(sorted({int(h) for h in value.replace(";", ",").split(",") if h.strip()}, reverse=True))
    except ValueError:
        raise InputError(f"Ogiltiga påminnelser: {value!r} (timmar före sista dag, t.ex. 24,2)") from None
    if any(h < 0 or h > 14 * 24 for h in hours):
        raise InputError("Påminnelser anges i timmar före sista dag, 1–336")
    return tuple(h for h in hours if h > 0)


def parse_time(value: str) -> dt.time:
    try:
        return dt.time.fromisoformat(value.replace(".", ":"))
    except ValueError:
        raise InputError(f"Ogiltig tid: {value!r} (t.ex. 09:00)") from None


@dataclasses.dataclass(frozen=True)
class ScheduleChanges:
    cadence_weeks: int | None = None
    open_weekday: int | None = None
    open_time: dt.time | None = None
    deadline_weekday: int | None = None
    deadline_time: dt.time | None = None
    meeting_weekday: int | None = None
    meeting_time: dt.time | None = None
    reminder_hours: tuple[int, ...] | None = None

    def apply(self, schedule: Schedule) -> Schedule:
        changes = {k: v for k, v in dataclasses.asdict(self).items() if v is not None}
        return dataclasses.replace(schedule, **changes)


async def create_group(
    db: Database,
    *,
    organisation: str,
    name: str,
    preset: str,
    today: dt.date,
    tz: zoneinfo.ZoneInfo,
    changes: ScheduleChanges = ScheduleChanges(),
    first_meeting: dt.date | None = None,
    teams_channel_id: str | None = None,
) -> tuple[ReportingGroup, Questionnaire]:
    if preset not in PRESET_NAMES:
        raise InputError(f"Okänd mall: {preset} (välj {' eller '.join(PRESET_NAMES)})")
    if not name.strip():
        raise InputError("Gruppen behöver ett namn")
    definition = preset_dict(preset)
    questionnaire = Questionnaire.from_dict(definition)
    schedule = changes.apply(questionnaire.default_schedule)
    if not 1 <= schedule.cadence_weeks <= 8:
        raise InputError("Mötesintervallet ska vara 1–8 veckor")
    if first_meeting is None:
        first_meeting = first_meeting_on_or_after(schedule, today + dt.timedelta(days=1))
    elif first_meeting.weekday() != schedule.meeting_weekday:
        raise InputError(f"Första mötet {first_meeting} ligger inte på gruppens mötesdag")
    async with db.session() as s:
        org = await OrganisationRepository(s).ensure(organisation)
        questionnaire_id = await QuestionnaireRepository(s).store(org.id, definition)
        try:
            group = await GroupRepository(s).create(
                organisation_id=org.id,
                name=name.strip(),
                preset=preset,
                questionnaire_id=questionnaire_id,
                schedule=schedule,
                first_meeting=first_meeting,
                teams_channel_id=teams_channel_id,
            )
        except AlreadyExists as exc:
            raise ConflictError(str(exc)) from None
    return group, questionnaire


async def find_group(db: Database, organisation: str, name: str | None) -> ReportingGroup:
    """The named group; without a name, the organisation's only group."""
    async with db.session(readonly=True) as s:
        try:
            org = await OrganisationRepository(s).by_name(organisation)
        except NotFound:
            raise InputError(
                f"Det finns inga grupper ännu för {organisation}. Skapa en med 'lagesbild group create'."
            ) from None
        repo = GroupRepository(s)
        if name:
            try:
                return await repo.by_name(org.id, name)
            except NotFound as exc:
                raise InputError(str(exc)) from None
        groups = await repo.all(org.id)
    if len(groups) == 1:
        return groups[0]
    if not groups:
        raise InputError("Det finns inga grupper ännu. Skapa en med 'lagesbild group create'.")
    raise InputError(f"Ange grupp med --group ({', '.join(g.name for g in groups)})")


async def list_groups(db: Database, organisation: str | None = None) -> list[ReportingGroup]:
    async with db.session(readonly=True) as s:
        org_id = None
        if organisation:
            try:
                org_id = (await OrganisationRepository(s).by_name(organisation)).id
            except NotFound:
                return []
        return await GroupRepository(s).all(org_id)
