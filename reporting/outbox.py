"""Outgoing messages as the domain sees them: what, to whom, through which channel.

Every proactive message is an outbox row rendered once (the frozen `payload`) and
delivered later by the dispatcher; a retry resends the same payload, never re-renders.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any


class MessageKind(enum.StrEnum):
    PROMPT = "prompt"
    REMINDER = "reminder"
    RECEIPT = "receipt"
    SUMMARY = "summary"
    DIGEST = "digest"
    ESCALATION = "escalation"
    DECISION = "decision"
    FEEDBACK = "feedback"
    QUARANTINE_NOTICE = "quarantine_notice"


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # an attempt failed; retried at next_attempt_at
    DEAD = "dead"  # given up, or the recipient is gone


class Outcome(enum.StrEnum):
    SENT = "sent"
    THROTTLED = "throttled"
    FAILED = "failed"
    RECIPIENT_GONE = "recipient_gone"


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to enqueue. For Teams 1:1 messages give `member_id` (the address is looked
    up at send time); for channel posts give `conversation_id`, `service_url`, `tenant_id`."""

    kind: MessageKind
    channel: str  # "teams" or "email"
    recipient: str  # the member's email, or the channel id for a channel post
    payload: dict[str, Any]
    text: str
    member_id: int | None = None
    cycle_id: int | None = None
    dedupe_key: str | None = None
    tenant_id: str = ""
    conversation_id: str | None = None
    service_url: str | None = None
    not_before: dt.datetime | None = None
    # The municipality; by default the member's, else the cycle's, else the channel's.
    organisation_id: int | None = None


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    kind: MessageKind
    channel: str
    recipient: str
    payload: dict[str, Any]
    text: str
    state: DeliveryState
    attempts: int
    created_at: dt.datetime
    member_id: int | None = None
    cycle_id: int | None = None
    tenant_id: str = ""
    conversation_id: str | None = None
    service_url: str | None = None
    next_attempt_at: dt.datetime | None = None
    last_outcome: str | None = None
    last_error: str | None = None
    activity_id: str | None = None
    sent_at: dt.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The shape `lagesbild outbox list --json` prints (DESIGN)."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "channel": self.channel,
            "to": self.recipient,
            "state": self.state.value,
            "created_at": self.created_at.isoformat(),
            "text": self.text,
        }
