"""Who a bounce is about: the recipients a delivery status notification (RFC 3464) reports
as permanently failed.

Exchange, Postfix and Gmail all attach a `message/delivery-status` part; the stdlib parses
it into header blocks, the first about the message and one per recipient. Only permanent
failures count (Action: failed, or a 5.x.x status): a delayed delivery is still trying.
What is read is decoded and made storable (`intake.mime.clean_header`): the addresses are
looked up in the directory, the diagnostic is kept.
"""

from __future__ import annotations

import email
from dataclasses import dataclass
from email import policy
from email.message import Message

from intake.mime import clean_header


@dataclass(frozen=True)
class FailedRecipient:
    address: str
    status: str  # "5.1.1"
    diagnostic: str  # the receiving server's words, if given


def _address(field: str | None) -> str:
    """`rfc822; kent.berg@fagersta.se` → `kent.berg@fagersta.se`."""
    if not field:
        return ""
    _, _, address = clean_header(str(field)).partition(";")
    return (address or clean_header(str(field))).strip().strip("<>").lower()


def _permanent(block: Message) -> bool:
    action = str(block.get("Action", "")).strip().lower()
    status = str(block.get("Status", "")).strip()
    return action == "failed" or (status.startswith("5") and action not in ("delayed", "delivered", "relayed"))


def failed_recipients(raw: bytes) -> list[FailedRecipient]:
    message = email.message_from_bytes(raw, policy=policy.compat32)
    failed: list[FailedRecipient] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks[1:]:
            if not isinstance(block, Message) or not _permanent(block):
                continue
            address = _address(block.get("Final-Recipient")) or _address(block.get("Original-Recipient"))
            if address and "@" in address:
                diagnostic = clean_header(str(block.get("Diagnostic-Code", "")))
                failed.append(
                    FailedRecipient(
                        address=address,
                        status=clean_header(str(block.get("Status", ""))).strip(),
                        diagnostic=" ".join(diagnostic.partition(";")[2].split())[:300],
                    )
                )
    return failed
