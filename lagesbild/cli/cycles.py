"""`lagesbild cycle plan|open|close|list`."""

from __future__ import annotations

import json

import click

from lagesbild.cli.context import CliContext, pass_cli
from lagesbild.cli.display import cycle_json, cycle_line
from lagesbild.operations.cycles import close_cycle, list_cycles, open_cycle, plan
from lagesbild.operations.groups import find_group
from lagesbild.operations.scope import organisation_named
from storage.database import Database


@click.group("cycle")
def command() -> None:
    """Rapporteringscykler: planera, öppna, stänga, lista."""


group_option = click.option("--group", help="Gruppen (standard: kommunens enda grupp).")


@command.command("plan")
@group_option
@click.option("--count", type=click.IntRange(1, 104), default=8, show_default=True, help="Antal cykler.")
@pass_cli
def plan_command(ctx: CliContext, group: str | None, count: int) -> None:
    """Planera gruppens kommande cykler (helgdagar flyttas till vardagen före)."""

    async def work(db: Database) -> tuple[str, list]:  # type: ignore[type-arg]
        found = await find_group(db, ctx.organisation, group)
        return found.name, await plan(db, found, count=count, now=now, tz=ctx.settings.tz)

    now = ctx.now()
    name, rows = ctx.run(work)
    click.echo(f"{len(rows)} cykler för {name}:")
    for row in rows:
        click.echo(cycle_line(name, row.cycle, ctx.settings.tz, row.plan, now=now))


@command.command("list")
@group_option
@click.option("--json", "as_json", is_flag=True, help="Skriv ut som JSON.")
@pass_cli
def list_command(ctx: CliContext, group: str | None, as_json: bool) -> None:
    """Visa kommunens cykler."""

    async def work(db: Database) -> list:  # type: ignore[type-arg]
        organisation = await organisation_named(db, ctx.organisation)
        found = await find_group(db, ctx.organisation, group) if group else None
        return await list_cycles(db, found, organisation_id=organisation.id)

    rows = ctx.run(work)
    if as_json:
        click.echo(json.dumps([cycle_json(name, c) for name, c in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Inga cykler ännu. Planera med: lagesbild cycle plan")
    for name, cycle in rows:
        click.echo(cycle_line(name, cycle, ctx.settings.tz))


@command.command("open")
@group_option
@click.option("--cycle", "cycle_id", type=int, help="Cykelns id (standard: nästa planerade).")
@pass_cli
def open_command(ctx: CliContext, group: str | None, cycle_id: int | None) -> None:
    """Öppna en cykel nu, före schemat (planerar nästa om ingen är planerad)."""

    async def work(db: Database):  # type: ignore[no-untyped-def]
        found = await find_group(db, ctx.organisation, group)
        from lagesbild.wiring import prompt_renderers  # loads Teams and email code only when needed

        opened = await open_cycle(
            db, found, now=ctx.now(), tz=ctx.settings.tz, renderers=prompt_renderers(ctx.settings),
            cycle_id=cycle_id,
        )  # fmt: skip
        return found.name, opened

    name, opened = ctx.run(work)
    click.echo("Ingen cykel var planerad; nästa är planerad och öppnad:" if opened.planned else "Cykeln är öppnad:")
    click.echo(cycle_line(name, opened.cycle, ctx.settings.tz))
    click.echo(f"{opened.prompts} utskick med frågorna ligger i kön (lagesbild outbox list).")


@command.command("close")
@group_option
@click.option("--cycle", "cycle_id", type=int, help="Cykelns id (standard: den öppna).")
@pass_cli
def close_command(ctx: CliContext, group: str | None, cycle_id: int | None) -> None:
    """Stäng den öppna cykeln nu."""

    async def work(db: Database):  # type: ignore[no-untyped-def]
        found = await find_group(db, ctx.organisation, group)
        # As at the deadline: the coordinator's summary with it; the digest follows with the scheduler.
        closed = await close_cycle(db, found, now=ctx.now(), tz=ctx.settings.tz, cycle_id=cycle_id)
        return found.name, closed.cycle

    name, cycle = ctx.run(work)
    click.echo("Cykeln är stängd:")
    click.echo(cycle_line(name, cycle, ctx.settings.tz))
    click.echo("Samordnarens sammanfattning ligger i kön; sammanställningen byggs av schemaläggaren.")
