"""Importing and managing members (the municipality's reporter list)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lagesbild.operations.errors import InputError
from reporting.members_csv import RowError, parse_members_csv
from reporting.model import Member
from storage.database import Database
from storage.errors import NotFound
from storage.repositories import GroupRepository, MemberRepository, OrganisationRepository


class MemberImportError(InputError):
    """Bad rows; nothing was imported. `errors` lists each row's line and reason."""

    def __init__(self, errors: tuple[RowError, ...]) -> None:
        self.errors = errors
        lines = "\n".join(f"  {e}" for e in errors)
        super().__init__(f"Inget importerades: {len(errors)} felaktiga rader.\n{lines}")


@dataclass(frozen=True, slots=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int
    skipped: tuple[RowError, ...]
    group: str | None


async def import_members(
    db: Database, *, organisation: str, csv_text: str, group: str | None = None, skip_bad: bool = False
) -> ImportReport:
    """Upsert the file's members by email. A bad row stops the whole import unless `skip_bad`.
    Members join `group`, or the organisation's only group when there is exactly one."""
    parsed = parse_members_csv(csv_text)
    if parsed.errors and not skip_bad:
        raise MemberImportError(parsed.errors)
    if not parsed.rows:
        raise InputError("Filen innehåller inga medlemmar.")
    async with db.session() as s:
        org = await OrganisationRepository(s).ensure(organisation)
        groups = GroupRepository(s)
        target = None
        if group:
            try:
                target = await groups.by_name(org.id, group)
            except NotFound as exc:
                raise InputError(str(exc)) from None
        else:
            existing = await groups.all(org.id)
            target = existing[0] if len(existing) == 1 else None
        result = await MemberRepository(s).upsert(org.id, list(parsed.rows))
        if target is not None:
            await groups.add_members(target.id, list(result.member_ids))
    return ImportReport(
        result.created, result.updated, result.unchanged, parsed.errors, target.name if target else None
    )


async def list_members(db: Database, organisation: str) -> list[Member]:
    async with db.session(readonly=True) as s:
        try:
            org = await OrganisationRepository(s).by_name(organisation)
        except NotFound:
            return []
        return await MemberRepository(s).all(org.id)


async def set_away(
    db: Database, *, organisation: str, email: str, until: dt.date | None, today: dt.date
) -> Member:
    """Mark a member away until a date (inclusive), or back (`until=None`)."""
    if until is not None and until < today:
        raise InputError(f"Datumet {until.isoformat()} har redan passerat")
    async with db.session() as s:
        try:
            org = await OrganisationRepository(s).by_name(organisation)
            repo = MemberRepository(s)
            member = await repo.by_email(org.id, email)
        except NotFound as exc:
            raise InputError(str(exc)) from None
        await repo.set_away(member.id, until)
        return await repo.by_email(org.id, email)
