"""`lagesbild serve`: the Teams endpoint, the scheduler and the outbox in one process."""

from __future__ import annotations

import logging

import click
from aiohttp import web

from lagesbild.cli.context import CliContext, CliError, pass_cli

log = logging.getLogger(__name__)


@click.command("serve")
@click.option(
    "--dev",
    is_flag=True,
    help="Utvecklingsläge: lyssnar bara på 127.0.0.1; utan MicrosoftAppId även utan Microsoft-inloggning.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=3978, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-jobs", is_flag=True, help="Starta inte schemaläggaren (kör den i en annan process).")
@pass_cli
def command(ctx: CliContext, dev: bool, host: str, port: int, no_jobs: bool) -> None:
    """Starta boten: POST /api/messages, GET /healthz, GET /metrics."""
    settings = ctx.settings
    if settings.fake_now is not None and not dev:
        raise CliError(
            "Boten startar inte: LAGESBILD_NOW är satt (en låtsad klocka för tester och demo). Ta bort den ur "
            "miljön eller .env, eller starta med --dev."
        )
    if not settings.has_app_credentials and not dev:
        raise CliError(
            "Boten startar inte: MicrosoftAppId och MicrosoftAppPassword saknas, så anrop från Teams kan inte "
            "autentiseras. Sätt dem i miljön eller .env, eller starta med --dev för lokal utveckling."
        )
    if dev:  # whatever else is set: --dev is for this machine only
        if host != "127.0.0.1":
            log.warning("utvecklingsläge: lyssnar bara på 127.0.0.1, inte %s", host)
        host = "127.0.0.1"
        if settings.has_app_credentials:
            click.echo(
                "Utvecklingsläge: lyssnar endast på 127.0.0.1 (autentisering och tenantfilter är på).",
                err=True,
            )
        else:
            click.echo("Utvecklingsläge: autentisering är AV. Lyssnar endast på 127.0.0.1.", err=True)
    ctx.check_database()
    from bot.app import create_app

    if settings.fake_now is not None:
        click.echo(f"Klockan är låtsad (LAGESBILD_NOW): den startar vid {settings.fake_now.isoformat()}.", err=True)
    app = create_app(settings, dev=dev, start_jobs=not no_jobs, clock=ctx.clock)
    click.echo(f"Lägesbild lyssnar på http://{host}:{port}/api/messages")
    web.run_app(app, host=host, port=port, print=None, handle_signals=True)
