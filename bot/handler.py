"""The Teams activity handler: translates Teams activities into operations and back.

Each verb is a small `_handle_<verb>`; SQL lives in storage, rules in reporting and
lagesbild.operations, cards in adaptive_cards. The `adaptiveCard/action` invoke is
answered from `on_invoke_activity` with an `InvokeResponse` whose body is the model:
botbuilder-python 4.17 serialises the `on_adaptive_card_invoke` return value twice.
"""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import AdaptiveCardInvokeResponse, Attachment, InvokeResponse
from botbuilder.schema.teams import TeamInfo, TeamsChannelAccount

from adaptive_cards.digest import digest_cards
from adaptive_cards.notice import notice_card, unavailable_card
from adaptive_cards.report import VERB_EDIT, VERB_REFRESH
from bot.activities import CARD_CONTENT_TYPE
from bot.bra_actions import BRA_VERBS, BraActions
from bot.cards import card_for_report
from bot.channel_commands import handle_channel_message
from bot.commands import parse_command
from bot.digest_actions import DigestActions
from bot.identity import identify, is_personal, team_id_of, tenant_of
from bot.notices import tell_coordinators_about_unknown_user
from bot.report_actions import REPORT_VERBS, ReportActions
from bot.services import BotServices
from lagesbild.operations.cycles import close_cycle
from lagesbild.operations.decisions import decision_for_reply, post_decision, update_status
from lagesbild.operations.digest import digest_for_cycle, latest_closed_cycle
from lagesbild.operations.errors import OperationError
from lagesbild.operations.members import set_away
from lagesbild.operations.priorities import priority_lines
from lagesbild.operations.reports import (
    current_report,
    member_groups,
    next_cycle,
)
from reporting.bra.decisions import status_word
from reporting.bra.forms import VERB_DECIDE_FORM, VERB_FOLLOWUP_FORM
from reporting.bra.replies import StatusReply, parse_status_reply
from reporting.digest.assessment import VERB_ASSESS, VERB_ESCALATE
from reporting.formatting import format_datetime, format_day, format_period
from reporting.model import Member, Role, SubmissionState
from storage.database import Database
from storage.errors import StorageUnavailable
from storage.repositories import MemberRepository, OrganisationRepository, TeamsRepository
from storage.repositories.teams import TeamsTeam

log = logging.getLogger(__name__)

HELP = (
    "Jag samlar in lägesrapporter. Skriv **rapportera** för att få frågorna, **status** för att se vad du "
    "skickat in, **frånvarande till 2026-12-30** om du är borta, **tillbaka** när du är åter."
)
SHORT_HELP = (
    "Det där förstod jag inte.\n\nSkriv **rapportera** för frågorna eller **hjälp** för fler kommandon."
)
LEADS = frozenset({Role.COORDINATOR, Role.DEPUTY})
LEAD_HELP = (
    "\n\nSom samordnare: **stäng** stänger den öppna perioden nu (sammanställningen skickas), "
    "**sammanställning** visar den senaste."
)
CARD_VERBS = frozenset({*REPORT_VERBS, *BRA_VERBS, VERB_ASSESS, VERB_ESCALATE})
# The verbs that only show something: if the database is unavailable, nothing was being saved.
SHOWING_VERBS = frozenset({VERB_EDIT, VERB_REFRESH, VERB_DECIDE_FORM, VERB_FOLLOWUP_FORM})
UNKNOWN_USER = (
    "Hej! Du finns inte med i Lägesbilds medlemslista, så jag kan inte ta emot rapporter från dig ännu. "
    "Kontakta samordnaren för lägesbilden i din kommun, så lägger hon eller han till dig. "
    "Samordnaren har fått veta att du hört av dig."
)


class LagesbildBot(TeamsActivityHandler):
    def __init__(
        self,
        services: BotServices,
        *,
        digest_actions: DigestActions | None = None,
        bra_actions: BraActions | None = None,
    ) -> None:
        self.services = services
        self.digest_actions = digest_actions or DigestActions(services)
        self.bra_actions = bra_actions or BraActions(services)
        self.report_actions = ReportActions(services)

    @property
    def db(self) -> Database:
        return self.services.db

    # --- messages -------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        if not is_personal(turn_context.activity):
            member = await identify(self.db, turn_context, on_reachable=self.services.wake_outbox)
            answer = await handle_channel_message(self.db, turn_context, member, today=self._today())
            if isinstance(answer, dict):
                await turn_context.send_activity(
                    MessageFactory.attachment(Attachment(content_type=CARD_CONTENT_TYPE, content=answer))
                )
            else:
                await turn_context.send_activity(answer)
            return
        member = await identify(self.db, turn_context, on_reachable=self.services.wake_outbox)
        if member is None:
            await self._handle_unknown_user(turn_context)
            return
        reply = parse_status_reply(turn_context.activity.text or "")
        if reply is not None:
            await turn_context.send_activity(await self._status_reply(member, reply))
            return
        command = parse_command(turn_context.activity.text)
        handler = getattr(self, f"_handle_{command.name}")
        await handler(turn_context, member, command)

    async def _handle_report(self, turn_context: TurnContext, member: Member, _command: Any) -> None:
        context = await current_report(self.db, member)
        if context is None:
            await turn_context.send_activity(await self._no_open_cycle_text(member))
            return
        card = card_for_report(
            context, now=self.services.clock(), tz=self.services.tz, locale=self.services.locale
        )
        await turn_context.send_activity(
            MessageFactory.attachment(Attachment(content_type=CARD_CONTENT_TYPE, content=card))
        )

    async def _handle_status(self, turn_context: TurnContext, member: Member, _command: Any) -> None:
        context = await current_report(self.db, member)
        if context is None:
            await turn_context.send_activity(await self._no_open_cycle_text(member))
            return
        tz = self.services.tz
        period = format_period(context.cycle.period_from, context.cycle.period_to)
        deadline = format_datetime(context.cycle.deadline.astimezone(tz), year=False)
        submission = context.submission
        if submission is None or not submission.answers:
            text = f"Du har inte skickat något för {context.group.name} {period} ännu. Sista dag: {deadline}."
        elif submission.state is SubmissionState.SUBMITTED and submission.submitted_at is not None:
            sent = format_datetime(submission.submitted_at.astimezone(tz), year=False)
            answered = sum(1 for a in submission.answers.values() if a.has_observations or a.comment)
            text = (
                f"Din rapport för {context.group.name} {period} skickades in {sent} "
                f"({answered} frågor med svar). Du kan ändra den till och med {deadline}: skriv **rapportera**."
            )
        else:
            text = f"Du har ett sparat utkast för {period} som inte är inskickat. Sista dag: {deadline}. Skriv **rapportera**."
        if member.away_until is not None and member.is_away(self.services.clock().astimezone(tz).date()):
            text += f"\n\nDu är markerad som frånvarande till och med {format_day(member.away_until)}."
        await turn_context.send_activity(text)

    async def _handle_away(self, turn_context: TurnContext, member: Member, command: Any) -> None:
        if command.problem:
            await turn_context.send_activity(command.problem)
            return
        today = self.services.clock().astimezone(self.services.tz).date()
        try:
            updated = await set_away(self.db, organisation=await self._organisation_name(member),
                                     email=member.email, until=command.until, today=today)  # fmt: skip
        except OperationError as exc:
            await turn_context.send_activity(str(exc))
            return
        assert updated.away_until is not None
        await turn_context.send_activity(
            f"Noterat: du får inga utskick eller påminnelser till och med {format_day(updated.away_until)}. "
            "Samordnaren ser att du är frånvarande. Skriv **tillbaka** när du är åter."
        )

    async def _handle_back(self, turn_context: TurnContext, member: Member, _command: Any) -> None:
        today = self.services.clock().astimezone(self.services.tz).date()
        await set_away(self.db, organisation=await self._organisation_name(member), email=member.email,
                       until=None, today=today)  # fmt: skip
        await turn_context.send_activity(
            "Välkommen tillbaka! Du får utskicken igen. Skriv **rapportera** för frågorna."
        )

    async def _handle_help(self, turn_context: TurnContext, member: Member, _command: Any) -> None:
        await turn_context.send_activity(HELP + (LEAD_HELP if member.roles & LEADS else ""))

    async def _handle_close(self, turn_context: TurnContext, member: Member, _command: Any) -> None:
        if not member.roles & LEADS:
            await turn_context.send_activity("Det är samordnaren eller ersättaren som stänger en period.")
            return
        context = await current_report(self.db, member)
        if context is None:
            await turn_context.send_activity("Det finns ingen öppen period att stänga.")
            return
        closed = await close_cycle(
            self.db, context.group, now=self.services.clock(), tz=self.services.tz, cycle_id=context.cycle.id
        )
        cycle = closed.cycle
        period = format_period(cycle.period_from, cycle.period_to)
        await turn_context.send_activity(
            f"Perioden {context.group.name} {period} är stängd. Sammanställningen kommer strax här och i gruppens kanal."
        )
        if self.services.after_close is not None:
            await self.services.after_close(cycle)

    async def _handle_digest(self, turn_context: TurnContext, member: Member, _command: Any) -> None:
        if not member.roles & LEADS:
            await turn_context.send_activity("Sammanställningen skickas till samordnaren och ersättaren.")
            return
        for group in await member_groups(self.db, member):
            try:
                cycle = await latest_closed_cycle(self.db, group)
            except OperationError:
                continue
            bundle = await digest_for_cycle(self.db, cycle.id, now=self.services.clock())
            for card in digest_cards(bundle.compiled(), bundle.questionnaire):
                await turn_context.send_activity(
                    MessageFactory.attachment(Attachment(content_type=CARD_CONTENT_TYPE, content=card))
                )
            return
        await turn_context.send_activity("Det finns ingen stängd period att sammanställa ännu.")

    async def _handle_unknown(self, turn_context: TurnContext, _member: Member, _command: Any) -> None:
        await turn_context.send_activity(SHORT_HELP)

    async def _handle_unknown_user(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        sender = activity.from_property
        log.info(
            "Teams user %s (tenant %s) is not in the directory",
            sender.id if sender else "?",
            tenant_of(activity),
        )
        await turn_context.send_activity(await self._unknown_user_text(tenant_of(activity)))
        if sender is not None:
            await tell_coordinators_about_unknown_user(
                self.db, user_id=sender.id, aad_object_id=sender.aad_object_id, name=sender.name or "",
                tenant_id=tenant_of(activity), now=self.services.clock(),
            )  # fmt: skip

    async def _status_reply(self, member: Member, reply: StatusReply) -> str:
        """ "klar 12 Belysningen är uppsatt": the owner updates a decision from the chat."""
        now = self.services.clock()
        try:
            decision = await decision_for_reply(self.db, member, reply)
            outcome = await update_status(self.db, decision.id, reply.status, reply.text, by=member, now=now)
        except OperationError as exc:
            return str(exc)
        await post_decision(self.db, decision.id, now=now, tz=self.services.tz)
        self.services.wake_outbox()
        return f"Noterat: beslut {decision.id} ”{outcome.decision.title}” är nu {status_word(outcome.decision.status)}."

    async def _unknown_user_text(self, tenant_id: str) -> str:
        """The polite answer to someone not in the directory, naming who to contact when the
        installation serves one municipality (or the tenant's team says which)."""
        async with self.db.session(readonly=True) as s:
            members = await MemberRepository(s).all(active_only=True)
            teams = await TeamsRepository(s).teams(tenant_id or None)
        organisations = {t.organisation_id for t in teams if t.organisation_id is not None} or {
            m.organisation_id for m in members
        }
        if len(organisations) != 1:
            return UNKNOWN_USER
        leads = [m for m in members if Role.COORDINATOR in m.roles and m.organisation_id in organisations]
        if not leads:
            return UNKNOWN_USER
        who = " eller ".join(f"{m.name} ({m.email})" for m in leads[:2])
        return (
            "Hej! Du finns inte med i Lägesbilds medlemslista, så jag kan inte ta emot rapporter från dig ännu. "
            f"Kontakta {who}, som samordnar lägesbilden, så blir du tillagd. Samordnaren har fått veta att du hört av dig."
        )

    async def _no_open_cycle_text(self, member: Member) -> str:
        upcoming = await next_cycle(self.db, member, self.services.clock())
        if upcoming is None:
            return "Det finns ingen öppen rapportperiod just nu."
        opens = format_datetime(upcoming.opens_at.astimezone(self.services.tz), year=False)
        return f"Det finns ingen öppen rapportperiod just nu. Nästa öppnar {opens}."

    async def _priorities(self, member: Member) -> list[str]:
        """Brå's current priorities, for the report card's header."""
        return await priority_lines(self.db, member.organisation_id, self._today())

    def _today(self) -> Any:
        return self.services.clock().astimezone(self.services.tz).date()

    async def _organisation_name(self, member: Member) -> str:
        async with self.db.session(readonly=True) as s:
            for organisation in await OrganisationRepository(s).all():
                if organisation.id == member.organisation_id:
                    return organisation.name
        raise OperationError("Kommunen hittades inte.")

    # --- installation and roster ---------------------------------------------------------

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._on_installed(turn_context, greet=True)

    async def on_teams_members_added(
        self, teams_members_added: list[TeamsChannelAccount], team_info: TeamInfo, turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(m.id == bot_id for m in teams_members_added):
            # Teams sends installationUpdate too; that one greets, this one only records.
            await self._on_installed(turn_context, greet=False)
        elif team_info is not None:
            await self._sync_roster(turn_context, team_info)

    async def _on_installed(self, turn_context: TurnContext, *, greet: bool) -> None:
        activity = turn_context.activity
        if is_personal(activity):
            member = await identify(self.db, turn_context, on_reachable=self.services.wake_outbox)
            if not greet:
                return
            if member is None:
                await self._handle_unknown_user(turn_context)
                return
            first = member.name.split()[0] if member.name else ""
            await turn_context.send_activity(f"Hej {first}! Jag är Lägesbild. {HELP}")
            return
        team = team_id_of(activity)
        if team:
            await self._remember_team(turn_context, team)
            await self._sync_roster(turn_context, TeamInfo(id=team))

    async def _remember_team(self, turn_context: TurnContext, team_id: str) -> None:
        activity = turn_context.activity
        data: dict[str, Any] = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        name = str((data.get("team") or {}).get("name") or "")
        async with self.db.session() as s:
            await TeamsRepository(s).save_team(
                TeamsTeam(team_id=team_id, organisation_id=None, name=name, tenant_id=tenant_of(activity),
                          service_url=activity.service_url or "", bot_id=activity.recipient.id,
                          channel_id=activity.conversation.id)
            )  # fmt: skip
        log.info("installed in team %s (%s)", name or team_id, tenant_of(activity))

    async def _sync_roster(self, turn_context: TurnContext, team_info: TeamInfo) -> None:
        """Map the team's members to our members, so prompts can open 1:1 chats with them."""
        from bot.roster import sync_roster

        await sync_roster(self.db, turn_context, team_info)

    # --- card actions -------------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        if turn_context.activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        value: Any = turn_context.activity.value or {}
        action = value.get("action") if isinstance(value, dict) else None
        if not isinstance(action, dict):
            return self._card_response(
                notice_card("Kortet gick inte att läsa. Skriv **rapportera** för ett nytt.")
            )
        verb = action.get("verb")
        data = action.get("data") if isinstance(action.get("data"), dict) else {}
        try:
            return await self._card_action(turn_context, verb, data)
        except StorageUnavailable as exc:
            # Rolled back, so nothing is half-written; the card says so and keeps the inputs.
            sender = turn_context.activity.from_property
            log.warning(
                "card action %r from Teams user %s not carried out, the database is unavailable: %s",
                verb, sender.id if sender else "?", exc,
            )  # fmt: skip
            known = verb if isinstance(verb, str) and verb in CARD_VERBS else None
            return self._card_response(unavailable_card(known, data, saving=known not in SHOWING_VERBS))

    async def _card_action(
        self, turn_context: TurnContext, verb: Any, data: dict[str, Any]
    ) -> InvokeResponse:
        member = await identify(self.db, turn_context, on_reachable=self.services.wake_outbox)
        if member is None:
            await self._handle_unknown_user(turn_context)
            return self._card_response(notice_card(UNKNOWN_USER))
        if verb in REPORT_VERBS:
            sender = turn_context.activity.from_property
            card = await self.report_actions.handle(verb, member, data, user_id=sender.id if sender else None)
            return self._card_response(card)
        if verb in BRA_VERBS:
            return self._card_response(await self.bra_actions.handle(verb, member, data))
        if verb in (VERB_ASSESS, VERB_ESCALATE):
            act = self.digest_actions.assess if verb == VERB_ASSESS else self.digest_actions.escalate
            return self._card_response(await act(member, data))
        log.warning("unknown card verb %r from member %s", verb, member.id)
        return self._card_response(notice_card("Den här knappen känner jag inte igen. Skriv **rapportera**."))

    @staticmethod
    def _card_response(card: dict[str, Any]) -> InvokeResponse:
        body = AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=card)
        return InvokeResponse(status=200, body=body)
