"""The municipality's place names: `lagesbild places import FILE.txt` and `places list`."""

from __future__ import annotations

from lagesbild.operations.errors import InputError
from reporting.digest.places import clean_place_names
from storage.database import Database
from storage.errors import NotFound
from storage.repositories import OrganisationRepository
from storage.repositories.places import PlaceImport, PlaceRepository

MAX_PLACE_LENGTH = 200


async def import_places(db: Database, *, organisation: str, text: str, replace: bool = False) -> PlaceImport:
    """Add the file's place names (one a line; `#` starts a comment). With `replace`, names
    not in the file are removed. Importing the same file twice changes nothing."""
    names = clean_place_names(text.splitlines())
    if not names:
        raise InputError("Filen innehåller inga platser (en plats per rad).")
    too_long = [n for n in names if len(n) > MAX_PLACE_LENGTH]
    if too_long:
        raise InputError(f"För långt platsnamn (högst {MAX_PLACE_LENGTH} tecken): {too_long[0][:60]}…")
    async with db.session() as s:
        org = await OrganisationRepository(s).ensure(organisation)
        return await PlaceRepository(s).import_names(org.id, names, replace=replace)


async def list_places(db: Database, organisation: str) -> list[str]:
    async with db.session(readonly=True) as s:
        try:
            org = await OrganisationRepository(s).by_name(organisation)
        except NotFound:
            return []
        return await PlaceRepository(s).names(org.id)
