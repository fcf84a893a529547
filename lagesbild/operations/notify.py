"""Plain-text notices to members through the outbox, in each member's own channel."""

from __future__ import annotations

from reporting.model import Channel, Member
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
