"""An email-only owner follows up a Brå decision by replying ("klar 12 Belysningen är uppsatt")."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from intake.message import InboundEmail
from intake.outcome import IngestResult, Options, finish, threaded_reply
from intake.quotes import split_reply
from lagesbild.operations.decisions import decision_for_reply, post_decision, update_status
from lagesbild.operations.errors import OperationError
from reporting.bra.decisions import status_word
from reporting.bra.replies import StatusReply, parse_status_reply
from reporting.model import Member
from storage.database import Database
from storage.repositories.inbound import InboundStatus

log = logging.getLogger(__name__)


def status_reply(msg: InboundEmail) -> StatusReply | None:
    """ "klar 12 Belysningen är uppsatt" as the first words of the reply (above any quote)."""
    visible = split_reply(msg.text, from_name=msg.from_name).visible.strip()
    return parse_status_reply(visible) if visible else None


async def decision_update(db: Database, inbound_id: int, msg: InboundEmail, member: Member, status: StatusReply,
                           now: dt.datetime, options: Options, common: dict[str, Any]) -> IngestResult | None:  # fmt: skip
    """An email-only owner updates a Brå decision by replying; None when the member owns no
    open decision (then the mail is read as a report, as before)."""
    try:
        decision = await decision_for_reply(db, member, status)
    except OperationError:
        return None
    try:
        outcome = await update_status(db, decision.id, status.status, status.text, by=member, now=now)
    except OperationError as exc:
        text = str(exc)
    else:
        await post_decision(db, decision.id, now=now, tz=options.tz)
        text = f"Noterat: beslut {decision.id} ”{outcome.decision.title}” är nu {status_word(outcome.decision.status)}."
    log.info("inbound #%d from %s: decision %d follow-up", inbound_id, msg.from_addr, decision.id)
    subject = f"Beslut {decision.id}: {decision.title}"[:200]
    return await finish(db, inbound_id, InboundStatus.STORED, member=member, reason="uppföljning av beslut",
                         outgoing=[threaded_reply(inbound_id, msg, member, subject, text, cycle_id=None)], **common)  # fmt: skip
