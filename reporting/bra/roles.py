"""Who may do what in the Brå loop.

- Decisions, priorities and citizen promises are created by Brå members and admins
  (`may_decide`).
- A decision is followed up (status, notes, the result of a root-cause analysis) by its
  owner (the member named, or a member of the agency named), the municipality's
  coordinator and deputy, Brå members and admins (`may_follow_up`); Brå decided it and
  may close or cancel it.
- Promise follow-ups: the coordinator, deputy, Brå members and admins.
- Nobody acts across a municipality's border.

The command line is the administrator's and passes no member. Anyone else gets a polite
Swedish sentence (`refusal_*`) and the operation writes a log line.
"""

from __future__ import annotations

from reporting.bra.records import Decision
from reporting.i18n import translator
from reporting.model import Member, Role

_ = translator("bra")

DECIDING_ROLES = frozenset({Role.BRA, Role.ADMIN})
FOLLOW_UP_ROLES = frozenset({Role.COORDINATOR, Role.DEPUTY, Role.BRA, Role.ADMIN})


def _active_in(member: Member | None, organisation_id: int) -> bool:
    return member is not None and member.active and member.organisation_id == organisation_id


def may_decide(member: Member | None, organisation_id: int) -> bool:
    if member is None or not _active_in(member, organisation_id):
        return False
    return bool(member.roles & DECIDING_ROLES)


def is_owner(member: Member, decision: Decision) -> bool:
    if decision.owner_member_id is not None:
        return member.id == decision.owner_member_id
    agency = (decision.owner_agency or "").strip().lower()
    return bool(agency) and member.agency.strip().lower() == agency


def may_follow_up(member: Member | None, decision: Decision) -> bool:
    if member is None or not _active_in(member, decision.organisation_id):
        return False
    return is_owner(member, decision) or bool(member.roles & FOLLOW_UP_ROLES)


def may_follow_up_promise(member: Member | None, organisation_id: int) -> bool:
    if member is None or not _active_in(member, organisation_id):
        return False
    return bool(member.roles & FOLLOW_UP_ROLES)


def refusal_decide(locale: str = "sv") -> str:
    return _(
        "Det är bara ledamöter i lokala Brå som kan fatta beslut, sätta prioriteringar och lägga in "
        "medborgarlöften. Hör av dig till samordnaren om du vill att något tas upp i Brå.",
        locale,
    )


def refusal_follow_up(locale: str = "sv") -> str:
    return _(
        "Det är bara den som är ansvarig för beslutet, samordnaren, ersättaren och lokala Brå som kan "
        "uppdatera det. Hör av dig till samordnaren om något har hänt.",
        locale,
    )


def refusal_promise(locale: str = "sv") -> str:
    return _(
        "Det är bara samordnaren, ersättaren och lokala Brå som kan följa upp medborgarlöftet. "
        "Hör av dig till samordnaren om du vet hur det går.",
        locale,
    )
