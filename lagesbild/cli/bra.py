"""`lagesbild decision|priority|promise|bra|compare`: thin click commands over the Brå
operations (`lagesbild.operations.decisions`, `.priorities`, `.promises`, `.agenda`,
`.compare`).

The command line is the administrator's: no role is checked unless `--by EMAIL` names the
member acting (then the roles apply as in Teams). Everything is scoped to the
organisation of `lagesbild --org` (or LAGESBILD_ORGANISATION): an id of another
municipality is refused (`lagesbild.operations.scope`). `compare` reads only aggregates:
of `--org`'s municipality, or of the municipalities named with its own `--org`.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from lagesbild.cli.context import CliContext, CliError, pass_cli
from reporting.formatting import format_day
from reporting.model import Member, Organisation
from storage.database import Database

KIND_CHOICES = ("atgard", "orsaksanalys", "information")
STATUS_CHOICES = ("pagar", "pågår", "klar", "avbruten")
STATUS_WORDS = {"beslutad": "beslutad", "pagar": "pågår", "klar": "klar", "avbruten": "avbruten"}


def _date(value: str | None, what: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CliError(f"Ogiltigt datum för {what}: {value!r} (skriv ÅÅÅÅ-MM-DD)") from None


def _write(name: str, content: bytes, out: Path | None, *, binary: bool) -> None:
    if out is not None:
        out.write_bytes(content)
        click.echo(f"Skrev {out} ({len(content):,} byte).".replace(",", " "), err=True)
    elif binary:
        raise CliError(f"Ange --out FIL för det formatet (t.ex. --out {name}).")
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()


async def _organisation(db: Database, name: str) -> Organisation:
    from lagesbild.operations.scope import organisation_named

    return await organisation_named(db, name)


async def _member(db: Database, organisation: Organisation, email: str | None) -> Member | None:
    if email is None:
        return None
    from lagesbild.operations.errors import InputError
    from storage.errors import NotFound
    from storage.repositories import MemberRepository

    async with db.session(readonly=True) as s:
        try:
            return await MemberRepository(s).by_email(organisation.id, email)
        except NotFound:
            raise InputError(f"Ingen medlem i {organisation.name} har e-postadressen {email}.") from None


by_option = click.option(
    "--by", "by_email", metavar="EMAIL", help="Medlemmen som gör det (rollerna kontrolleras)."
)


# --- decision ---------------------------------------------------------------------------------


@click.group("decision")
def decision_command() -> None:
    """Beslut i lokala Brå: fatta, lista, följ upp."""


def _reporters(n: int) -> str:
    return "1 rapportör" if n == 1 else f"{n} rapportörer"


def _decision_line(decision: Any, today: dt.date) -> str:
    from reporting.bra import wording

    due = format_day(decision.due) if decision.due else "inget datum"
    late = " (försenat)" if decision.is_overdue(today) else ""
    return (
        f"{decision.id:>4}  {STATUS_WORDS[decision.status.value]:<9} {decision.meeting_date.isoformat()}  "
        f"{decision.title}  · ansvarig: {wording.owner_text(decision)} · senast {due}{late}"
    )


@decision_command.command("add")
@click.option("--cycle", "cycle_id", type=int, help="Cykeln beslutet bygger på (från cycle list).")
@click.option("--question", help="Frågan beslutet bygger på (1–6).")
@click.option("--title", required=True, help="Beslutet i en mening.")
@click.option("--text", default="", help="Vad som beslutades, mer utförligt.")
@click.option("--kind", type=click.Choice(KIND_CHOICES), default="atgard", show_default=True)
@click.option("--owner", metavar="EMAIL|VERKSAMHET", help="Ansvarig: en medlems e-post eller en verksamhet.")
@click.option("--due", metavar="ÅÅÅÅ-MM-DD", help="Klart senast.")
@click.option("--meeting", metavar="ÅÅÅÅ-MM-DD", help="Brå-mötets datum (standard: i dag).")
@click.option("--answer", "answers", multiple=True, type=int, metavar="ID",
              help="Bara de här svaren (upprepa); standard: alla svar med iakttagelser på frågan.")  # fmt: skip
@click.option("--no-post", is_flag=True, help="Posta inte beslutskortet i kanalerna.")
@by_option
@pass_cli
def decision_add_command(
    ctx: CliContext, cycle_id: int | None, question: str | None, title: str, text: str, kind: str,
    owner: str | None, due: str | None, meeting: str | None, answers: tuple[int, ...], no_post: bool,
    by_email: str | None,
) -> None:  # fmt: skip
    """Fatta ett beslut; rapportörerna det bygger på får återkoppling."""
    from lagesbild.operations.decisions import create_decision, post_decision
    from reporting.bra import wording
    from reporting.bra.decisions import InvalidDecision, decision_input

    meeting_date = _date(meeting, "--meeting") or ctx.today()
    try:
        given = decision_input(
            title=title, text=text, kind=kind, meeting_date=meeting_date, owner=owner, due=_date(due, "--due"),
            cycle_id=cycle_id, question=question, answer_ids=answers or None,
        )  # fmt: skip
    except InvalidDecision as exc:
        raise CliError(str(exc)) from None

    async def work(db: Database) -> tuple[Any, int]:
        org = await _organisation(db, ctx.organisation)
        by = await _member(db, org, by_email)
        outcome = await create_decision(db, given, now=ctx.now(), by=by, organisation_id=org.id,
                                        locale=ctx.settings.locale)  # fmt: skip
        posted = (
            0 if no_post else await post_decision(db, outcome.decision.id, now=ctx.now(), tz=ctx.settings.tz)
        )
        return outcome, posted

    outcome, posted = ctx.run(work)
    d = outcome.decision
    click.echo(f"Beslut {d.id} sparat: {d.title}")
    click.echo(f"  {wording.responsible_line(d)} · {wording.due_line(d)}")
    if wording.rests_on(d.basis):
        click.echo(f"  {wording.rests_on(d.basis)}")
    click.echo(f"Återkoppling köad till {_reporters(outcome.feedback)}.")
    if posted:
        click.echo(f"Beslutskortet köat i {posted} kanaler.")


@decision_command.command("list")
@click.option("--open", "open_only", is_flag=True, help="Bara öppna beslut (beslutade och pågående).")
@click.option("--json", "as_json", is_flag=True)
@pass_cli
def decision_list_command(ctx: CliContext, open_only: bool, as_json: bool) -> None:
    """Visa kommunens beslut."""
    from lagesbild.operations.decisions import list_decisions
    from reporting.bra.wording import decision_json

    async def work(db: Database) -> list[Any]:
        org = await _organisation(db, ctx.organisation)
        return await list_decisions(db, org.id, open_only=open_only)

    decisions = ctx.run(work)
    today = ctx.today()
    if as_json:
        click.echo(
            json.dumps([decision_json(d, today, full=True) for d in decisions], ensure_ascii=False, indent=2)
        )
        return
    if not decisions:
        click.echo("Inga öppna beslut." if open_only else "Inga beslut ännu.")
        return
    for d in decisions:
        click.echo(_decision_line(d, today))


@decision_command.command("update")
@click.argument("decision_id", type=int)
@click.option("--status", required=True, type=click.Choice(STATUS_CHOICES, case_sensitive=False))
@click.option("--text", default="", help="Kommentar; för en orsaksanalys som blir klar: resultatet.")
@click.option("--no-post", is_flag=True, help="Posta inte det uppdaterade kortet i kanalerna.")
@by_option
@pass_cli
def decision_update_command(
    ctx: CliContext, decision_id: int, status: str, text: str, no_post: bool, by_email: str | None
) -> None:
    """Följ upp ett beslut: pågår, klar eller avbruten (med en kommentar)."""
    from lagesbild.operations.decisions import post_decision, update_status

    async def work(db: Database) -> tuple[Any, int]:
        org = await _organisation(db, ctx.organisation)
        by = await _member(db, org, by_email)
        outcome = await update_status(db, decision_id, status, text, by=by, now=ctx.now(), organisation_id=org.id,
                                      locale=ctx.settings.locale)  # fmt: skip
        posted = 0 if no_post else await post_decision(db, decision_id, now=ctx.now(), tz=ctx.settings.tz)
        return outcome, posted

    outcome, posted = ctx.run(work)
    d = outcome.decision
    click.echo(f"Beslut {d.id}: {STATUS_WORDS[outcome.previous.value]} → {STATUS_WORDS[d.status.value]}.")
    if not d.is_open:
        click.echo(f"Utfallet köat till {_reporters(outcome.outcome)}.")
    if posted:
        click.echo(f"Kortet köat i {posted} kanaler.")


# --- priority ---------------------------------------------------------------------------------


@click.group("priority")
def priority_command() -> None:
    """Vad lokala Brå prioriterar just nu (visas på rapportkorten och i sammanställningen)."""


@priority_command.command("set")
@click.option("--text", required=True, help="Kort text, t.ex. ”Buskörning med moped i centrum”.")
@click.option("--questions", default="", help="Frågorna den gäller, t.ex. 1,4.")
@click.option("--until", required=True, metavar="ÅÅÅÅ-MM-DD", help="Gäller till och med.")
@by_option
@pass_cli
def priority_set_command(
    ctx: CliContext, text: str, questions: str, until: str, by_email: str | None
) -> None:
    """Sätt en prioritering."""
    from lagesbild.operations.priorities import set_priority
    from reporting.bra import wording
    from reporting.bra.decisions import InvalidDecision
    from reporting.bra.priorities import priority_input

    try:
        given = priority_input(
            text=text, questions=questions, ends_on=_date(until, "--until"), today=ctx.today()
        )
    except InvalidDecision as exc:
        raise CliError(str(exc)) from None

    async def work(db: Database) -> Any:
        org = await _organisation(db, ctx.organisation)
        return await set_priority(db, org.id, given, by=await _member(db, org, by_email), now=ctx.now())

    priority = ctx.run(work)
    click.echo(f"Prioritering {priority.id}: {wording.priority_line(priority)}")


@priority_command.command("list")
@click.option("--all", "all_", is_flag=True, help="Också avslutade och borttagna.")
@click.option("--json", "as_json", is_flag=True)
@pass_cli
def priority_list_command(ctx: CliContext, all_: bool, as_json: bool) -> None:
    """Visa prioriteringarna som gäller."""
    from lagesbild.operations.priorities import list_priorities
    from reporting.bra import wording

    async def work(db: Database) -> list[Any]:
        org = await _organisation(db, ctx.organisation)
        return await list_priorities(db, org.id, today=ctx.today(), all_=all_)

    priorities = ctx.run(work)
    today = ctx.today()
    if as_json:
        click.echo(json.dumps([
            {"id": p.id, "text": p.text, "questions": list(p.questions), "until": p.ends_on.isoformat(),
             "current": p.is_current(today), "cleared_at": p.cleared_at.isoformat() if p.cleared_at else None}
            for p in priorities
        ], ensure_ascii=False, indent=2))  # fmt: skip
        return
    if not priorities:
        click.echo("Inga prioriteringar just nu.")
    for p in priorities:
        state = "" if p.is_current(today) else ("  [borttagen]" if p.cleared_at else "  [avslutad]")
        click.echo(f"{p.id:>4}  {wording.priority_line(p)}{state}")


@priority_command.command("clear")
@click.argument("priority_id", type=int)
@by_option
@pass_cli
def priority_clear_command(ctx: CliContext, priority_id: int, by_email: str | None) -> None:
    """Ta bort en prioritering nu."""
    from lagesbild.operations.priorities import clear_priority

    async def work(db: Database) -> Any:
        org = await _organisation(db, ctx.organisation)
        return await clear_priority(
            db, org.id, priority_id, by=await _member(db, org, by_email), now=ctx.now()
        )

    priority = ctx.run(work)
    click.echo(f"Prioritering {priority.id} borttagen: {priority.text}")


# --- promise ----------------------------------------------------------------------------------


@click.group("promise")
def promise_command() -> None:
    """Medborgarlöften: lägg in, följ upp, exportera."""


@promise_command.command("create")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@by_option
@pass_cli
def promise_create_command(ctx: CliContext, file: Path, by_email: str | None) -> None:
    """Lägg in ett medborgarlöfte från en YAML-fil (se lagesbild/promises/ för exempel)."""
    from lagesbild.operations.promises import create_promise

    text = file.read_text("utf-8-sig")

    async def work(db: Database) -> Any:
        org = await _organisation(db, ctx.organisation)
        return await create_promise(db, text, organisation=org.name, by=await _member(db, org, by_email),
                                    now=ctx.now())  # fmt: skip

    promise = ctx.run(work)
    click.echo(
        f"Medborgarlöfte {promise.id}: {promise.title} ({format_day(promise.period_from)} – "
        f"{format_day(promise.period_to)}), {len(promise.items)} punkter."
    )


@promise_command.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_cli
def promise_list_command(ctx: CliContext, as_json: bool) -> None:
    """Visa kommunens medborgarlöften."""
    from lagesbild.operations.promises import list_promises
    from reporting.bra.agenda import promise_entry

    async def work(db: Database) -> list[Any]:
        org = await _organisation(db, ctx.organisation)
        return await list_promises(db, org.id)

    promises = ctx.run(work)
    today = ctx.today()
    if as_json:
        data = [{**promise_entry(p), "current": p.is_current(today)} for p in promises]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not promises:
        click.echo("Inga medborgarlöften ännu. Lägg in ett med: lagesbild promise create FIL.yaml")
    for p in promises:
        state = "gäller" if p.is_current(today) else ("kommande" if p.period_from > today else "avslutat")
        click.echo(f"{p.id:>4}  {p.title}  {p.period_from.isoformat()} – {p.period_to.isoformat()}  "
                   f"[{state}]  {len(p.items)} punkter, {len(p.follow_ups)} uppföljningar")  # fmt: skip


@promise_command.command("follow-up")
@click.argument("promise_id", type=int)
@click.option("--item", type=int, required=True, help="Punktens nummer (från promise list --json).")
@click.option("--text", default="", help="Vad som har gjorts.")
@click.option("--value", type=float, help="Indikatorns värde.")
@click.option("--indicator", type=int, default=1, show_default=True, help="Vilken av punktens indikatorer.")
@click.option("--month", metavar="ÅÅÅÅ-MM", help="Månaden (standard: den här).")
@by_option
@pass_cli
def promise_follow_up_command(
    ctx: CliContext, promise_id: int, item: int, text: str, value: float | None, indicator: int,
    month: str | None, by_email: str | None,
) -> None:  # fmt: skip
    """Följ upp en punkt i ett medborgarlöfte för en månad."""
    from lagesbild.operations.promises import follow_up

    async def work(db: Database) -> tuple[Any, bool]:
        org = await _organisation(db, ctx.organisation)
        return await follow_up(
            db, promise_id, item=item, text=text, value=value, organisation_id=org.id, today=ctx.today(),
            now=ctx.now(), month=month, indicator=indicator, by=await _member(db, org, by_email),
        )  # fmt: skip

    promise, new = ctx.run(work)
    entry = promise.item(item)
    click.echo(
        f"Uppföljning {'sparad' if new else 'ersatt'} för punkt {item} ({entry.heading or entry.text[:50]}) "
        f"i medborgarlöfte {promise.id}."
    )


@promise_command.command("export")
@click.argument("promise_id", type=int)
@click.option("--format", "fmt", type=click.Choice(("html", "md", "docx")), default="html", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Skriv till fil.")
@pass_cli
def promise_export_command(ctx: CliContext, promise_id: int, fmt: str, out: Path | None) -> None:
    """En sida om löftet som kommunen kan publicera."""
    from lagesbild.operations.promises import export_promise

    async def work(db: Database) -> tuple[str, bytes]:
        org = await _organisation(db, ctx.organisation)
        return await export_promise(db, promise_id, organisation_id=org.id, fmt=fmt)

    name, content = ctx.run(work)
    _write(name, content, out, binary=fmt == "docx")


# --- bra --------------------------------------------------------------------------------------


@click.group("bra")
def bra_command() -> None:
    """Lokala Brå: dagordning, återkoppling och påminnelser."""


@bra_command.command("agenda")
@click.option("--date", "day", metavar="ÅÅÅÅ-MM-DD", help="Mötets datum (standard: i dag).")
@click.option(
    "--format", "fmt", type=click.Choice(("md", "html", "docx", "json")), default="md", show_default=True
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Skriv till fil.")
@pass_cli
def bra_agenda_command(ctx: CliContext, day: str | None, fmt: str, out: Path | None) -> None:
    """Dagordningen för Brå-mötet: försenade och öppna beslut, lyfta frågor, medborgarlöften."""
    from lagesbild.operations.agenda import export_agenda

    when = _date(day, "--date") or ctx.today()

    async def work(db: Database) -> tuple[str, bytes]:
        org = await _organisation(db, ctx.organisation)
        return await export_agenda(db, org.id, day=when, fmt=fmt, tz=ctx.settings.tz)

    name, content = ctx.run(work)
    _write(name, content, out, binary=fmt == "docx")


@bra_command.command("summary")
@click.option("--date", "day", metavar="ÅÅÅÅ-MM-DD", help="Brå-mötets datum (standard: i dag).")
@pass_cli
def bra_summary_command(ctx: CliContext, day: str | None) -> None:
    """Skicka ”Återkoppling från Brå” för ett möte till samordnaren och ersättaren nu."""
    from lagesbild.operations.decisions import enqueue_meeting_summary

    when = _date(day, "--date") or ctx.today()

    async def work(db: Database) -> int:
        org = await _organisation(db, ctx.organisation)
        return await enqueue_meeting_summary(db, org.id, when, now=ctx.now(), locale=ctx.settings.locale)

    added = ctx.run(work)
    click.echo(f"Återkoppling från Brå {format_day(when)}: {added} meddelanden köade.")


@bra_command.command("remind")
@pass_cli
def bra_remind_command(ctx: CliContext) -> None:
    """Kör kommunens påminnelser nu (det schemaläggaren gör för alla): beslut nära sista dag
    eller försenade, medborgarlöften som snart slutar, återkoppling efter Brå-möten."""
    from lagesbild.operations.decisions import enqueue_decision_reminders, enqueue_meeting_summaries
    from lagesbild.operations.promises import enqueue_promise_notices

    async def work(db: Database) -> tuple[int, int, int]:
        now = ctx.now()
        org = await _organisation(db, ctx.organisation)
        return (
            await enqueue_decision_reminders(db, now, tz=ctx.settings.tz, organisation_id=org.id),
            await enqueue_promise_notices(db, now, tz=ctx.settings.tz, organisation_id=org.id),
            await enqueue_meeting_summaries(db, now, organisation_id=org.id),
        )

    decisions, promises, summaries = ctx.run(work)
    click.echo(
        f"{decisions} påminnelser om beslut, {promises} om medborgarlöften, {summaries} återkopplingar köade."
    )


# --- compare ----------------------------------------------------------------------------------


@click.command("compare")
@click.option(
    "--org", "organisations", multiple=True,
    help="Kommunerna att jämföra (upprepa); standard: bara kommunen i lagesbild --org.",
)  # fmt: skip
@click.option("--from", "first", required=True, metavar="ÅÅÅÅ-MM")
@click.option("--to", "last", required=True, metavar="ÅÅÅÅ-MM")
@click.option(
    "--format", "fmt", type=click.Choice(("json", "csv", "html")), default="json", show_default=True
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Skriv till fil.")
@pass_cli
def compare_command(
    ctx: CliContext, organisations: tuple[str, ...], first: str, last: str, fmt: str, out: Path | None
) -> None:
    """Jämför kommuner över tid: bara sammanräknade uppgifter, aldrig fritext."""
    from lagesbild.operations.compare import export_compare

    async def work(db: Database) -> tuple[str, bytes]:
        # Other municipalities' aggregates only when they are named; by default --org's own.
        chosen = organisations or ((await _organisation(db, ctx.organisation)).name,)
        return await export_compare(db, first=first, last=last, fmt=fmt, organisations=chosen)

    name, content = ctx.run(work)
    _write(name, content, out, binary=False)


COMMANDS = (decision_command, priority_command, promise_command, bra_command, compare_command)
