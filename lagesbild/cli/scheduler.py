"""`lagesbild jobs run-once|run`: the scheduler's due work, once or continuously."""

from __future__ import annotations

import asyncio
import logging

import click

from lagesbild.cli.context import CliContext, pass_cli
from lagesbild.cli.leading import run_while_leading
from lagesbild.jobs import register_runtime, run_due_work, unregister_runtime
from lagesbild.scheduler import create_scheduler
from lagesbild.wiring import jobs_runtime
from storage.database import Database

log = logging.getLogger(__name__)


@click.group("jobs")
def command() -> None:
    """Schemalagt arbete: planera, öppna och stänga cykler i tid."""


@command.command("run-once")
@pass_cli
def run_once_command(ctx: CliContext) -> None:
    """Gör det som är förfallet nu, en gång (säkert att köra flera gånger)."""

    async def work(db: Database):  # type: ignore[no-untyped-def]
        # The same due work as `serve`; what it queues waits in the outbox for whichever
        # process dispatches (`serve` or `outbox run`).
        return await run_due_work(jobs_runtime(ctx.settings, db, clock=ctx.clock))

    done = ctx.run(work)
    click.echo(f"{done.planned} planerade, {len(done.opened)} öppnade, {len(done.closed)} stängda cykler.")
    for opened in done.repaired:
        click.echo(f"Cykel {opened.cycle.id} var öppen utan utskick med frågorna; {opened.prompts} ligger nu i kön.")
    click.echo(f"{done.queued} meddelanden lades i utkorgen (lagesbild outbox list).")


@command.command("run")
@pass_cli
def run_command(ctx: CliContext) -> None:
    """Kör schemaläggaren tills Ctrl-C (en process per databas)."""

    async def work(db: Database) -> None:
        key = "cli"
        register_runtime(key, jobs_runtime(ctx.settings, db, clock=ctx.clock))

        async def schedule(stop: asyncio.Event) -> None:
            scheduler = create_scheduler(
                ctx.settings.database,
                runtime_key=key,
                interval_seconds=ctx.settings.scheduler_interval_seconds,
            )
            scheduler.start()
            try:
                await stop.wait()
            finally:
                scheduler.shutdown(wait=False)

        try:
            await run_while_leading(db, schedule, started="Schemaläggaren kör. Avsluta med Ctrl-C.")
        finally:
            unregister_runtime(key)

    ctx.run(work)
