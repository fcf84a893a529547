"""Brå's decisions: taking one, following it up, telling people about it.

`create_decision` stores the decision, links the answers it rests on (by default every
submitted answer with observations to the cycle's question) and queues the feedback to
their reporters (`lagesbild.operations.feedback`) in the same unit of work: a decision is
never stored without its feedback, and the dedupe keys make every message unique.
`update_status` moves it along `beslutad → pagar → klar | avbruten` (a dated note each
time); when it closes, the reporters get the outcome, again in the same unit of work.

With `by` (a member: a card, the chat) the roles apply (`reporting.bra.roles`): Brå
members and admins decide; the owner, the coordinator, the deputy and Brå follow up;
nobody across a municipality's border. Anyone else gets `PermissionRefused` with a polite
Swedish sentence, and a log line is written. The command line passes no member.

Posting the decision card in the group's channel and the Brå channel:
`decision_card_messages(db, decision_id, channels)` builds the outbox messages for the
channel addresses given (`decision_channels` finds the linked ones); `post_decision` does
both and enqueues. Jobs for the scheduler: `enqueue_decision_reminders` (owners, a week
before the due date and when it has passed) and `enqueue_meeting_summaries` (the
coordinator's and deputy's "Återkoppling från Brå", once a meeting's decisions have settled).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adaptive_cards.bra import decision_card, decision_form_card, followup_card, owner_choices
from bot.activities import card_activity
from lagesbild.operations.assessment import PermissionRefused
from lagesbild.operations.digest_delivery import ChannelAddress, bra_channel, group_channel
from lagesbild.operations.errors import ConflictError, InputError
from lagesbild.operations.feedback import (
    feedback_messages,
    outcome_messages,
    reminder_message,
    summary_messages,
)
from lagesbild.operations.scope import check_owner
from reporting.bra import wording
from reporting.bra.decisions import DecisionInput, InvalidDecision, check_transition, parse_status
from reporting.bra.forms import link_value
from reporting.bra.records import Decision, DecisionKind, DecisionStatus
from reporting.bra.replies import StatusReply
from reporting.bra.roles import may_decide, may_follow_up, refusal_decide, refusal_follow_up
from reporting.formatting import format_period, format_weeks
from reporting.i18n import translator
from reporting.model import CycleState, Member, Role
from reporting.outbox import MessageKind, NewMessage
from storage.database import Database
from storage.errors import NotFound
from storage.repositories import (
    CycleRepository,
    GroupRepository,
    MemberRepository,
    OrganisationRepository,
    OutboxRepository,
    QuestionnaireRepository,
)
from storage.repositories.assessments import EscalationRepository
from storage.repositories.decisions import DecisionRepository
from storage.repositories.digests import DigestRepository

log = logging.getLogger(__name__)
_ = translator("bra")

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
REMIND_BEFORE = dt.timedelta(days=7)
SUMMARY_SETTLE = dt.timedelta(hours=2)
SUMMARY_WINDOW = dt.timedelta(days=14)
FORM_DIGEST_WINDOW = dt.timedelta(days=42)
DEFAULT_DECIDER = "Lokala Brå"


@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    decision: Decision
    links: int  # answers it rests on
    reporters: int  # distinct reporters of those answers
    feedback: int  # feedback messages queued now


@dataclass(frozen=True, slots=True)
class StatusOutcome:
    decision: Decision
    previous: DecisionStatus
    outcome: int  # outcome messages queued to reporters now


def _refuse(message: str, what: str, member: Member, where: object) -> PermissionRefused:
    log.warning("refused: %s (member %s, roles %s) may not %s (%s)", member.email, member.id,
                ",".join(sorted(r.value for r in member.roles)), what, where)  # fmt: skip
    return PermissionRefused(message)


async def leads(db: Database, organisation_id: int) -> list[Member]:
    """The municipality's active coordinators and deputies."""
    async with db.session(readonly=True) as s:
        members = await MemberRepository(s).all(organisation_id, active_only=True)
    return [m for m in members if m.roles & {Role.COORDINATOR, Role.DEPUTY}]


async def question_themes(db: Database, cycle_id: int | None, locale: str = "sv") -> dict[str, str]:
    """Question number → theme, as the cycle's questionnaire names them."""
    if cycle_id is None:
        return {}
    async with db.session(readonly=True) as s:
        cycle = await CycleRepository(s).get(cycle_id)
        questionnaire = await QuestionnaireRepository(s).get(cycle.questionnaire_id)
    return {q.number: q.theme.get(locale) for q in questionnaire.questions}


async def _resolve_owner(
    s: Any, organisation_id: int, given: DecisionInput, locale: str
) -> tuple[int | None, str | None]:
    if given.owner.email is not None:
        try:
            owner = await MemberRepository(s).by_email(organisation_id, given.owner.email)
        except NotFound:
            raise InputError(f"Ingen medlem i kommunen har e-postadressen {given.owner.email}.") from None
        return owner.id, None
    return None, given.owner.agency


async def _basis(
    db: Database, given: DecisionInput, organisation_id: int | None
) -> tuple[int, DecisionInput]:
    """The decision's municipality, with cycle and question taken from its escalation if any."""
    async with db.session(readonly=True) as s:
        if given.escalation_id is not None:
            escalation = await EscalationRepository(s).get(given.escalation_id)
            if escalation is None:
                raise InputError(f"Eskalering {given.escalation_id} finns inte.")
            if given.cycle_id is not None and (given.cycle_id, given.question) != (
                escalation.cycle_id,
                escalation.question,
            ):
                raise InputError("Eskaleringen gäller en annan period eller fråga.")
            given = dataclasses.replace(given, cycle_id=escalation.cycle_id, question=escalation.question)
        if given.cycle_id is None:
            if organisation_id is None:
                raise InputError("Ange vilken kommun beslutet gäller.")
            return organisation_id, given
        owner = await CycleRepository(s).organisation_of(given.cycle_id)
        if owner is None:
            raise InputError(f"Cykel {given.cycle_id} finns inte")
        if organisation_id is not None:  # another municipality's cycle is refused
            await check_owner(s, "Cykel", given.cycle_id, owner, organisation_id)
        cycle = await CycleRepository(s).get(given.cycle_id)
        group = await GroupRepository(s).get(cycle.group_id)
        questionnaire = await QuestionnaireRepository(s).get(cycle.questionnaire_id)
    if given.question not in questionnaire.numbers:
        raise InputError(
            f"Fråga {given.question} finns inte i gruppens mall (frågorna är 1–{len(questionnaire.numbers)})."
        )
    return group.organisation_id, given


async def _links(db: Database, given: DecisionInput, organisation_id: int) -> list[tuple[int, int]]:
    async with db.session(readonly=True) as s:
        repo = DecisionRepository(s)
        if given.answer_ids is None:
            if given.cycle_id is None or given.question is None:
                return []
            return await repo.observed_answers(given.cycle_id, given.question)
        found = await repo.answers(given.answer_ids)
        organisations: dict[int, int] = {}
        for cycle_id in sorted({entry[1] for entry in found.values()}):
            cycle = await CycleRepository(s).get(cycle_id)
            organisations[cycle_id] = (await GroupRepository(s).get(cycle.group_id)).organisation_id
        links = []
        for answer_id in given.answer_ids:
            entry = found.get(answer_id)
            owner = organisations[entry[1]] if entry is not None else None
            await check_owner(s, "Svar", answer_id, owner, organisation_id)
            assert entry is not None
            member_id, cycle_id, question, submitted = entry
            if given.cycle_id is not None and (cycle_id, question) != (given.cycle_id, given.question):
                raise InputError(
                    f"Svar {answer_id} hör inte till cykel {given.cycle_id}, fråga {given.question}."
                )
            if not submitted:
                raise InputError(f"Svar {answer_id} är inte inskickat än.")
            links.append((answer_id, member_id))
    return links


async def create_decision(
    db: Database,
    given: DecisionInput,
    *,
    now: dt.datetime,
    by: Member | None = None,
    organisation_id: int | None = None,
    decided_by: str = "",
    locale: str = "sv",
) -> DecisionOutcome:
    """Store Brå's decision and queue one feedback message to each linked reporter."""
    organisation_id, given = await _basis(db, given, organisation_id if by is None else by.organisation_id)
    if by is not None and not may_decide(by, organisation_id):
        raise _refuse(refusal_decide(locale), "decide", by, f"organisation {organisation_id}")
    links = await _links(db, given, organisation_id)
    themes = await question_themes(db, given.cycle_id, locale)
    async with db.session() as s:
        owner_id, owner_agency = await _resolve_owner(s, organisation_id, given, locale)
        repo = DecisionRepository(s)
        decision_id = await repo.add(
            organisation_id=organisation_id, title=given.title, text=given.text, kind=given.kind,
            meeting_date=given.meeting_date, decided_by_member_id=by.id if by else None,
            decided_by_name=by.name if by else (decided_by or DEFAULT_DECIDER), owner_member_id=owner_id,
            owner_agency=owner_agency, due=given.due, cycle_id=given.cycle_id, question=given.question,
            escalation_id=given.escalation_id, links=links, now=now,
        )  # fmt: skip
        decision = await repo.get(decision_id)
        linked = await repo.linked(decision_id)
        reporters = {a.member_id for a in linked}
        members = {m.id: m for m in await MemberRepository(s).by_ids(sorted(reporters))}
        messages = feedback_messages(decision, linked, members, themes, locale=locale)
        queued = await OutboxRepository(s).enqueue(messages, now=now)
    log.info("decision %s (organisation %s, cycle %s, question %s): %d answers, %d reporters, %d feedback queued",
             decision.id, organisation_id, given.cycle_id, given.question, len(linked), len(reporters), queued)  # fmt: skip
    return DecisionOutcome(decision, len(linked), len(reporters), queued)


async def get_decision(db: Database, decision_id: int, *, organisation_id: int | None = None) -> Decision:
    """The decision; with `organisation_id`, one of another municipality is refused."""
    async with db.session(readonly=True) as s:
        try:
            decision = await DecisionRepository(s).get(decision_id)
        except NotFound:
            decision = None
        if organisation_id is not None:
            owner = decision.organisation_id if decision is not None else None
            await check_owner(s, "Beslut", decision_id, owner, organisation_id)
    if decision is None:
        raise InputError(f"Beslut {decision_id} finns inte")
    return decision


async def list_decisions(db: Database, organisation_id: int, *, open_only: bool = False) -> list[Decision]:
    async with db.session(readonly=True) as s:
        return await DecisionRepository(s).list(organisation_id, open_only=open_only, history=True)


async def update_status(
    db: Database,
    decision_id: int,
    status: DecisionStatus | str,
    text: str | None,
    *,
    by: Member | None,
    now: dt.datetime,
    organisation_id: int | None = None,
    locale: str = "sv",
) -> StatusOutcome:
    """Move the decision on (or add a note to an open one); when it closes, queue the outcome
    to the reporters. A root-cause analysis is closed as klar with its result as the text."""
    try:
        new = status if isinstance(status, DecisionStatus) else parse_status(status, locale)
        decision = await get_decision(db, decision_id, organisation_id=organisation_id)
        if by is not None and not may_follow_up(by, decision):
            raise _refuse(refusal_follow_up(locale), "follow up", by, f"decision {decision_id}")
        check_transition(decision.status, new, locale)
    except InvalidDecision as exc:
        raise InputError(str(exc)) from None
    note = (text or "").strip()
    result = None
    if new is DecisionStatus.KLAR and decision.kind is DecisionKind.ORSAKSANALYS:
        if not note:
            raise InputError(
                "Skriv resultatet av orsaksanalysen; det skickas till rapportörerna och gruppen."
            )
        result = note
    themes = await question_themes(db, decision.basis.cycle_id, locale)
    async with db.session() as s:
        repo = DecisionRepository(s)
        moved = await repo.set_status(
            decision_id, expected=decision.status, status=new, text=note, by_member_id=by.id if by else None,
            by_name=by.name if by else "", now=now, result=result,
        )  # fmt: skip
        if not moved:
            raise ConflictError(
                "Beslutet ändrades nyss av någon annan. Titta på det igen och försök på nytt."
            )
        updated = await repo.get(decision_id)
        queued = 0
        if not new.is_open:
            linked = await repo.linked(decision_id)
            members = {
                m.id: m for m in await MemberRepository(s).by_ids(sorted({a.member_id for a in linked}))
            }
            messages = outcome_messages(updated, linked, members, themes, note=note, locale=locale)
            queued = await OutboxRepository(s).enqueue(messages, now=now)
    log.info("decision %s: %s → %s by %s; %d outcome messages queued", decision_id, decision.status.value,
             new.value, by.email if by else "command line", queued)  # fmt: skip
    return StatusOutcome(updated, decision.status, queued)


async def decision_for_reply(db: Database, member: Member, reply: StatusReply) -> Decision:
    """The decision a "klar …" in the chat (or an email) means: the one named, else the
    member's only open decision."""
    if reply.decision_id is not None:
        return await get_decision(db, reply.decision_id, organisation_id=member.organisation_id)
    async with db.session(readonly=True) as s:
        owned = await DecisionRepository(s).owned_by(member.id, member.agency, member.organisation_id)
    if not owned:
        raise InputError("Du är inte ansvarig för något öppet beslut.")
    if len(owned) > 1:
        listed = "; ".join(f"{d.id}: {d.title}" for d in owned)
        raise InputError(f"Du har flera öppna beslut ({listed}). Skriv numret, t.ex. ”klar {owned[0].id} …”.")
    return owned[0]


async def led_to(db: Database, member_id: int, cycle_id: int, *, locale: str = "sv") -> list[str]:
    """ "Ledde till: …" lines for the reporter's receipt of that cycle (refreshed in Teams)."""
    async with db.session(readonly=True) as s:
        decisions = await DecisionRepository(s).for_member_answers(member_id, cycle_id)
    return [wording.led_to_line(d, locale) for d in decisions]


# --- channel posts --------------------------------------------------------------------------


async def decision_channels(db: Database, decision: Decision) -> list[ChannelAddress]:
    """The decision's group's channel (when it rests on a cycle) and the Brå channel, as linked."""
    found: list[ChannelAddress] = []
    if decision.group_id is not None:
        async with db.session(readonly=True) as s:
            group = await GroupRepository(s).get(decision.group_id)
        channel = await group_channel(db, group)
        if channel is not None:
            found.append(channel)
    bra = await bra_channel(db, decision.organisation_id)
    if bra is not None and all(c.conversation_id != bra.conversation_id for c in found):
        found.append(bra)
    return found


async def decision_card_messages(
    db: Database,
    decision_id: int,
    channels: Sequence[ChannelAddress],
    *,
    today: dt.date,
    locale: str = "sv",
) -> list[NewMessage]:
    """The decision card as a post in each channel: at every status it is posted once per
    channel (key `decision:<id>:<status>:<channel>`), so the group also sees when it is done
    and a root-cause analysis's result."""
    decision = await get_decision(db, decision_id)
    card = decision_card(decision, today=today, locale=locale)
    status = wording.status_word(decision.status, locale)
    gist = f"Brå-beslut {decision.id} ({status}): {decision.title}"[:500]
    return [
        NewMessage(
            kind=MessageKind.DECISION,
            channel="teams",
            recipient=c.conversation_id,
            payload=card_activity(card, summary=gist),
            text=gist,
            cycle_id=decision.basis.cycle_id,
            dedupe_key=f"decision:{decision.id}:{decision.status.value}:{c.conversation_id}"[:200],
            conversation_id=c.conversation_id,
            service_url=c.service_url,
            tenant_id=c.tenant_id,
        )  # fmt: skip
        for c in channels
    ]


async def post_decision(db: Database, decision_id: int, *, now: dt.datetime, tz: zoneinfo.ZoneInfo = STOCKHOLM,
                        locale: str = "sv") -> int:  # fmt: skip
    """Queue the decision card in its linked channels; returns how many posts were queued."""
    decision = await get_decision(db, decision_id)
    channels = await decision_channels(db, decision)
    if not channels:
        log.info("decision %s: no linked channel; no channel post", decision_id)
        return 0
    messages = await decision_card_messages(
        db, decision_id, channels, today=now.astimezone(tz).date(), locale=locale
    )
    async with db.session() as s:
        return await OutboxRepository(s).enqueue(messages, now=now)


# --- the cards the lead's handler answers with ----------------------------------------------


async def decision_form(
    db: Database,
    *,
    organisation_id: int,
    today: dt.date,
    escalation_id: int | None = None,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    locale: str = "sv",
) -> dict[str, Any]:
    """The decision form: for an escalation (its card's "Besluta"), or, without one, with a
    choice of the open escalations and the questions reported on in recent digests."""
    async with db.session(readonly=True) as s:
        members = await MemberRepository(s).all(organisation_id, active_only=True)
        owners = owner_choices(members)
        if escalation_id is not None:
            escalation = await EscalationRepository(s).get(escalation_id)
            if escalation is None:
                raise InputError(f"Eskalering {escalation_id} finns inte.")
            cycle = await CycleRepository(s).get(escalation.cycle_id)
            group = await GroupRepository(s).get(cycle.group_id)
            if group.organisation_id != organisation_id:
                raise InputError(f"Eskalering {escalation_id} finns inte.")
            questionnaire = await QuestionnaireRepository(s).get(cycle.questionnaire_id)
            theme = questionnaire.question(escalation.question).theme.get(locale)
            return decision_form_card(
                heading=_("Besluta: Fråga {n}, {theme}", locale, n=escalation.question, theme=theme),
                subtitle=f"{group.name} · {format_period(cycle.period_from, cycle.period_to, locale)}",
                owners=owners, today=today, values=values, error=error, locale=locale,
                data={"escalation": escalation.id, "cycle": cycle.id, "question": escalation.question},
            )  # fmt: skip
        links = await _link_choices(s, organisation_id, today, locale)
    if not links:
        error = error or _(
            "Det finns inga lyfta frågor eller sammanställningar att bygga beslutet på.", locale
        )
    return decision_form_card(heading=_("Nytt beslut i lokala Brå", locale), subtitle=None, owners=owners, data={},
                              links=links, today=today, values=values, error=error, locale=locale)  # fmt: skip


async def _link_choices(s: Any, organisation_id: int, today: dt.date, locale: str) -> list[dict[str, str]]:
    choices: dict[str, str] = {}
    for esc in await DecisionRepository(s).escalations(organisation_id):
        _id, cycle_id, question, level, _c, _r, _at, group, pf, pt, decided = esc
        if not decided:
            word = {"red": _("rött", locale), "yellow": _("gult", locale), "green": _("grönt", locale)}.get(
                level, level
            )
            choices[link_value(cycle_id, question)] = _(
                "{group} {weeks}, Fråga {n} – lyft ({level})", locale, group=group,
                weeks=format_weeks(pf, pt, locale), n=question, level=word,
            )  # fmt: skip
    since = today - FORM_DIGEST_WINDOW
    for group in await GroupRepository(s).all(organisation_id):
        cycles = [c for c in await CycleRepository(s).for_group(group.id)
                  if c.state in (CycleState.CLOSED, CycleState.DIGESTED) and c.period_to >= since]  # fmt: skip
        digests = await DigestRepository(s).latest_for_cycles([c.id for c in cycles])
        for cycle in sorted(cycles, key=lambda c: c.period_from, reverse=True):
            digest = digests.get(cycle.id)
            if digest is None:
                continue
            for q in digest.data.get("questions", []):
                n = int(q["counts"]["observations"])
                value = link_value(cycle.id, str(q["question"]))
                if n and value not in choices:
                    choices[value] = _(
                        "{group} {weeks}, Fråga {n} – {reports}", locale, group=group.name,
                        weeks=format_weeks(cycle.period_from, cycle.period_to, locale), n=q["question"],
                        reports=wording.reports_word(n, locale),
                    )  # fmt: skip
    return [{"title": title, "value": value} for value, title in choices.items()]


async def followup_form(
    db: Database, decision_id: int, *, member: Member | None, today: dt.date, message: str | None = None,
    ok: bool = True, locale: str = "sv",
) -> dict[str, Any]:  # fmt: skip
    """The owner's follow-up card (for `bra.followup.form`); refused politely to others."""
    decision = await get_decision(db, decision_id, organisation_id=member.organisation_id if member else None)
    if member is not None and not may_follow_up(member, decision):
        raise _refuse(refusal_follow_up(locale), "follow up", member, f"decision {decision_id}")
    return followup_card(decision, today=today, message=message, ok=ok, locale=locale)


# --- scheduler jobs -------------------------------------------------------------------------


async def enqueue_decision_reminders(
    db: Database, now: dt.datetime, *, tz: zoneinfo.ZoneInfo = STOCKHOLM, before: dt.timedelta = REMIND_BEFORE,
    locale: str = "sv", organisation_id: int | None = None,
) -> int:  # fmt: skip
    """Remind owners of open decisions `before` the due date and once it has passed (each
    reminder once per decision, due date and person). A decision owned by an agency, or by
    someone no longer active, reminds the coordinator and deputy. With `organisation_id`,
    that municipality's decisions only (the scheduler: every municipality's)."""
    today = now.astimezone(tz).date()
    async with db.session(readonly=True) as s:
        decisions = [d for d in await DecisionRepository(s).list(organisation_id, open_only=True) if d.due is not None]
        members = {m.id: m for m in await MemberRepository(s).all(organisation_id, active_only=True)}
    messages = []
    for d in decisions:
        assert d.due is not None
        overdue = today > d.due
        if not overdue and today < d.due - before:
            continue
        owner = members.get(d.owner_member_id) if d.owner_member_id is not None else None
        targets = [owner] if owner is not None else [
            m for m in members.values()
            if m.organisation_id == d.organisation_id and m.roles & {Role.COORDINATOR, Role.DEPUTY}
        ]  # fmt: skip
        messages += [reminder_message(d, m, today=today, overdue=overdue, locale=locale) for m in targets]
    if not messages:
        return 0
    async with db.session() as s:
        added = await OutboxRepository(s).enqueue(messages, now=now)
    if added:
        log.info("decision reminders: %d queued", added)
    return added


async def enqueue_meeting_summary(
    db: Database, organisation_id: int, meeting: dt.date, *, now: dt.datetime, locale: str = "sv"
) -> int:
    """ "Återkoppling från Brå" for the meeting to the coordinator and deputy (once per
    meeting and number of decisions)."""
    async with db.session(readonly=True) as s:
        decisions = await DecisionRepository(s).list(organisation_id, meeting_date=meeting)
    messages = summary_messages(
        organisation_id, meeting, decisions, await leads(db, organisation_id), locale=locale
    )
    if not messages:
        return 0
    async with db.session() as s:
        return await OutboxRepository(s).enqueue(messages, now=now)


async def enqueue_meeting_summaries(
    db: Database, now: dt.datetime, *, settle: dt.timedelta = SUMMARY_SETTLE, window: dt.timedelta = SUMMARY_WINDOW,
    locale: str = "sv", organisation_id: int | None = None,
) -> int:  # fmt: skip
    """For each recent Brå meeting whose last decision was taken `settle` ago or more, the
    summary (a rerun, or a second scheduler, queues nothing new). With `organisation_id`,
    that municipality's meetings only."""
    async with db.session(readonly=True) as s:
        organisations = [
            o for o in await OrganisationRepository(s).all() if organisation_id in (None, o.id)
        ]
        recent = [d for o in organisations for d in await DecisionRepository(s).list(o.id)
                  if d.meeting_date >= (now - window).date()]  # fmt: skip
    latest: dict[tuple[int, dt.date], dt.datetime] = {}
    for d in recent:
        key = (d.organisation_id, d.meeting_date)
        latest[key] = max(latest.get(key, d.created_at), d.created_at)
    added = 0
    for (organisation_id, meeting), last in sorted(latest.items()):
        if now - last >= settle:
            added += await enqueue_meeting_summary(db, organisation_id, meeting, now=now, locale=locale)
    return added
