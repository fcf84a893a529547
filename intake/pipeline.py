"""The one inbound pipeline: every email, whichever mailbox it came from, goes through `ingest`.

Order. Decode (`intake.mime`, never raises) → claim the email by Message-ID (a content
hash when it has none; the unique constraint makes it once-only, see
`storage.repositories.inbound`) → classify: auto-reply and bounce are kept and ignored
(no receipt); an unknown sender is kept in quarantine and the coordinators are told at
most once a day per sender; a report is mapped to its cycle (subject token ``[LB-n]``,
else In-Reply-To/References naming one of our prompts or sent mails, else a token in the
quoted text, else the member's open cycle), parsed with that cycle's questionnaire,
stored through `save_report` (channel email; per question the latest answer wins,
whichever channel it came from), and a receipt is queued in the outbox.

Nothing is lost: the raw message is kept in `inbound_emails.raw` whatever happens (a mail
over 10 MB keeps its header block and the sender is told; attachment content is
replaced by a note unless `keep_attachments`, metadata stays), with a status and a
reason, and each odd case is logged on one line for the operator. A mail for a closed
period gets a reply saying so and nothing is stored. A mail nested deeper than
`intake.mime.MAX_DEPTH` MIME levels is quarantined unread (the sender, if a member, is told).

One mail never stops the others. Every text taken from a mail is made storable when it is
decoded (`intake.mime.safe_text`); should the intake still fail on a mail (an error that
is not the database being away), the mail is kept raw as `failed` with the error as its
reason, logged, and `ingest` returns; the mailbox then moves it like any other. Only when
the database cannot be used at all does `ingest` raise, and the mail stays in the mailbox.

Crash safety. The claim, the report's save and the finishing step (status + receipt) are
three commits. Before saving, the claim notes the time the save will carry; a worker
that takes over a claim left by a dead process checks for a revision with exactly that
time, so a report is never saved twice. A mailbox marks a mail processed only after
`ingest` returned (`IngestResult.done`), so a crash before the move means the mail is
fetched again and found as a duplicate.
"""

from __future__ import annotations

import datetime as dt
import email
import hashlib
import logging
import zoneinfo
from email import policy
from typing import Any

from intake import receipts
from intake.classify import Kind, classify
from intake.cycle_token import parse_token
from intake.decision_mail import decision_update, status_reply
from intake.message import MAX_PARSED_SIZE, InboundEmail, Problem
from intake.mime import MAX_DEPTH, parse_message, safe_text
from intake.other_mail import bounced, coordinator_notices
from intake.outcome import DEFAULT_LEASE, DEFAULT_TZ, IngestResult, Options, finish, threaded_reply
from intake.parse import parsed_report
from intake.prompts import parse_reference
from lagesbild.operations.errors import InputError
from lagesbild.operations.reports import (
    CycleClosed,
    ReportContext,
    current_report,
    member_by_identity,
    report_at,
    report_context,
    save_report,
)
from lagesbild.operations.scope import inbound_in, organisation_named
from reporting.formatting import format_datetime, format_period
from reporting.model import Answer, Channel, CycleState, Member, Role
from storage.database import Database, is_unavailable
from storage.errors import NotFound
from storage.repositories import MemberRepository
from storage.repositories.inbound import ClaimOutcome, InboundRepository, InboundStatus

log = logging.getLogger(__name__)

TOO_DEEP_REASON = f"MIME-strukturen är nästlad djupare än {MAX_DEPTH} nivåer; innehållet lästes inte"


# -- raw storage --------------------------------------------------------------------


def _header_block(raw: bytes) -> bytes:
    ends = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0]
    return raw[: min(ends)] if ends else raw[:65536]


def storable_raw(msg: InboundEmail, *, keep_attachments: bool) -> tuple[bytes, bool]:
    """(bytes to keep, whether they are the whole message)."""
    if msg.oversized:
        note = f"\r\nX-Lagesbild-Note: body not kept, message was {msg.size} bytes\r\n\r\n".encode()
        return _header_block(msg.raw) + note, False
    if keep_attachments or not any(a.disposition == "attachment" for a in msg.attachments):
        return msg.raw, True
    try:
        parsed = email.message_from_bytes(msg.raw, policy=policy.compat32)
        removed = 0
        for part in parsed.walk():
            if part.is_multipart() or part.get_content_maintype() == "message":
                continue
            disposition = (part.get_content_disposition() or "").lower()
            if disposition == "attachment" or part.get_content_maintype() not in ("text", "multipart"):
                size = len(part.get_payload(decode=True) or b"")
                part.set_payload(f"[bilaga borttagen: {part.get_filename() or 'utan namn'}, {size} byte]\n")
                del part["Content-Transfer-Encoding"]
                part["X-Lagesbild-Removed"] = f"attachment content not stored ({size} bytes)"
                removed += 1
        return (parsed.as_bytes(policy=policy.compat32), False) if removed else (msg.raw, True)
    except Exception:  # the stdlib serialiser on damaged MIME: keep the mail as it came
        log.warning("attachments could not be removed from %s; raw kept whole", msg.message_id)
        return msg.raw, True


def _message_id(msg: InboundEmail) -> str:
    mid = msg.message_id
    return mid if len(mid) <= 900 else f"<{hashlib.sha256(mid.encode()).hexdigest()}.long@lagesbild.invalid>"


def to_answers(answers: dict[str, Any]) -> dict[str, Answer]:
    """Domain answers from the parsed report; a question left empty is no answer (it must not
    replace what the reporter gave for it before, in Teams or by email)."""
    out = {}
    for number, a in answers.items():
        fields = ("observations", "comment", "places_times")
        if not a.get("nothing_to_report") and a.get("impact") is None and not any(a.get(f) for f in fields):
            continue
        out[number] = Answer(
            question=number,
            observations=a.get("observations", "") or "",
            impact=a.get("impact"),
            comment=a.get("comment", "") or "",
            nothing_to_report=bool(a.get("nothing_to_report", False)),
            places_times=a.get("places_times", "") or "",
        )
    return out


# -- the pipeline -------------------------------------------------------------------


async def ingest(
    db: Database,
    raw: bytes,
    *,
    source: str,
    now: dt.datetime | None = None,
    mailbox_ref: str | None = None,
    received_at: dt.datetime | None = None,
    tz: zoneinfo.ZoneInfo = DEFAULT_TZ,
    organisation: str | None = None,
    keep_attachments: bool = False,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> IngestResult:
    """Process one raw email once; see the module doc."""
    now = now or dt.datetime.now(dt.UTC)
    options = Options(tz=tz, organisation=organisation, keep_attachments=keep_attachments, lease=lease)
    try:
        msg = parse_message(raw)
    except Exception as exc:  # parse_message does not raise; this keeps that promise here too
        log.exception("inbound mail could not be decoded at all")
        msg = InboundEmail(raw=bytes(raw), message_id=f"<{hashlib.sha256(raw).hexdigest()}.sha256@lagesbild.invalid>",
                           message_id_synthetic=True, size=len(raw), problems=(Problem("parse_error", type(exc).__name__),))  # fmt: skip
    mailbox_ref = None if mailbox_ref is None else safe_text(mailbox_ref)[:500]
    received_at = received_at or now
    try:
        member = await member_by_identity(db, aad_object_id=None, email=msg.from_addr) if msg.from_addr else None
        classification = classify(msg, lambda _addr: member is not None)
        stored, complete = storable_raw(msg, keep_attachments=options.keep_attachments)
        async with db.session() as s:
            claim = await InboundRepository(s).claim(
                message_id=_message_id(msg), source=source, raw=stored, raw_complete=complete, sender=msg.from_addr,
                subject=msg.subject, size=msg.size, received_at=received_at, now=now, lease=options.lease,
                mailbox_ref=mailbox_ref, kind=classification.kind.value, problems=[p.as_dict() for p in msg.problems],
                attachments=[{"filename": a.filename, "content_type": a.content_type, "size": a.size,
                              "disposition": a.disposition} for a in msg.attachments],
                organisation=options.organisation,
            )  # fmt: skip
    except Exception as exc:
        if is_unavailable(exc):
            raise
        return await _keep_failed(db, msg, exc, None, source=source, mailbox_ref=mailbox_ref,
                                  received_at=received_at, now=now, organisation=options.organisation)  # fmt: skip
    record = claim.record
    if claim.outcome is ClaimOutcome.DUPLICATE:
        log.info(
            "inbound %s (%s) already processed as #%d: %s", msg.message_id, source, record.id, record.status
        )
        return IngestResult("duplicate", msg.message_id, record.id, record.kind or "", record.member_id,
                            record.cycle_id, reason=f"already {record.status}")  # fmt: skip
    if claim.outcome is ClaimOutcome.BUSY:
        log.info("inbound %s is being processed by another worker", msg.message_id)
        return IngestResult("busy", msg.message_id, record.id)
    if msg.problems:
        log.warning("inbound #%d %s from %s: %s", record.id, msg.message_id, msg.from_addr or "?",
                    "; ".join(f"{p.code} {p.detail}".strip() for p in msg.problems))  # fmt: skip
    done = claim.outcome is ClaimOutcome.TAKEN_OVER and record.saved_at is not None
    try:
        return await _process(db, record.id, msg, member, classification.kind, classification.reason, now, options,
                              saved_at=record.saved_at if done else None)  # fmt: skip
    except Exception as exc:
        if is_unavailable(exc):
            raise  # the claim stays; a worker takes it over after the lease
        return await _keep_failed(db, msg, exc, record.id, source=source, mailbox_ref=mailbox_ref,
                                  received_at=received_at, now=now)  # fmt: skip


async def _keep_failed(db: Database, msg: InboundEmail, exc: Exception, inbound_id: int | None, *, source: str,
                       mailbox_ref: str | None, received_at: dt.datetime, now: dt.datetime,
                       organisation: str | None = None) -> IngestResult:  # fmt: skip
    """The intake failed on this mail: keep it raw as `failed` with the error as its reason
    (its own row if it was claimed, else a new one named by its content hash)."""
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()  # a driver's words, not the SQL
    reason = safe_text(f"kunde inte behandlas: {type(exc).__name__}: {detail[0] if detail else ''}")[:500]
    where = f"#{inbound_id}" if inbound_id is not None else f"from {source} {mailbox_ref or ''}".rstrip()
    log.error("inbound %s %s from %s could not be processed; kept raw as failed", where, msg.message_id,
              msg.from_addr or "?", exc_info=exc)  # fmt: skip
    try:
        async with db.session() as s:
            repo = InboundRepository(s)
            if inbound_id is not None:
                await repo.finish(inbound_id, status=InboundStatus.FAILED, now=now, reason=reason)
                return IngestResult(InboundStatus.FAILED.value, msg.message_id, inbound_id, reason=reason)
            stored, complete = (storable_raw(msg, keep_attachments=True) if msg.oversized else (msg.raw, True))
            record, new = await repo.keep_failed(
                message_id=f"<{hashlib.sha256(msg.raw).hexdigest()}.failed@lagesbild.invalid>", source=source,
                raw=stored, raw_complete=complete, sender=msg.from_addr.encode("ascii", "replace").decode(),
                size=msg.size, received_at=received_at, now=now, reason=reason, mailbox_ref=mailbox_ref,
                organisation=organisation,
            )  # fmt: skip
    except Exception:
        log.exception("inbound %s could not even be kept raw", where)
        raise exc from None
    if not new:
        return IngestResult("duplicate", msg.message_id, record.id, reason=f"already {record.status}")
    return IngestResult(InboundStatus.FAILED.value, msg.message_id, record.id, reason=reason)


async def _process(db: Database, inbound_id: int, msg: InboundEmail, member: Member | None, kind: Kind,
                   kind_reason: str, now: dt.datetime, options: Options, *, saved_at: dt.datetime | None = None,
                   released: bool = False, arrival: tuple[dt.datetime, zoneinfo.ZoneInfo] | None = None,
                   context: ReportContext | None = None) -> IngestResult:  # fmt: skip
    """What becomes of a claimed mail. `context` is the report it belongs to when the caller
    resolved it already; else it is resolved here (by `arrival` for a released mail)."""
    common: dict[str, Any] = {"msg": msg, "kind": kind, "now": now, "released": released}
    if msg.too_deep:  # before anything reads the body again (a bounce's report would)
        outgoing = []
        if member is not None and kind is not Kind.AUTO_REPLY and kind is not Kind.BOUNCE:
            subject, text = receipts.too_deep_notice(member)
            outgoing.append(threaded_reply(inbound_id, msg, member, subject, text, cycle_id=None))
        log.warning("inbound #%d from %s is nested deeper than %d MIME levels: quarantined unread", inbound_id,
                    msg.from_addr or "?", MAX_DEPTH)  # fmt: skip
        return await finish(db, inbound_id, InboundStatus.QUARANTINED, member=member, reason=TOO_DEEP_REASON,
                             outgoing=outgoing, **common)  # fmt: skip
    if kind is Kind.BOUNCE:
        return await bounced(db, inbound_id, msg, now, options, kind_reason, common)
    if kind is Kind.AUTO_REPLY:
        log.info("inbound #%d from %s ignored: %s (%s)", inbound_id, msg.from_addr or "?", kind, kind_reason)
        return await finish(db, inbound_id, InboundStatus.IGNORED, reason=kind_reason, **common)
    if member is not None and member.email_bounced_at is not None and msg.from_addr == member.email:
        async with db.session() as s:
            await MemberRepository(s).clear_email_bounce(member.id)
        log.info("member %s wrote from %s: mail there is sent again", member.id, member.email)
    if kind is Kind.UNKNOWN_SENDER or member is None:
        notices = await coordinator_notices(db, inbound_id, msg, now, options)
        log.warning("inbound #%d from unknown sender %s quarantined", inbound_id, msg.from_addr or "?")
        return await finish(db, inbound_id, InboundStatus.QUARANTINED, outgoing=notices,
                             reason=f"okänd avsändare: {msg.from_addr or 'ingen avsändare'}", **common)  # fmt: skip
    if msg.oversized:
        subject, text = receipts.too_large_notice(member, msg.size)
        log.warning("inbound #%d from %s is %d bytes (over %d): headers kept", inbound_id, msg.from_addr,
                    msg.size, MAX_PARSED_SIZE)  # fmt: skip
        return await finish(db, inbound_id, InboundStatus.REJECTED, member=member, reason="för stort",
                             outgoing=[threaded_reply(inbound_id, msg, member, subject, text, cycle_id=None)], **common)  # fmt: skip
    status = status_reply(msg)
    if status is not None:
        handled = await decision_update(db, inbound_id, msg, member, status, now, options, common)
        if handled is not None:
            return handled
    context = context or await _resolve_context(db, msg, member, arrival=arrival)
    if context is None:
        subject, text = receipts.no_cycle_notice(member)
        log.info("inbound #%d from %s: no open cycle", inbound_id, msg.from_addr)
        return await finish(db, inbound_id, InboundStatus.REJECTED, member=member, reason="ingen öppen period",
                             outgoing=[threaded_reply(inbound_id, msg, member, subject, text, cycle_id=None)], **common)  # fmt: skip
    cycle = context.cycle
    parsed = parsed_report(msg, context.questionnaire, cycle_id=cycle.id)
    suffix = ":released" if released else ""
    reply = {"cycle_id": cycle.id, "suffix": suffix}
    if not context.is_open(saved_at or now):
        subject, text = receipts.closed_notice(member=member, group=context.group, cycle=cycle, tz=options.tz)
        log.info(
            "inbound #%d from %s for closed cycle %d: nothing stored", inbound_id, msg.from_addr, cycle.id
        )
        return await finish(db, inbound_id, InboundStatus.CLOSED, member=member, cycle_id=cycle.id, parsed=parsed,
                             reason="perioden är stängd",
                             outgoing=[threaded_reply(inbound_id, msg, member, subject, text, **reply)], **common)  # fmt: skip
    answers = to_answers(parsed["answers"])
    if not answers:
        subject, text = receipts.empty_notice(member, context.group, cycle)
        return await finish(db, inbound_id, InboundStatus.REJECTED, member=member, cycle_id=cycle.id, parsed=parsed,
                             reason="inga svar hittades",
                             outgoing=[threaded_reply(inbound_id, msg, member, subject, text, **reply)], **common)  # fmt: skip
    if Role.REPORTER not in member.roles:
        reason = "Du är inte registrerad som rapportör. Kontakta samordnaren."
        subject, text = receipts.refused_notice(member, reason)
        return await finish(db, inbound_id, InboundStatus.REJECTED, member=member, cycle_id=cycle.id, parsed=parsed,
                             reason=reason, outgoing=[threaded_reply(inbound_id, msg, member, subject, text, **reply)],
                             **common)  # fmt: skip
    submission = None
    if saved_at is not None:
        async with db.session(readonly=True) as s:
            repo = InboundRepository(s)
            if await repo.save_happened(await repo.get(inbound_id)):
                log.warning(
                    "inbound #%d: taking over after a crash; its report was already saved", inbound_id
                )
                from storage.repositories import SubmissionRepository

                submission = await SubmissionRepository(s).find(cycle.id, member.id)
    if submission is None:
        async with db.session() as s:
            await InboundRepository(s).prepare_save(
                inbound_id, member_id=member.id, cycle_id=cycle.id, saved_at=now
            )
        try:
            submission = await save_report(db, context, answers, channel=Channel.EMAIL, submit=True, now=now,
                                           warnings=parsed["warnings"])  # fmt: skip
        except CycleClosed:
            subject, text = receipts.closed_notice(
                member=member, group=context.group, cycle=cycle, tz=options.tz
            )
            return await finish(db, inbound_id, InboundStatus.CLOSED, member=member, cycle_id=cycle.id,
                                 parsed=parsed, reason="perioden är stängd",
                                 outgoing=[threaded_reply(inbound_id, msg, member, subject, text, **reply)], **common)  # fmt: skip
        except InputError as exc:
            subject, text = receipts.refused_notice(member, str(exc))
            return await finish(db, inbound_id, InboundStatus.REJECTED, member=member, cycle_id=cycle.id,
                                 parsed=parsed, reason=str(exc),
                                 outgoing=[threaded_reply(inbound_id, msg, member, subject, text, **reply)], **common)  # fmt: skip
    assert submission is not None
    subject, text = receipts.receipt(member=member, group=context.group, cycle=cycle,
                                     questionnaire=context.questionnaire, parsed=parsed, submission=submission,
                                     tz=options.tz, now=now)  # fmt: skip
    log.info("inbound #%d from %s stored in cycle %d (%d answers, %d warnings)", inbound_id, msg.from_addr,
             cycle.id, len(answers), len(parsed["warnings"]))  # fmt: skip
    return await finish(db, inbound_id, InboundStatus.STORED, member=member, cycle_id=cycle.id, parsed=parsed,
                         outgoing=[threaded_reply(inbound_id, msg, member, subject, text, **reply)], **common)  # fmt: skip


async def _referenced_cycle(db: Database, msg: InboundEmail) -> int | None:
    """The cycle named by In-Reply-To or References, when they name mail we sent."""
    async with db.session(readonly=True) as s:
        repo = InboundRepository(s)
        for mid in [msg.in_reply_to, *reversed(msg.references)]:
            ref = parse_reference(mid)
            if ref is None or mid is None:
                continue
            if ref.outbox_id is not None:
                cycle_id = await repo.outbox_cycle(ref.outbox_id)
            else:
                assert ref.cycle_id is not None and ref.member_id is not None
                cycle_id = await repo.prompt_cycle(
                    message_id=mid, cycle_id=ref.cycle_id, member_id=ref.member_id
                )
            if cycle_id is not None:
                return cycle_id
    return None


async def _resolve_context(db: Database, msg: InboundEmail, member: Member, *,
                           arrival: tuple[dt.datetime, zoneinfo.ZoneInfo] | None = None) -> ReportContext | None:  # fmt: skip
    """The member's report for the cycle the mail names, else for their open cycle (or, given
    the `arrival` time, for the cycle whose period covers it)."""
    candidates: list[int] = []
    for cycle_id in (parse_token(msg.subject), await _referenced_cycle(db, msg), parse_token(msg.text)):
        if cycle_id is not None and cycle_id not in candidates:
            candidates.append(cycle_id)
    for cycle_id in candidates:
        try:
            return await report_context(db, member, cycle_id)
        except InputError:
            log.info("mail from %s names cycle %d, which is not theirs", member.email, cycle_id)
    if arrival is not None:
        return await report_at(db, member, *arrival)
    return await current_report(db, member)


async def release(
    db: Database,
    inbound_id: int,
    *,
    now: dt.datetime | None = None,
    tz: zoneinfo.ZoneInfo = DEFAULT_TZ,
    organisation: str | None = None,
) -> IngestResult:
    """Process a quarantined mail as its sender's report, once the sender is in the directory.
    With `organisation` (the command line's --org) only that municipality's mail is released,
    and only as the report of one of its own members.

    The report belongs to the period the mail arrived in (or the cycle it names), not to
    the one open at release: if that period no longer takes reports, or has not opened yet,
    the release is refused with the reason and the mail stays in quarantine."""
    now = now or dt.datetime.now(dt.UTC)
    scoped = await organisation_named(db, organisation) if organisation is not None else None
    if scoped is not None:
        await inbound_in(db, scoped, inbound_id)  # another municipality's mail is refused
    member: Member | None = None
    async with db.session(readonly=True) as s:
        try:
            record = await InboundRepository(s).get(inbound_id)
        except NotFound:
            raise InputError(f"Det finns inget inkommet mejl med id {inbound_id}.") from None
        raw = await InboundRepository(s).raw(inbound_id)
        if scoped is not None and record.sender:
            found = await MemberRepository(s).with_email(record.sender)
            member = next((m for m in found if m.organisation_id == scoped.id), None)
    if record.status is not InboundStatus.QUARANTINED:
        raise InputError(f"Mejl {inbound_id} ligger inte i karantän (status: {record.status}).")
    if scoped is None and record.sender:
        member = await member_by_identity(db, aad_object_id=None, email=record.sender)
    if member is None:
        raise InputError(
            f"{record.sender or 'Avsändaren'} finns fortfarande inte i medlemslistan. Lägg till hen först "
            "(lagesbild members import)."
        )
    msg = parse_message(raw)
    if msg.too_deep:
        raise InputError(f"Mejl {inbound_id} kan inte släppas: {TOO_DEEP_REASON}.")
    arrival = (record.received_at, tz)
    context = None
    if status_reply(msg) is None:  # a report, not a decision's follow-up
        context = await _resolve_context(db, msg, member, arrival=arrival)
        _check_release_period(inbound_id, record.received_at, context, now, tz)
    async with db.session() as s:
        if not await InboundRepository(s).reclaim(inbound_id, from_status=InboundStatus.QUARANTINED, now=now):
            raise InputError(f"Mejl {inbound_id} släpps redan av någon annan.")
    kind = classify(msg, lambda _addr: True).kind
    options = Options(tz=tz, organisation=organisation)
    log.info("quarantined mail #%d from %s released", inbound_id, record.sender)
    return await _process(db, inbound_id, msg, member, kind, "", now, options, released=True, arrival=arrival,
                          context=context)  # fmt: skip


def _check_release_period(inbound_id: int, received_at: dt.datetime, context: ReportContext | None,
                          now: dt.datetime, tz: zoneinfo.ZoneInfo) -> None:  # fmt: skip
    """Refuse (InputError, in Swedish) a release whose period does not take the report now."""
    arrived = format_datetime(received_at.astimezone(tz))
    if context is None:
        raise InputError(f"Mejl {inbound_id} kom {arrived}, men ingen period som avsändaren rapporterar i täcker "
                         "den dagen. Mejlet ligger kvar i karantän.")  # fmt: skip
    cycle = context.cycle
    period = f"{context.group.name} {format_period(cycle.period_from, cycle.period_to)}"
    if cycle.state is CycleState.PLANNED:
        raise InputError(f"Perioden {period} har inte öppnat än; mejlet (kom {arrived}) hör till den. Släpp det "
                         "när perioden har öppnat. Mejlet ligger kvar i karantän.")  # fmt: skip
    if not context.is_open(now):
        raise InputError(f"Perioden {period} är stängd; mejlet (kom {arrived}) kan inte längre räknas till den. "
                         "Mejlet ligger kvar i karantän.")  # fmt: skip
