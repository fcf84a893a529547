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
@click.option("--as", "as_user", default="alexw", show_default=True,
              help="Vem du är i Playground: alexw (rapportör), meganb (samordnare), adelev (ersättare), "
                   "isaiahl (Brå), pattif, lynner.")  # fmt: skip
@click.option("--seed-only", is_flag=True, help="Lägg bara upp demodata och avsluta.")
@pass_cli
def command(ctx: CliContext, port: int, playground_port: int, as_user: str, seed_only: bool) -> None:
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
            await serve_with_playground(ctx, url, port, playground_port, as_user, world.group)

    asyncio.run(main())


async def serve_with_playground(
    ctx: CliContext, url: str, port: int, playground_port: int, as_user: str, group: ReportingGroup
) -> None:
    from bot.app import create_app
    from lagesbild.playground import Playground, PlaygroundConfig, PlaygroundError

    try:
        config = PlaygroundConfig().for_user(as_user)
    except PlaygroundError as exc:
        raise CliError(str(exc)) from None
    # The demo's scheduler looks for due work every 10 s, so a closed period's digest shows soon.
    settings = ctx.settings.model_copy(update={"scheduler_interval_seconds": 10})
    app = create_app(settings, dev=True, database_url=url)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
    except OSError as exc:
        await runner.cleanup()
        raise CliError(f"Porten {port} är upptagen ({exc.strerror}). Välj en annan med --port.") from None
    playground = Playground(
        f"http://127.0.0.1:{port}/api/messages",
        port=playground_port,
        config=config,
        work_dir=ctx.settings.data_dir / "playground",
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        click.echo("Startar Agents Playground (första gången installeras den med npm, det tar en stund) …")
        try:
            await playground.start()
        except PlaygroundError as exc:
            raise CliError(str(exc)) from None
        db = Database(url)
        try:
            await link_demo_channels(
                db, group=group, service_url=playground.service_url, tenant_id=config.tenant_id,
                team_id=config.team_id, group_channel=config.channel_id, bra_channel=config.team_id, now=ctx.now(),
            )  # fmt: skip
        finally:
            await db.dispose()
        click.echo("")
        click.echo(playground.summary())
        click.echo("")
        click.echo(f"Öppna {playground.url} i webbläsaren. Frågorna kommer i chatten med Lägesbild;")
        click.echo("skriv 'hjälp' för kommandona. Som samordnare (--as meganb): 'stäng' stänger perioden och")
        click.echo("sammanställningen kommer i chatten och i kanalen EST; Brå-ärenden i kanalen General.")
        click.echo("Avsluta med Ctrl-C.")
        await stop.wait()
        click.echo("Stänger demon …")
    finally:
        await playground.stop()
        await runner.cleanup()
