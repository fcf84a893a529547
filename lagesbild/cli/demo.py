"""`lagesbild demo`: the product in one command on an embedded SQLite database."""

from __future__ import annotations

import asyncio
import signal

import click

from lagesbild.cli.context import CliContext, pass_cli
from lagesbild.cli.display import cycle_line, member_line
from lagesbild.demo import DEMO_ORGANISATION, seed_demo
from lagesbild.jobs import Runtime, register_runtime, unregister_runtime
from lagesbild.operations.members import list_members
from lagesbild.scheduler import create_scheduler
from storage.database import Database
from storage.migrate import upgrade


@click.command("demo")
@click.option("--seed-only", is_flag=True, help="Lägg bara upp demodata och avsluta.")
@pass_cli
def command(ctx: CliContext, seed_only: bool) -> None:
    """Starta en demo: demokommun, grupp, medlemmar och en öppen cykel."""
    url = f"sqlite:///{ctx.settings.data_dir / 'demo.db'}"
    upgrade(url)

    async def main() -> None:
        db = Database(url)
        try:
            world = await seed_demo(db, now=ctx.now(), tz=ctx.settings.tz)
            members = await list_members(db, DEMO_ORGANISATION)
            click.echo(
                f"Demo: {DEMO_ORGANISATION}, gruppen {world.group.name} (mallen {world.group.preset})."
            )
            click.echo(f"Databas: {ctx.settings.data_dir / 'demo.db'}")
            click.echo("Medlemmar:")
            for member in members:
                click.echo("  " + member_line(member))
            click.echo("Öppen cykel:")
            click.echo(cycle_line(world.group.name, world.open_cycle, ctx.settings.tz))
            if seed_only:
                return
            key = "demo"
            register_runtime(key, Runtime(db=db, tz=ctx.settings.tz))
            scheduler = create_scheduler(
                url, runtime_key=key, interval_seconds=ctx.settings.scheduler_interval_seconds
            )
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            scheduler.start()
            click.echo("Schemaläggaren kör (planerar, öppnar och stänger cykler i tid). Avsluta med Ctrl-C.")
            try:
                await stop.wait()
            finally:
                scheduler.shutdown(wait=False)
                unregister_runtime(key)
        finally:
            await db.dispose()

    asyncio.run(main())
