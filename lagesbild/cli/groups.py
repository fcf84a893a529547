"""`lagesbild group create|list`."""

from __future__ import annotations

import datetime as dt

import click

from lagesbild.cli.context import CliContext, pass_cli
from lagesbild.cli.display import group_line
from lagesbild.operations.errors import InputError
from lagesbild.operations.groups import (
    ScheduleChanges,
    create_group,
    list_groups,
    parse_reminders,
    parse_time,
    parse_weekday,
)
from lagesbild.operations.scope import organisation_named
from reporting.model import ReportingGroup
from reporting.questionnaire import PRESET_NAMES
from storage.database import Database


def _weekday(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
    try:
        return None if value is None else parse_weekday(value)
    except InputError as exc:
        raise click.BadParameter(str(exc)) from None


def _reminders(value: str) -> tuple[int, ...]:
    try:
        return parse_reminders(value)
    except InputError as exc:
        raise click.BadParameter(str(exc)) from None


def _time(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.time | None:
    try:
        return None if value is None else parse_time(value)
    except InputError as exc:
        raise click.BadParameter(str(exc)) from None


@click.group("group")
def command() -> None:
    """Rapporteringsgrupper, till exempel EST och FAS."""


@command.command("create")
@click.option("--preset", type=click.Choice(PRESET_NAMES), required=True, help="Mallen gruppen använder.")
@click.option("--name", required=True, help="Gruppens namn, t.ex. EST.")
@click.option("--every", "cadence_weeks", type=click.IntRange(1, 8), help="Möte var N:e vecka.")
@click.option("--meeting-day", "meeting_weekday", callback=_weekday, help="Mötesdag, t.ex. tor.")
@click.option("--meeting-time", "meeting_time", callback=_time, help="Mötestid, t.ex. 09:00.")
@click.option(
    "--deadline-day", "deadline_weekday", callback=_weekday, help="Sista dag att rapportera, t.ex. ons."
)
@click.option("--deadline-time", callback=_time)
@click.option("--open-day", "open_weekday", callback=_weekday, help="Dag då frågorna skickas ut.")
@click.option("--open-time", callback=_time)
@click.option("--reminders", "reminder_hours", callback=lambda _c, _p, v: None if v is None else _reminders(v),
              help="Påminnelser, timmar före sista dag (standard 24,2; 0 = inga).")  # fmt: skip
@click.option("--first-meeting", type=click.DateTime(["%Y-%m-%d"]), help="Första mötet (ÅÅÅÅ-MM-DD).")
@click.option("--channel", "teams_channel_id", help="Teams-kanalens id som gruppen postar i.")
@pass_cli
def create_command(
    ctx: CliContext,
    preset: str,
    name: str,
    first_meeting: dt.datetime | None,
    teams_channel_id: str | None,
    **schedule: object,
) -> None:
    """Skapa en grupp från en mall."""
    changes = ScheduleChanges(**schedule)  # type: ignore[arg-type]
    group, questionnaire = ctx.run(
        lambda db: create_group(
            db,
            organisation=ctx.organisation,
            name=name,
            preset=preset,
            today=ctx.today(),
            tz=ctx.settings.tz,
            changes=changes,
            first_meeting=first_meeting.date() if first_meeting else None,
            teams_channel_id=teams_channel_id,
        )
    )
    click.echo(
        f"Gruppen {group.name} är skapad för {ctx.organisation} med mallen ”{questionnaire.title.sv}”."
    )
    click.echo(group_line(group))


@command.command("list")
@pass_cli
def list_command(ctx: CliContext) -> None:
    """Visa kommunens grupper."""

    async def work(db: Database) -> list[ReportingGroup]:
        await organisation_named(db, ctx.organisation)  # an unknown name is refused, not listed empty
        return await list_groups(db, ctx.organisation)

    groups = ctx.run(work)
    if not groups:
        click.echo("Inga grupper ännu.")
    for group in groups:
        click.echo(group_line(group))
