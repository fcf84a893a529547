"""Helpers for the Brå tests: the EST history (tests.lagesbild.digest_data), members by
email, the outbox as people would see it, and a second municipality."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lagesbild.operations.groups import create_group
from lagesbild.operations.members import import_members
from reporting.model import Member
from reporting.outbox import MessageKind, OutboxMessage
from storage.database import Database
from storage.repositories import MemberRepository, OrganisationRepository, OutboxRepository
from tests.lagesbild.digest_data import TODAY, TZ

# Cycle 5 of the EST history (21 sep – 4 okt 2026), question 1: anna, david and gun (Teams)
# and hassan (email) reported observations; the others reported nothing on it.
Q1_CYCLE5 = {"anna@fagersta.se", "david@fagersta.se", "gun@fagersta.se", "hassan@fagersta.se"}
LUDVIKA_MEMBERS = """name,email,agency,roles,channel
Karin Karlsson,karin@ludvika.se,fastighet,reporter,teams
Maria Månsson,maria@ludvika.se,skola,reporter;coordinator,teams
Lena Brå,lena@ludvika.se,kommun,bra,email
"""


async def members(db: Database, organisation: str = "Fagersta kommun") -> dict[str, Member]:
    async with db.session(readonly=True) as s:
        org = await OrganisationRepository(s).by_name(organisation)
        return {m.email: m for m in await MemberRepository(s).all(org.id)}


async def outbox(db: Database, kind: MessageKind | None = None) -> list[OutboxMessage]:
    async with db.session(readonly=True) as s:
        messages = await OutboxRepository(s).list()
    return [m for m in messages if kind is None or m.kind is kind]


async def ludvika(db: Database) -> dict[str, Member]:
    """A second municipality with a group and a Brå member of its own."""
    await create_group(
        db, organisation="Ludvika kommun", name="FAS", preset="fas-ludvika", today=TODAY, tz=TZ
    )
    await import_members(db, organisation="Ludvika kommun", csv_text=LUDVIKA_MEMBERS)
    return await members(db, "Ludvika kommun")


def card_of(message: OutboxMessage) -> dict[str, Any]:
    [attachment] = message.payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card: dict[str, Any] = attachment["content"]
    return card


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ).astimezone(dt.UTC)
