"""`lagesbild members import|list|away|back`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from lagesbild.cli.context import CliContext, pass_cli
from lagesbild.cli.display import member_json, member_line
from lagesbild.operations.members import import_members, list_members, set_away
from lagesbild.operations.scope import organisation_named
from reporting.formatting import format_day
from reporting.model import Member
from storage.database import Database


@click.group("members")
def command() -> None:
    """Medlemmar: rapportörer, samordnare, Brå."""


@command.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--group", help="Gruppen medlemmarna ska höra till (standard: kommunens enda grupp).")
@click.option("--skip-bad", is_flag=True, help="Importera de giltiga raderna och hoppa över felaktiga.")
@pass_cli
def import_command(ctx: CliContext, file: Path, group: str | None, skip_bad: bool) -> None:
    """Importera medlemmar från en CSV-fil (name,email,agency,roles,channel)."""
    try:
        text = file.read_text("utf-8")
    except UnicodeDecodeError:
        text = file.read_text("cp1252")  # Excel on Windows saves CSV in Windows-1252
    report = ctx.run(
        lambda db: import_members(
            db, organisation=ctx.organisation, csv_text=text, group=group, skip_bad=skip_bad
        )
    )
    for error in report.skipped:
        click.echo(f"Hoppade över {error}", err=True)
    where = f" i gruppen {report.group}" if report.group else ""
    click.echo(
        f"{report.created} nya, {report.updated} ändrade, {report.unchanged} oförändrade medlemmar{where}."
    )


@command.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_cli
def list_command(ctx: CliContext, as_json: bool) -> None:
    """Visa kommunens medlemmar."""

    async def work(db: Database) -> list[Member]:
        await organisation_named(db, ctx.organisation)  # an unknown name is refused, not listed empty
        return await list_members(db, ctx.organisation)

    members = ctx.run(work)
    if as_json:
        click.echo(json.dumps([member_json(m) for m in members], ensure_ascii=False, indent=2))
        return
    if not members:
        click.echo("Inga medlemmar ännu.")
    for member in members:
        click.echo(member_line(member))


@command.command("away")
@click.argument("email")
@click.option(
    "--until", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Sista frånvarodag (ÅÅÅÅ-MM-DD)."
)
@pass_cli
def away_command(ctx: CliContext, email: str, until: dt.datetime) -> None:
    """Markera en medlem som frånvarande: inga utskick t.o.m. datumet."""
    member = ctx.run(
        lambda db: set_away(
            db, organisation=ctx.organisation, email=email, until=until.date(), today=ctx.today()
        )
    )
    assert member.away_until is not None
    click.echo(f"{member.name} är frånvarande t.o.m. {format_day(member.away_until)}.")


@command.command("back")
@click.argument("email")
@pass_cli
def back_command(ctx: CliContext, email: str) -> None:
    """Markera en medlem som tillbaka."""
    member = ctx.run(
        lambda db: set_away(db, organisation=ctx.organisation, email=email, until=None, today=ctx.today())
    )
    click.echo(f"{member.name} är tillbaka och får utskick igen.")
