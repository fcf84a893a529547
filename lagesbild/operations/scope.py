"""One municipality at a time: what `lagesbild --org NAME` (or LAGESBILD_ORGANISATION) means.

In a shared (county) database several municipalities live side by side, and an id typed
at the command line (a cycle, a decision, a quarantined mail…) may be another
municipality's. Every operation that takes an id from a person checks it here, against
the organisation it acts for, before it reads anything else:

- `organisation_named` resolves the name; an unknown one is refused (and nothing listed);
- `cycle_in` loads a cycle of that organisation, `inbound_in` an email it received;
- `check_owner` refuses any other kind of id whose organisation the caller has looked up.

The refusal says "Cykel 1 hör inte till Ludvika kommun": the organisation named is always
the caller's own, so another municipality's name or data never appears. An id that does
not exist at all is "Cykel 9 finns inte".
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lagesbild.operations.errors import InputError
from reporting.model import Cycle, Organisation
from storage.database import Database
from storage.errors import NotFound
from storage.repositories import CycleRepository, OrganisationRepository
from storage.repositories.inbound import InboundEmailRecord, InboundRepository, InboundStatus


def unknown_organisation(name: str) -> InputError:
    return InputError(
        f"Kommunen {name} finns inte i databasen. Ange kommunen med lagesbild --org NAMN "
        "(eller LAGESBILD_ORGANISATION)."
    )


async def organisation_named(db: Database, name: str) -> Organisation:
    """The organisation of that name; an unknown name is refused in Swedish."""
    async with db.session(readonly=True) as s:
        try:
            return await OrganisationRepository(s).by_name(name)
        except NotFound:
            raise unknown_organisation(name) from None


async def check_owner(
    s: AsyncSession, noun: str, entity_id: int, owner: int | None, organisation_id: int
) -> None:
    """Refuse `noun entity_id` unless it belongs to the organisation (`owner` is the one it
    belongs to, None when there is no such thing)."""
    if owner is None:
        raise InputError(f"{noun} {entity_id} finns inte")
    if owner != organisation_id:
        try:
            name = (await OrganisationRepository(s).get(organisation_id)).name
        except NotFound:
            name = "kommunen"
        raise InputError(f"{noun} {entity_id} hör inte till {name}")


async def cycle_in(db: Database, organisation: Organisation | int, cycle_id: int) -> Cycle:
    """The cycle, if it is one of the organisation's groups'; refused otherwise."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.id
    async with db.session(readonly=True) as s:
        repo = CycleRepository(s)
        await check_owner(s, "Cykel", cycle_id, await repo.organisation_of(cycle_id), organisation_id)
        return await repo.get(cycle_id)


async def inbound_in(db: Database, organisation: Organisation, inbound_id: int) -> InboundEmailRecord:
    """The inbound email, if it is the organisation's (its sender's, or quarantined by its
    intake); refused otherwise."""
    async with db.session(readonly=True) as s:
        repo = InboundRepository(s)
        try:
            record: InboundEmailRecord | None = await repo.get(inbound_id)
        except NotFound:
            record = None
        await check_owner(s, "Mejl", inbound_id, record.organisation_id if record else None, organisation.id)
    assert record is not None
    return record


async def quarantined(db: Database, organisation: Organisation) -> list[InboundEmailRecord]:
    """The organisation's mail in quarantine (unknown senders), oldest first."""
    async with db.session(readonly=True) as s:
        return await InboundRepository(s).list(InboundStatus.QUARANTINED, organisation_id=organisation.id)
