"""The `lagesbild` command line: thin click commands over `lagesbild.operations`.

Settings are read once here. Errors meant for a person (`OperationError`, bad settings,
a database that is not upgraded) print one Swedish message and exit non-zero; nothing
else is caught, so a real bug still shows its stack trace to the operator.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from lagesbild.cli.context import CliContext, CliError
from lagesbild.settings import SettingsError, load_settings


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs (click's documented pattern for
    lazily loaded subcommands), so `lagesbild cycle list` does not load botbuilder."""

    def __init__(self, *args: object, lazy: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module_name, attribute = self.lazy[name].split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            self.add_command(command, name)
        return super().get_command(ctx, name)


COMMANDS = {
    "db": "lagesbild.cli.db:command",
    "group": "lagesbild.cli.groups:command",
    "members": "lagesbild.cli.members:command",
    "cycle": "lagesbild.cli.cycles:command",
    "jobs": "lagesbild.cli.scheduler:command",
    "serve": "lagesbild.cli.serve:command",
    "demo": "lagesbild.cli.demo:command",
    "outbox": "lagesbild.cli.outbox:command",
    "parse-email": "lagesbild.cli.intake:parse_email_command",
    "intake": "lagesbild.cli.intake:intake_group",
    "digest": "lagesbild.cli.digest:digest_command",
    "assessment": "lagesbild.cli.digest:assessment_command",
    "export": "lagesbild.cli.digest:export_command",
    "places": "lagesbild.cli.digest:places_command",
    "reports": "lagesbild.cli.digest:reports_command",
    "decision": "lagesbild.cli.bra:decision_command",
    "priority": "lagesbild.cli.bra:priority_command",
    "promise": "lagesbild.cli.bra:promise_command",
    "bra": "lagesbild.cli.bra:bra_command",
    "compare": "lagesbild.cli.bra:compare_command",
}


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
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


def main() -> None:
    cli(prog_name="lagesbild")
