"""Plain-text notices to members through the outbox, in each member's own channel."""

from __future__ import annotations

from collections.abc import Iterable

from reporting.model import Channel, Member, Role
from reporting.outbox import MessageKind, NewMessage


def notice(
    member: Member,
    *,
    kind: MessageKind,
    subject: str,
    text: str,
    dedupe_key: str | None = None,
    cycle_id: int | None = None,
) -> NewMessage:
    """A text message to `member`: a Teams chat message, or an email with `subject`."""
    if member.channel is Channel.TEAMS:
        payload = {"type": "message", "text": text, "textFormat": "markdown"}
    else:
        payload = {"subject": subject, "text": text}
    return NewMessage(
        kind=kind,
        channel=member.channel.value,
        recipient=member.email,
        payload=payload,
        text=f"{subject}: {text}"[:500],
        member_id=member.id,
        cycle_id=cycle_id,
        dedupe_key=dedupe_key,
    )


def leads_of(members: Iterable[Member], member: Member) -> list[Member]:
    """The coordinators and deputies of `member`'s organisation, `member` excluded: who is
    told when something about the member needs a person (unreachable, mail bouncing)."""
    return [
        m for m in members
        if m.organisation_id == member.organisation_id and m.roles & {Role.COORDINATOR, Role.DEPUTY}
        and m.id != member.id
    ]  # fmt: skip
