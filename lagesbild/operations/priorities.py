"""Brå's priorities: set, list, clear, and the current ones for cards, prompt emails and
the digest (`current_priorities`, `priority_lines`).

Roles as for decisions: Brå members and admins set and clear them (the command line
passes no member); anyone else gets `PermissionRefused` and a log line.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from adaptive_cards.bra import priority_form_card
from lagesbild.operations.assessment import PermissionRefused
from lagesbild.operations.errors import InputError
from lagesbild.operations.scope import check_owner
from reporting.bra import wording
from reporting.bra.priorities import PriorityInput
from reporting.bra.records import Priority
from reporting.bra.roles import may_decide, refusal_decide
from reporting.model import Member
from storage.database import Database
from storage.errors import NotFound
from storage.repositories import GroupRepository, QuestionnaireRepository
from storage.repositories.priorities import PriorityRepository

log = logging.getLogger(__name__)


def _check(by: Member | None, organisation_id: int, what: str, locale: str) -> None:
    if by is not None and not may_decide(by, organisation_id):
        log.warning("refused: %s (member %s) may not %s priorities in organisation %s", by.email, by.id, what,
                    organisation_id)  # fmt: skip
        raise PermissionRefused(refusal_decide(locale))


async def set_priority(
    db: Database, organisation_id: int, given: PriorityInput, *, by: Member | None, now: dt.datetime,
    locale: str = "sv",
) -> Priority:  # fmt: skip
    _check(by, organisation_id, "set", locale)
    async with db.session() as s:
        priority = await PriorityRepository(s).add(
            organisation_id, text=given.text, questions=given.questions, ends_on=given.ends_on,
            member_id=by.id if by else None, by_name=by.name if by else "", now=now,
        )  # fmt: skip
    log.info("priority %s set in organisation %s until %s", priority.id, organisation_id, priority.ends_on)
    return priority


async def clear_priority(
    db: Database,
    organisation_id: int,
    priority_id: int,
    *,
    by: Member | None,
    now: dt.datetime,
    locale: str = "sv",
) -> Priority:
    """Clear a current priority now; one of another municipality is refused."""
    _check(by, organisation_id, "clear", locale)
    async with db.session() as s:
        repo = PriorityRepository(s)
        try:
            priority = await repo.get(priority_id)
        except NotFound:
            priority = None
        owner = priority.organisation_id if priority is not None else None
        await check_owner(s, "Prioritering", priority_id, owner, organisation_id)
        if not await repo.clear(priority_id, now):
            raise InputError(f"Prioritering {priority_id} är redan borttagen.")
        return await repo.get(priority_id)


async def list_priorities(
    db: Database, organisation_id: int, *, today: dt.date, all_: bool = False
) -> list[Priority]:
    async with db.session(readonly=True) as s:
        repo = PriorityRepository(s)
        return await repo.all(organisation_id) if all_ else await repo.current(organisation_id, today)


async def current_priorities(db: Database, organisation_id: int, today: dt.date) -> list[Priority]:
    """What Brå prioritises today (not cleared, not ended), oldest first."""
    return await list_priorities(db, organisation_id, today=today)


async def priority_lines(
    db: Database, organisation_id: int, today: dt.date, *, locale: str = "sv"
) -> list[str]:
    """The current priorities as the lines the report card header, the prompt email
    ("Lokala Brå prioriterar just nu: …") and the digest show."""
    return [wording.priority_line(p, locale) for p in await current_priorities(db, organisation_id, today)]


async def priority_form(
    db: Database, organisation_id: int, *, today: dt.date, message: str | None = None, ok: bool = True,
    locale: str = "sv",
) -> dict[str, Any]:  # fmt: skip
    """The priority form card (current ones with "Ta bort", and a new one)."""
    async with db.session(readonly=True) as s:
        groups = await GroupRepository(s).all(organisation_id)
        themes: dict[str, str] = {}
        if groups:
            questionnaire = await QuestionnaireRepository(s).get(groups[0].questionnaire_id)
            themes = {q.number: q.theme.get(locale) for q in questionnaire.questions if q.observations}
    current = await current_priorities(db, organisation_id, today)
    return priority_form_card(current, today=today, themes=themes, message=message, ok=ok, locale=locale)
