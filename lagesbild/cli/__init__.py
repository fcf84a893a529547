"""The `lagesbild` command line: thin click commands over `lagesbild.operations`.

Settings are read once, on first use (`CliContext.settings`). Errors meant for a person
(`OperationError`, bad settings, a database that is not upgraded) print one Swedish
message and exit non-zero; nothing else is caught, so a real bug still shows its stack
trace to the operator.

Start-up is kept short: a command's module is imported only when it runs, the listing in
`lagesbild --help` comes from `COMMANDS` without importing any, and the database,
settings and mailbox libraries are imported by the commands that use them, so
`lagesbild --help` and `parse-email` load no aiohttp, SQLAlchemy, Alembic, botbuilder,
IMAPClient, msal or pydantic (tests/lagesbild/test_cli_startup.py holds them to it).
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from lagesbild.cli.context import CliContext


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs (click's documented pattern for
    lazily loaded subcommands), so `lagesbild cycle list` does not load botbuilder. The
    command list in the help is written from the short help given with each entry."""

    def __init__(self, *args: object, lazy: dict[str, tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module_name, attribute = self.lazy[name][0].split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            self.add_command(command, name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            command = self.commands.get(name)
            if command is None:  # not imported: its help as listed here, shortened the way click does
                rows.append((name, click.Command(name, help=self.lazy[name][1]).get_short_help_str(limit)))
            elif not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


COMMANDS = {
    "db": ("lagesbild.cli.db:command", "Databasen: skapa och uppgradera schemat."),
    "group": ("lagesbild.cli.groups:command", "Rapporteringsgrupper, till exempel EST och FAS."),
    "members": ("lagesbild.cli.members:command", "Medlemmar: rapportörer, samordnare, Brå."),
    "cycle": ("lagesbild.cli.cycles:command", "Rapporteringscykler: planera, öppna, stänga, lista."),
    "jobs": ("lagesbild.cli.scheduler:command", "Schemalagt arbete: cykler, påminnelser och sammanställningar i tid; jobs run kör även utskicken."),
    "serve": ("lagesbild.cli.serve:command", "Starta boten: POST /api/messages, GET /healthz, GET /metrics."),
    "demo": ("lagesbild.cli.demo:command", "Starta demon: demokommun, bot och Agents Playground som Teams."),
    "outbox": ("lagesbild.cli.outbox:command", "Utkorgen: meddelanden som skickas i Teams och med e-post."),
    "parse-email": ("lagesbild.cli.intake:parse_email_command", "Tolka ett mejl (.eml) utan att spara något."),
    "intake": ("lagesbild.cli.intake:intake_group", "Mejl in: läs svar från filer eller brevlådan, karantän."),
    "digest": ("lagesbild.cli.digest:digest_command",
               "Sammanställningen av en cykel: per fråga, trender, återkommande, förslag till bedömning."),
    "assessment": ("lagesbild.cli.digest:assessment_command",
                   "Gruppens sammanställda bedömning per fråga (grönt, gult, rött)."),
    "export": ("lagesbild.cli.digest:export_command",
               "Månadens sammanställning i länets mall (Bilaga 2) för länsstyrelsen."),
    "places": ("lagesbild.cli.digest:places_command", "Kommunens platser (hittas i rapporterna)."),
    "reports": ("lagesbild.cli.digest:reports_command", "Rapporter: import av tidigare rapporter."),
    "decision": ("lagesbild.cli.bra:decision_command", "Beslut i lokala Brå: fatta, lista, följ upp."),
    "priority": ("lagesbild.cli.bra:priority_command",
                 "Vad lokala Brå prioriterar just nu (visas på rapportkorten och i sammanställningen)."),
    "promise": ("lagesbild.cli.bra:promise_command", "Medborgarlöften: lägg in, följ upp, exportera."),
    "bra": ("lagesbild.cli.bra:bra_command", "Lokala Brå: dagordning, återkoppling och påminnelser."),
    "compare": ("lagesbild.cli.bra:compare_command",
                "Jämför kommuner över tid: bara sammanräknade uppgifter, aldrig fritext."),
}  # fmt: skip
"""Each command: where it is (module:attribute) and its short help (its docstring's first
line; tests/lagesbild/test_cli_startup.py checks they agree)."""


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--org", "organisation", default=None, help="Kommunen (organisationen) kommandot gäller.")
@click.option("-v", "--verbose", is_flag=True, help="Visa loggrader.")
@click.pass_context
def cli(ctx: click.Context, organisation: str | None, verbose: bool) -> None:
    """Lägesbild: lägesrapporter för det brottsförebyggande arbetet."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,  # the configured level once settings are read
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not verbose:
        for noisy in ("alembic", "apscheduler", "aiohttp.access"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    ctx.obj = CliContext(organisation=organisation, verbose=verbose)


def main() -> None:
    cli(prog_name="lagesbild")
