"""The `lagesbild` command line: thin click commands over `lagesbild.operations`.

Settings are read once here. Errors meant for a person (`OperationError`, bad settings,
a database that is not upgraded) print one Swedish message and exit non-zero; nothing
else is caught, so a real bug still shows its stack trace to the operator.
"""

from __future__ import annotations

import logging
import sys

import click

from lagesbild.cli.context import CliContext, CliError
from lagesbild.settings import SettingsError, load_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--org", "organisation", default=None, help="Kommunen (organisationen) kommandot gäller.")
@click.option("-v", "--verbose", is_flag=True, help="Visa loggrader.")
@click.pass_context
def cli(ctx: click.Context, organisation: str | None, verbose: bool) -> None:
    """Lägesbild: lägesrapporter för det brottsförebyggande arbetet."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    logging.basicConfig(
        level=logging.DEBUG if verbose else getattr(logging, settings.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not verbose:
        for noisy in ("alembic", "apscheduler", "aiohttp.access"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    ctx.obj = CliContext(settings=settings, organisation=organisation or settings.organisation)


def _register() -> None:
    from lagesbild.cli import cycles, db, demo, groups, members, outbox, scheduler, serve

    for module in (db, groups, members, cycles, scheduler, serve, outbox, demo):
        cli.add_command(module.command)


_register()


def main() -> None:
    cli(prog_name="lagesbild")
