"""`lagesbild db upgrade|current`."""

from __future__ import annotations

import click

from lagesbild.cli.context import CliContext, CliError, pass_cli
from storage.database import backend_name
from storage.migrate import current_revision, head_revision, upgrade


@click.group("db")
def command() -> None:
    """Databasen: skapa och uppgradera schemat."""


@command.command("upgrade")
@pass_cli
def upgrade_command(ctx: CliContext) -> None:
    """Skapa eller uppgradera databasens schema (samma som 'alembic upgrade head')."""
    url = ctx.settings.database
    try:
        upgrade(url)
    except Exception as exc:
        raise CliError(f"Uppgraderingen misslyckades: {exc.__class__.__name__}: {exc}") from None
    click.echo(f"Databasen ({backend_name(url)}) är uppgraderad till version {current_revision(url)}.")


@command.command("current")
@pass_cli
def current_command(ctx: CliContext) -> None:
    """Visa databasens schemaversion."""
    url = ctx.settings.database
    current, head = current_revision(url), head_revision()
    state = "aktuell" if current == head else f"behöver uppgraderas till {head}"
    click.echo(f"{backend_name(url)}: version {current or 'ingen'} ({state})")
