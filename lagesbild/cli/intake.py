"""`lagesbild parse-email` and `lagesbild intake ingest|poll|quarantine`: thin wrappers over
`intake.parse`, `intake.pipeline` and the mailbox poller (`intake.config`).

`parse-email` reads nothing but the file: no database, no settings. So that it starts
quickly, this module imports only the parse path; the pipeline, the database and the
mailbox clients are imported inside the commands that use them.

`intake ingest` goes on to the next file whatever becomes of one (the pipeline keeps a
mail it fails on as `failed`); a file that could not be processed at all is named, and
the command then exits non-zero.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import click

from intake.parse import parse_email
from intake.receipts import answer_lines, warning_lines
from lagesbild.cli.context import CliContext, CliError, pass_cli
from reporting.questionnaire import PRESET_NAMES, load_preset

if TYPE_CHECKING:
    from intake.outcome import IngestResult
    from storage.database import Database

log = logging.getLogger(__name__)

STATUS_TEXT = {
    "stored": "sparad",
    "closed": "perioden är stängd, inget sparat",
    "quarantined": "i karantän (okänd avsändare)",
    "ignored": "ignorerad",
    "rejected": "inte sparad",
    "failed": "sparad som den kom",
    "duplicate": "redan behandlad",
    "busy": "behandlas just nu av en annan process",
}
KIND_TEXT = {"report": "rapport", "auto_reply": "autosvar", "bounce": "studsat mejl",
             "unknown_sender": "okänd avsändare"}  # fmt: skip


def _describe(result: IngestResult) -> str:
    parts = [STATUS_TEXT.get(result.status, result.status)]
    if result.kind:
        parts.append(KIND_TEXT.get(result.kind, result.kind))
    if result.cycle_id is not None:
        parts.append(f"period {result.cycle_id}")
    unknown_sender = result.status == "quarantined" and result.reason.startswith("okänd avsändare")
    if result.status == "quarantined" and not unknown_sender:
        parts[0] = "i karantän"  # for another reason, given below
    if result.reason and not unknown_sender:
        parts.append(result.reason)
    if result.receipt:
        parts.append("svar köat")
    where = f" (id {result.inbound_id})" if result.inbound_id is not None else ""
    return ", ".join(parts) + where


@click.command("parse-email")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Skriv den tolkade rapporten som JSON.")
@click.option("--preset", type=click.Choice(sorted(PRESET_NAMES)), default="est-fagersta", show_default=True,
              help="Frågemallen svaret tolkas mot.")  # fmt: skip
def parse_email_command(file: Path, as_json: bool, preset: str) -> None:
    """Tolka ett mejl (.eml) utan att spara något."""
    questionnaire = load_preset(preset)
    result = parse_email(file.read_bytes(), questionnaire)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(f"Från: {result['reporter'] or '(okänd)'}")
    click.echo(f"Typ: {KIND_TEXT.get(result['kind'], result['kind'])}"
               + (f" ({result['kind_reason']})" if result["kind_reason"] else ""))  # fmt: skip
    click.echo(f"Period: {result['cycle'] if result['cycle'] is not None else '(ingen token)'}")
    lines = answer_lines(questionnaire, result["answers"])
    click.echo("\n".join(["", *lines]) if lines else "\nInga svar hittades.")
    warnings = warning_lines(questionnaire, result["warnings"])
    if warnings:
        click.echo("\nObservera:\n" + "\n".join(f"- {w}" for w in warnings))
    for problem in result["problems"]:
        click.echo(f"Avkodning: {problem['code']} {problem['detail']}".rstrip(), err=True)


@click.group("intake")
def intake_group() -> None:
    """Mejl in: läs svar från filer eller brevlådan, karantän."""


@intake_group.command("ingest")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@pass_cli
def ingest_command(ctx: CliContext, files: tuple[Path, ...]) -> None:
    """Behandla mejl från filer (.eml) som om de kommit till brevlådan."""
    from intake.pipeline import ingest

    settings = ctx.settings

    async def work(db: Database) -> int:
        failures = 0
        for path in files:
            try:
                result = await ingest(db, path.read_bytes(), source="file", mailbox_ref=str(path)[:500], now=ctx.now(),
                                      tz=settings.tz, organisation=ctx.organisation,
                                      keep_attachments=settings.mail_keep_attachments)  # fmt: skip
            except Exception as exc:  # the database is away, or the file cannot be read: the next file
                log.exception("%s could not be processed", path)
                click.echo(f"{path.name}: kunde inte behandlas ({type(exc).__name__}); mejlet finns kvar i filen, "
                           "se loggen")  # fmt: skip
                failures += 1
                continue
            click.echo(f"{path.name}: {_describe(result)}")
        return failures

    failures = ctx.run(work)
    if failures:
        raise CliError(f"{failures} av {len(files)} filer kunde inte behandlas; se loggen.")


@intake_group.command("poll")
@click.option("--once", is_flag=True, help="Läs brevlådan en gång och avsluta.")
@pass_cli
def poll_command(ctx: CliContext, once: bool) -> None:
    """Läs nya mejl i brevlådan (IMAP eller Microsoft Graph enligt inställningarna)."""
    import asyncio

    from intake import config as mail_config
    from lagesbild.settings import SettingsError

    settings = ctx.settings
    if settings.mail_receive == "none":
        raise CliError("Ingen brevlåda är inställd: sätt LAGESBILD_MAIL_RECEIVE=imap eller graph.")

    async def work(db: Database) -> str:
        try:
            poller = mail_config.poller(db, settings)
        except SettingsError as exc:
            raise CliError(str(exc)) from None
        assert poller is not None
        try:
            if not once:
                await poller.start()
                click.echo("Läser brevlådan; avsluta med Ctrl-C.")
                await asyncio.Event().wait()
            summary = await poller.poll_once()
        finally:
            await poller.stop()
        counts = {s: summary.count(s) for s in STATUS_TEXT if summary.count(s)}
        detail = ", ".join(f"{n} {STATUS_TEXT[s]}" for s, n in counts.items())
        return f"{summary.fetched} mejl lästa, {summary.acknowledged} flyttade till {settings.mail_processed_folder}" + (
            f": {detail}" if detail else "") + (f". {summary.errors} fel, se loggen." if summary.errors else ".")  # fmt: skip

    try:
        click.echo(ctx.run(work))
    except KeyboardInterrupt:
        click.echo("Avslutat.")


@intake_group.group("quarantine")
def quarantine_group() -> None:
    """Mejl från okända avsändare."""


@quarantine_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_cli
def quarantine_list(ctx: CliContext, as_json: bool) -> None:
    """Visa kommunens mejl i karantän."""
    from lagesbild.operations.scope import organisation_named, quarantined

    async def work(db: Database) -> list[dict[str, object]]:
        records = await quarantined(db, await organisation_named(db, ctx.organisation))
        return [{"id": r.id, "from": r.sender, "subject": r.subject, "received_at": r.received_at.isoformat(),
                 "reason": r.reason, "size": r.size} for r in records]  # fmt: skip

    rows = ctx.run(work)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Karantänen är tom.")
    tz = ctx.settings.tz
    for row in rows:
        from datetime import datetime

        when = datetime.fromisoformat(str(row["received_at"])).astimezone(tz).strftime("%Y-%m-%d %H.%M")
        click.echo(f"{row['id']}  {when}  {row['from'] or '(ingen avsändare)'}  ”{row['subject']}”")


@quarantine_group.command("release")
@click.argument("inbound_id", type=int, metavar="ID")
@pass_cli
def quarantine_release(ctx: CliContext, inbound_id: int) -> None:
    """Behandla ett mejl i karantän som avsändarens svar (när hen lagts till som medlem).

    Svaret räknas till perioden då mejlet kom (eller den period det nämner); är den stängd
    ligger mejlet kvar i karantän."""
    from intake.pipeline import release

    result = ctx.run(lambda db: release(db, inbound_id, now=ctx.now(), tz=ctx.settings.tz,
                                        organisation=ctx.organisation))  # fmt: skip
    click.echo(f"Mejl {inbound_id}: {_describe(result)}")
