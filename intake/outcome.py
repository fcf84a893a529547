"""How an inbound email ends: its `IngestResult`, the pipeline's `Options`, the finishing
commit (status, reason and any outgoing mail in one transaction) and the threaded reply."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from intake.classify import Kind
from intake.message import InboundEmail
from reporting.model import Member
from reporting.outbox import MessageKind, NewMessage
from storage.database import Database
from storage.repositories import OutboxRepository
from storage.repositories.inbound import InboundRepository, InboundStatus

DEFAULT_TZ = zoneinfo.ZoneInfo("Europe/Stockholm")
DEFAULT_LEASE = dt.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What became of one email. `status` is an `InboundStatus` value, or ``duplicate``
    (processed before) or ``busy`` (another worker holds it right now)."""

    status: str
    message_id: str
    inbound_id: int | None = None
    kind: str = ""
    member_id: int | None = None
    cycle_id: int | None = None
    receipt: bool = False
    reason: str = ""

    @property
    def done(self) -> bool:
        """Whether the mailbox may mark the mail processed (move it)."""
        return self.status != "busy"


@dataclass(frozen=True, slots=True)
class Options:
    tz: zoneinfo.ZoneInfo = DEFAULT_TZ
    organisation: str | None = None
    keep_attachments: bool = False
    lease: dt.timedelta = DEFAULT_LEASE


async def finish(db: Database, inbound_id: int, status: InboundStatus, *, msg: InboundEmail, kind: Kind,
                  now: dt.datetime, reason: str = "", member: Member | None = None, cycle_id: int | None = None,
                  parsed: dict[str, Any] | None = None, outgoing: list[NewMessage] | None = None,
                  released: bool = False) -> IngestResult:  # fmt: skip
    async with db.session() as s:
        await InboundRepository(s).finish(
            inbound_id, status=status, now=now, kind=kind.value, reason=reason,
            member_id=member.id if member else None, cycle_id=cycle_id, parsed=parsed, released=released,
        )  # fmt: skip
        if outgoing:
            await OutboxRepository(s).enqueue(outgoing, now=now)
    return IngestResult(status.value, msg.message_id, inbound_id, kind.value, member.id if member else None,
                        cycle_id, receipt=bool(outgoing) and status not in (InboundStatus.QUARANTINED, InboundStatus.IGNORED), reason=reason)  # fmt: skip


def _threadable(message_id: str) -> bool:
    """Whether a Message-ID can go into our own In-Reply-To/References as it is (printable
    ASCII, not too long): a mail with 8-bit bytes in it is answered unthreaded."""
    return message_id.isascii() and message_id.isprintable() and len(message_id) <= 900


def threaded_reply(inbound_id: int, msg: InboundEmail, member: Member, subject: str, text: str, *,
           cycle_id: int | None, suffix: str = "") -> NewMessage:  # fmt: skip
    """A receipt-kind email to the sender, threaded under their mail."""
    headers = {"Auto-Submitted": "auto-replied"}
    if not msg.message_id_synthetic and _threadable(msg.message_id):
        headers["In-Reply-To"] = msg.message_id
        headers["References"] = " ".join([*(r for r in msg.references[-8:] if _threadable(r)), msg.message_id])
    return NewMessage(
        kind=MessageKind.RECEIPT, channel="email", recipient=msg.from_addr or member.email,
        payload={"subject": subject, "text": text, "headers": headers},
        text=f"{subject}: {text}"[:500], member_id=member.id, cycle_id=cycle_id,
        dedupe_key=f"receipt:inbound:{inbound_id}{suffix}",
    )  # fmt: skip
