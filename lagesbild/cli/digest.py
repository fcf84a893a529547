"""`lagesbild digest`, `assessment`, `export`, `places` and `reports`: thin click commands
over `lagesbild.operations.digest/assessment/export/places/history`.

Register with the root group: `for c in COMMANDS: cli.add_command(c)`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from lagesbild.cli.context import CliContext, CliError, pass_cli
from lagesbild.exports import DIGEST_FORMATS, ExportFile, render_digest_data
from lagesbild.operations.assessment import AssessmentOutcome, escalate, set_assessment
from lagesbild.operations.digest import build, digest_for_cycle, latest_closed_cycle
from lagesbild.operations.export import export_month
from lagesbild.operations.groups import find_group
from lagesbild.operations.history import import_reports
from lagesbild.operations.places import import_places, list_places
from lagesbild.operations.scope import organisation_named
from reporting.digest.month import parse_month, previous_month
from reporting.digest.records import Escalation
from reporting.formatting import format_period
from storage.database import Database

group_option = click.option("--group", help="Gruppen (standard: kommunens enda grupp).")
LEVEL_WORDS = {"green": "grönt", "yellow": "gult", "red": "rött"}


def _read_text(path: Path) -> str:
    try:
        return path.read_text("utf-8-sig")
    except UnicodeDecodeError:
        return path.read_text("cp1252")


def _write(file: ExportFile, out: Path | None, *, binary_needs_file: bool) -> None:
    if out is not None:
        out.write_bytes(file.content)
        click.echo(f"Skrev {out} ({len(file.content):,} byte).".replace(",", " "), err=True)
    elif binary_needs_file:
        raise CliError(f"Ange --out FIL för det formatet (t.ex. --out {file.filename}).")
    else:
        sys.stdout.buffer.write(file.content)
        sys.stdout.flush()


@click.command("digest")
@click.option("--latest", is_flag=True, help="Gruppens senast stängda cykel.")
@click.option("--cycle", "cycle_id", type=int, help="Cykelns id (från cycle list).")
@click.option(
    "--format", "fmt", type=click.Choice(DIGEST_FORMATS), default="md", show_default=True, help="Format."
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Skriv till fil.")
@click.option("--rebuild", is_flag=True, help="Bygg om sammanställningen (en ny version sparas).")
@click.option("--preview", is_flag=True, help="Förhandstitt för en öppen cykel (sparas inte).")
@group_option
@pass_cli
def digest_command(
    ctx: CliContext,
    latest: bool,
    cycle_id: int | None,
    fmt: str,
    out: Path | None,
    rebuild: bool,
    preview: bool,
    group: str | None,
) -> None:
    """Sammanställningen av en cykel: per fråga, trender, återkommande, förslag till bedömning."""
    if latest == (cycle_id is not None):
        raise CliError("Ange antingen --latest eller --cycle ID.")
    locale = ctx.settings.locale

    async def work(db: Database) -> ExportFile:
        organisation = await organisation_named(db, ctx.organisation)
        chosen = cycle_id
        if latest:
            found = await find_group(db, ctx.organisation, group)
            chosen = (await latest_closed_cycle(db, found)).id
        assert chosen is not None
        if preview:
            built, questionnaire = await build(db, chosen, locale=locale, organisation_id=organisation.id,
                                               now=ctx.now())  # fmt: skip
            return render_digest_data(
                built.data,
                questionnaire,
                fmt,
                organisation=organisation.name,
                series=built.series,
                locale=locale,
            )
        bundle = await digest_for_cycle(
            db, chosen, now=ctx.now(), rebuild=rebuild, locale=locale, organisation_id=organisation.id
        )
        return render_digest_data(
            bundle.compiled(locale),
            bundle.questionnaire,
            fmt,
            organisation=bundle.organisation,
            series=bundle.digest.series,
            locale=locale,
        )

    _write(ctx.run(work), out, binary_needs_file=fmt == "docx")


@click.group("assessment")
def assessment_command() -> None:
    """Gruppens sammanställda bedömning per fråga (grönt, gult, rött)."""


@assessment_command.command("set")
@click.option("--cycle", "cycle_id", type=int, required=True, help="Cykelns id.")
@click.option("--question", required=True, help="Frågans nummer (1–6).")
@click.option("--level", type=click.Choice(["green", "yellow", "red"], case_sensitive=False), required=True)
@click.option("--comment", help="Kommentar/åtgärd.")
@pass_cli
def assessment_set_command(
    ctx: CliContext, cycle_id: int, question: str, level: str, comment: str | None
) -> None:
    """Sätt den sammanställda bedömningen; rött lyfts till lokala Brå."""

    async def work(db: Database) -> AssessmentOutcome:
        organisation = await organisation_named(db, ctx.organisation)
        return await set_assessment(
            db,
            cycle_id=cycle_id,
            question=question,
            level=level.lower(),
            comment=comment,
            now=ctx.now(),
            locale=ctx.settings.locale,
            organisation_id=organisation.id,
        )

    outcome = ctx.run(work)
    a = outcome.assessment
    period = format_period(outcome.cycle.period_from, outcome.cycle.period_to)
    click.echo(
        f"Fråga {a.question} i cykel {a.cycle_id} ({outcome.group.name}, {period}): {LEVEL_WORDS[a.level]}."
    )
    if outcome.escalation is not None:
        click.echo("Frågan lyfts till lokala Brå.")
    elif a.escalated:
        click.echo("Frågan är redan lyft till lokala Brå.")


@assessment_command.command("escalate")
@click.option("--cycle", "cycle_id", type=int, required=True, help="Cykelns id.")
@click.option("--question", required=True, help="Frågans nummer.")
@pass_cli
def assessment_escalate_command(ctx: CliContext, cycle_id: int, question: str) -> None:
    """Lyft en gul (eller röd) fråga till lokala Brå."""

    async def work(db: Database) -> Escalation | None:
        organisation = await organisation_named(db, ctx.organisation)
        return await escalate(
            db, cycle_id=cycle_id, question=question, now=ctx.now(), organisation_id=organisation.id
        )

    escalation = ctx.run(work)
    click.echo("Frågan lyfts till lokala Brå." if escalation else "Frågan är redan lyft till lokala Brå.")


@click.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["docx", "csv", "json"]), default="docx", show_default=True
)
@click.option("--month", help="Månaden, ÅÅÅÅ-MM (standard: förra månaden).")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Fil (standard: i arbetskatalogen)."
)
@group_option
@pass_cli
def export_command(ctx: CliContext, fmt: str, month: str | None, out: Path | None, group: str | None) -> None:
    """Månadens sammanställning i länets mall (Bilaga 2) för länsstyrelsen."""
    try:
        year, number = parse_month(month) if month else previous_month(ctx.today())
    except ValueError:
        raise CliError(f"Ogiltig månad: {month!r} (skriv t.ex. 2026-11)") from None

    async def work(db: Database):  # type: ignore[no-untyped-def]
        found = await find_group(db, ctx.organisation, group)
        return await export_month(
            db, found, year=year, month=number, fmt=fmt, now=ctx.now(), locale=ctx.settings.locale
        )

    result = ctx.run(work)
    for cycle in result.skipped:
        click.echo(
            f"Cykel {cycle.id} ({format_period(cycle.period_from, cycle.period_to)}) är inte stängd och är inte med.",
            err=True,
        )
    if out is None and fmt == "docx":
        out = Path(result.file.filename)
    _write(result.file, out, binary_needs_file=False)


@click.group("places")
def places_command() -> None:
    """Kommunens platser (hittas i rapporterna)."""


@places_command.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Ta bort platser som inte finns i filen.")
@pass_cli
def places_import_command(ctx: CliContext, file: Path, replace: bool) -> None:
    """Importera platsnamn, ett per rad."""
    result = ctx.run(
        lambda db: import_places(db, organisation=ctx.organisation, text=_read_text(file), replace=replace)
    )
    removed = f", {result.removed} borttagna" if replace else ""
    click.echo(f"{result.added} nya platser, {result.kept} fanns redan{removed}.")


@places_command.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_cli
def places_list_command(ctx: CliContext, as_json: bool) -> None:
    """Visa kommunens platser."""

    async def work(db: Database) -> list[str]:
        await organisation_named(db, ctx.organisation)  # an unknown name is refused, not listed empty
        return await list_places(db, ctx.organisation)

    names = ctx.run(work)
    if as_json:
        click.echo(json.dumps(names, ensure_ascii=False))
        return
    if not names:
        click.echo("Inga platser ännu. Importera med: lagesbild places import FIL.txt")
    for name in names:
        click.echo(name)


@click.group("reports")
def reports_command() -> None:
    """Rapporter: import av tidigare rapporter."""


@reports_command.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@group_option
@pass_cli
def reports_import_command(ctx: CliContext, file: Path, group: str | None) -> None:
    """Importera tidigare rapporter (en JSON-rapport per rad med "period")."""
    try:
        text = _read_text(file)
    except OSError as exc:
        raise CliError(f"Filen kan inte läsas: {exc}") from None
    result = ctx.run(
        lambda db: import_reports(
            db,
            organisation=ctx.organisation,
            text=text,
            today=ctx.today(),
            tz=ctx.settings.tz,
            now=ctx.now(),
            group=group,
        )
    )
    click.echo(
        f"{result.reports} rapporter importerade i {result.cycles} cykler "
        f"({result.created_cycles} nya) för {', '.join(result.groups)}."
    )


COMMANDS = (digest_command, assessment_command, export_command, places_command, reports_command)
