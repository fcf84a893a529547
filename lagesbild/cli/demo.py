"""`lagesbild demo`: the product in one command, for a newcomer.

A SQLite database in the data directory, the demo municipality (its members are the Agents
Playground's mock users), a group on the Fagersta template with an open cycle, the bot in dev
mode with its scheduler and outbox, and the Agents Playground wired to it. Prints the URL to
open; Ctrl-C stops everything it started.
"""

from __future__ import annotations

import asyncio
import signal

import click
from aiohttp import web

from lagesbild.cli.context import CliContext, CliError, pass_cli
from lagesbild.cli.display import cycle_line, member_line
from lagesbild.demo import DEMO_ORGANISATION, link_demo_channels, seed_demo
from lagesbild.operations.members import list_members
from lagesbild.wiring import prompt_renderers
from reporting.model import ReportingGroup
from storage.database import Database
from storage.migrate import upgrade


@click.command("demo")
@click.option("--port", default=3978, show_default=True, type=click.IntRange(1, 65535), help="Botens port.")
@click.option("--playground-port", default=56150, show_default=True, type=click.IntRange(1, 65535),
              help="Agents Playgrounds port (sidan du öppnar).")  # fmt: skip
@click.option("--as", "as_users", default="alexw,meganb,isaiahl", show_default=True,
              help="Vilka som får en egen Playground (kommaseparerat): alexw (rapportör), meganb (samordnare), "
                   "adelev (ersättare), isaiahl (Brå), pattif, lynner.")  # fmt: skip
@click.option("--seed-only", is_flag=True, help="Lägg bara upp demodata och avsluta.")
@pass_cli
def command(ctx: CliContext, port: int, playground_port: int, as_users: str, seed_only: bool) -> None:
    """Starta demon: demokommun, bot och Agents Playground som Teams."""
    settings = ctx.settings
    path = settings.data_dir / "demo.db"
    url = f"sqlite:///{path}"
    upgrade(url)

    async def main() -> None:
        db = Database(url)
        try:
            world = await seed_demo(db, now=ctx.now(), tz=settings.tz, renderers=prompt_renderers(settings))
            members = await list_members(db, DEMO_ORGANISATION)
        finally:
            await db.dispose()
        click.echo(f"Demo: {DEMO_ORGANISATION}, gruppen {world.group.name} (mallen {world.group.preset}).")
        click.echo(f"Databas: {path}")
        click.echo("Medlemmar:")
        for member in members:
            click.echo("  " + member_line(member))
        click.echo("Öppen cykel:")
        click.echo(cycle_line(world.group.name, world.open_cycle, settings.tz))
        if not seed_only:
            people = [p.strip() for p in as_users.split(",") if p.strip()]
            await serve_with_playground(ctx, url, port, playground_port, people, world.group)

    asyncio.run(main())


ROLE_WORDS = {"alexw": "rapportör", "meganb": "samordnare", "adelev": "ersättare", "isaiahl": "lokala Brå",
              "pattif": "rapportör", "lynner": "rapportör"}  # fmt: skip
LEADS = ("meganb", "adelev")
BRA = ("isaiahl",)


async def serve_with_playground(
    ctx: CliContext, url: str, port: int, playground_port: int, people: list[str], group: ReportingGroup
) -> None:
    from bot.app import create_app
    from lagesbild.playground import Playground
    from lagesbild.playground_config import PlaygroundConfig, PlaygroundError

    try:
        configs = [PlaygroundConfig().for_user(who) for who in people]
    except PlaygroundError as exc:
        raise CliError(str(exc)) from None
    # The demo's scheduler looks for due work every 10 s, so a closed period's digest shows soon.
    settings = ctx.settings.model_copy(update={"scheduler_interval_seconds": 10})
    app = create_app(settings, dev=True, database_url=url, clock=ctx.clock)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
    except OSError as exc:
        await runner.cleanup()
        raise CliError(f"Porten {port} är upptagen ({exc.strerror}). Välj en annan med --port.") from None
    playgrounds = [
        Playground(f"http://127.0.0.1:{port}/api/messages", port=playground_port + i, config=config,
                   work_dir=ctx.settings.data_dir / "playground" / config.current_user.key)
        for i, config in enumerate(configs)
    ]  # fmt: skip
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    started: list[Playground] = []
    try:
        click.echo("Startar Agents Playground (första gången installeras den med npm, det tar en stund) …")
        for playground in playgrounds:
            try:
                await playground.start()
            except PlaygroundError as exc:
                raise CliError(str(exc)) from None
            started.append(playground)
        by_key = {p.config.current_user.key: p for p in playgrounds}
        lead = next((by_key[k] for k in LEADS if k in by_key), playgrounds[0])
        bra = next((by_key[k] for k in BRA if k in by_key), lead)
        db = Database(url)
        try:
            config = lead.config
            await link_demo_channels(
                db, group=group, service_url=lead.service_url, bra_service_url=bra.service_url,
                tenant_id=config.tenant_id, team_id=config.team_id, group_channel=config.channel_id,
                bra_channel=config.team_id, now=ctx.now(),
            )  # fmt: skip
        finally:
            await db.dispose()
        click.echo("")
        click.echo("Öppna en flik per person (Agents Playground visar en persons Teams åt gången):")
        for playground in playgrounds:
            me = playground.config.current_user
            click.echo(f"  {playground.url}   {me.name} ({ROLE_WORDS.get(me.key, me.key)})")
        click.echo("")
        click.echo(
            "Rapportören får frågorna i chatten med Lägesbild (skriv 'hjälp'). Samordnaren skriver 'stäng':"
        )
        click.echo(
            f"sammanställningen kommer i chatten och i kanalen {lead.config.channel_name}. Rött på en fråga"
        )
        click.echo(
            "lyfter den till Brå (kanalen General hos Brå), där 'Besluta' fattar beslutet; rapportören får"
        )
        click.echo("veta vad rapporten ledde till. Avsluta med Ctrl-C.")
        await stop.wait()
        click.echo("Stänger demon …")
    finally:
        for playground in started:
            await playground.stop()
        await runner.cleanup()
