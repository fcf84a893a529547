"""`lagesbild jobs run-once|run`: the scheduler's due work once, or the background jobs
(scheduler, outbox, mailbox) continuously, as `serve` runs them."""

from __future__ import annotations

import asyncio
import logging

import click

from lagesbild.cli.context import CliContext, pass_cli
from lagesbild.cli.leading import run_while_leading
from lagesbild.jobs import run_due_work
from lagesbild.wiring import jobs_runtime
from storage.database import Database

log = logging.getLogger(__name__)


@click.group("jobs")
def command() -> None:
    """Schemalagt arbete: cykler, påminnelser och sammanställningar i tid; jobs run kör även utskicken."""


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
    """Kör bakgrundsjobben tills Ctrl-C: schemaläggaren, utkorgen och brevlådan (som serve gör;
    för serve --no-jobs)."""
    from lagesbild.background import BackgroundJobs  # loads the Teams and email senders

    async def work(db: Database) -> None:
        # The process holding the jobs lock is the only one that sends, so the scheduler
        # never runs alone: what it queues would wait for a dispatcher that never starts.
        jobs = BackgroundJobs(ctx.settings, db, database_url=ctx.settings.database, clock=ctx.clock)

        async def background(stop: asyncio.Event) -> None:
            await jobs.start()
            try:
                await stop.wait()
            finally:
                await jobs.stop()

        await run_while_leading(
            db, background, started="Schemaläggaren kör, med utkorgen och brevlådan. Avsluta med Ctrl-C."
        )

    ctx.run(work)
