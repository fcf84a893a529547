"""Reporters who can be reached through the connector emulator: members in the database,
their Teams addresses pointing at the emulator's service URL, and the emulator told about
their 1:1 chats (or about the users, when the chat is still to be created)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reporting.members_csv import MemberInput
from reporting.model import Channel, Role
from reporting.outbox import MessageKind, NewMessage
from storage.database import Database
from storage.repositories import MemberRepository, OrganisationRepository, OutboxRepository, TeamsRepository
from storage.repositories.teams import TeamsAddress
from tests.emulators.connector import ConnectorEmulator

BOT_ID = "28:00000000-0000-0000-0000-0000000b0700"


@dataclass(frozen=True)
class Reporter:
    member_id: int
    email: str
    tenant_id: str
    user_id: str
    conversation_id: str | None


def tenant(n: int) -> str:
    return f"{n:08d}-aaaa-4bbb-8ccc-{n:012d}"


async def seed_reporters(
    db: Database,
    emulator: ConnectorEmulator | None,
    count: int,
    *,
    tenants: int = 1,
    service_url: str | None = None,
    with_chat: bool = True,
    with_address: bool = True,
    organisation: str = "Fagersta kommun",
    start: int = 0,
) -> list[Reporter]:
    """`count` reporters spread over `tenants`. With `emulator` None, `service_url` is used
    and the caller registers the chats (e.g. with an emulator in another process)."""
    url = service_url or (emulator.service_url if emulator else "")
    inputs = [
        MemberInput(n + 2, f"Person {n}", f"person{n}@kommun.se", "fastighet", frozenset({Role.REPORTER}), Channel.TEAMS)
        for n in range(start, start + count)
    ]  # fmt: skip
    reporters = []
    async with db.session() as s:
        org = await OrganisationRepository(s).ensure(organisation)
        ids = list((await MemberRepository(s).upsert(org.id, inputs)).member_ids)
        for i, (member_id, member) in enumerate(zip(ids, inputs, strict=True)):
            tenant_id = tenant(i % tenants)
            user_id = f"29:1user-{start + i}"
            chat = f"a:1chat-{start + i}" if with_chat else None
            if with_address:
                address = TeamsAddress(member_id, user_id, f"aad-{start + i}", tenant_id, url, BOT_ID, chat)
                await TeamsRepository(s).save_address(address)
            if emulator is not None:
                account = emulator.add_user(
                    tenant_id, user_id, name=member.name, email=member.email, aad_object_id=f"aad-{start + i}"
                )
                if chat:
                    emulator.add_conversation(chat, tenant_id, [account])
            reporters.append(Reporter(member_id, member.email, tenant_id, user_id, chat))
    return reporters


def prompt(reporter: Reporter, *, kind: MessageKind = MessageKind.PROMPT, cycle: int = 12) -> NewMessage:
    payload: dict[str, Any] = {
        "type": "message",
        "summary": f"Lägesrapport v. 47–48 till {reporter.email}",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "type": "AdaptiveCard",
                    "version": "1.5",
                    "body": [{"type": "TextBlock", "text": "Hej!"}],
                },
            }
        ],
    }
    return NewMessage(
        kind=kind,
        channel="teams",
        recipient=reporter.email,
        payload=payload,
        text=f"Lägesrapport v. 47–48 till {reporter.email}",
        member_id=reporter.member_id,
        dedupe_key=f"{kind.value}:{cycle}:{reporter.member_id}",
    )


async def enqueue(db: Database, messages: list[NewMessage]) -> None:
    async with db.session() as s:
        await OutboxRepository(s).enqueue(messages)
