"""`lagesbild outbox list|run`: the queue of outgoing messages, and its dispatcher."""

from __future__ import annotations

import asyncio
import json
import zoneinfo
from collections import Counter

import click

from lagesbild.cli.context import CliContext, CliError, pass_cli
from lagesbild.cli.leading import run_while_leading
from lagesbild.operations.scope import organisation_named
from lagesbild.outbox.service import OutboxOptions, list_messages, run_outbox
from lagesbild.outbox.stats import DispatcherStats, RunSummary
from reporting.formatting import format_datetime
from reporting.outbox import DeliveryState, OutboxMessage
from storage.database import Database

KIND_WORDS = {
    "prompt": "frågor",
    "reminder": "påminnelse",
    "receipt": "kvitto",
    "summary": "sammanfattning",
    "digest": "lägesbild",
    "escalation": "eskalering",
    "decision": "beslut",
    "feedback": "återkoppling",
    "quarantine_notice": "karantän",
}
STATE_WORDS = {
    "pending": "väntar",
    "sending": "skickas",
    "sent": "skickat",
    "failed": "nytt försök",
    "dead": "gav upp",
}


@click.group("outbox")
def command() -> None:
    """Utkorgen: meddelanden som skickas i Teams och med e-post."""


def message_line(message: OutboxMessage, tz: zoneinfo.ZoneInfo) -> str:
    local = lambda moment: format_datetime(moment.astimezone(tz), year=False)  # noqa: E731
    state = message.state.value
    if message.state is DeliveryState.SENT and message.sent_at:
        when = f"{STATE_WORDS[state]} {local(message.sent_at)}"
    elif message.state is DeliveryState.FAILED and message.next_attempt_at:
        when = f"försök {message.attempts}, nästa {local(message.next_attempt_at)}"
    elif message.state is DeliveryState.DEAD:
        when = f"{STATE_WORDS[state]} efter {message.attempts} försök"
    else:
        when = f"{STATE_WORDS[state]} sedan {local(message.created_at)}"
    line = (
        f"{message.id:>5}  {KIND_WORDS[message.kind.value]:<14} {message.channel:<5}  "
        f"{message.recipient:<30} {when:<36} {message.text}"
    )
    if message.state in (DeliveryState.FAILED, DeliveryState.DEAD) and message.last_error:
        line += f"\n       └ {message.last_error}"
    return line


@command.command("list")
@click.option(
    "--state", type=click.Choice([s.value for s in DeliveryState]), help="Bara meddelanden i det här läget."
)
@click.option("--json", "as_json", is_flag=True, help="Som JSON (ett objekt per meddelande).")
@pass_cli
def list_command(ctx: CliContext, state: str | None, as_json: bool) -> None:
    """Visa kommunens utkorg: vad som väntar, har skickats eller gett upp."""

    async def work(db: Database) -> list[OutboxMessage]:
        organisation = await organisation_named(db, ctx.organisation)
        return await list_messages(
            db, DeliveryState(state) if state else None, organisation_id=organisation.id
        )

    messages = ctx.run(work)
    if as_json:
        click.echo(json.dumps([m.as_json() for m in messages], ensure_ascii=False, indent=2))
        return
    if not messages:
        click.echo("Utkorgen är tom." if state is None else f"Inga meddelanden som {STATE_WORDS[state]}.")
        return
    for message in messages:
        click.echo(message_line(message, ctx.settings.tz))
    counts = Counter(m.state.value for m in messages)
    parts = [f"{counts[s.value]} {STATE_WORDS[s.value]}" for s in DeliveryState if counts[s.value]]
    click.echo(f"{len(messages)} meddelanden: {', '.join(parts)}.")


@command.command("run")
@click.option("--once", is_flag=True, help="Skicka det som är förfallet nu och avsluta.")
@click.option(
    "--dev",
    is_flag=True,
    help="Utan MicrosoftAppId/-Password: skicka utan autentisering (Agents Playground).",
)
@click.option(
    "--lease",
    type=click.FloatRange(2, 3600),
    default=60.0,
    show_default=True,
    envvar="LAGESBILD_OUTBOX_LEASE",
    help="Sekunder ett meddelande är reserverat; det en avbruten process höll skickas efter så lång tid.",
)
@click.option(
    "--tenant-rate",
    type=click.IntRange(1, 1000),
    default=30,
    show_default=True,
    envvar="LAGESBILD_OUTBOX_TENANT_RATE",
    help="Anrop per sekund och Teams-organisation (tenant).",
)
@pass_cli
def run_command(ctx: CliContext, once: bool, dev: bool, lease: float, tenant_rate: int) -> None:
    """Kör utskicken (det som `serve` också gör), tills Ctrl-C eller en gång."""
    if not ctx.settings.has_app_credentials:
        if not dev:
            raise CliError(
                "MicrosoftAppId och MicrosoftAppPassword saknas. Sätt dem, eller kör med --dev mot Agents Playground."
            )
        click.echo("Utvecklingsläge: meddelanden skickas utan autentisering.", err=True)
    options = OutboxOptions(lease=lease, tenant_rate=tenant_rate)

    from intake.config import email_sender  # loads the mail clients only for this command
    from lagesbild.settings import SettingsError

    try:
        sender = email_sender(ctx.settings)
    except SettingsError as exc:
        raise CliError(str(exc)) from None

    async def work(db: Database) -> RunSummary | DispatcherStats | None:
        senders = {"email": sender} if sender else None
        try:
            if once:
                return await run_outbox(ctx.settings, db, options, once=True, senders=senders)
            stats: list[RunSummary | DispatcherStats] = []

            async def send(stop: asyncio.Event) -> None:
                stats.append(await run_outbox(ctx.settings, db, options, stop=stop, senders=senders))

            await run_while_leading(db, send, started="Utkorgen skickar. Avsluta med Ctrl-C.")
            return stats[0] if stats else None
        finally:
            if sender is not None:
                await sender.aclose()

    result = ctx.run(work)
    if result is None:
        click.echo("Stoppad innan den tog över: inget skickades härifrån.")
    elif isinstance(result, RunSummary):
        click.echo(f"{result.sent} skickade, {result.retrying} försöks igen senare, {result.dead} gav upp.")
    else:
        window = result.window_summary()
        click.echo(
            f"Stoppad: {result.sent} skickade, {result.throttled} strypta (429), {result.failed} misslyckade "
            f"försök, {result.dead} gav upp."
            + (
                f" Fönster svar→sparat: p50 {window['p50_ms']} ms, max {window['max_ms']} ms."
                if window
                else ""
            )
        )
