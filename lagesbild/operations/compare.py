"""`lagesbild compare`: municipalities side by side, month by month, as aggregates only.

The numbers are summed in the database (one grouped query per kind of fact, over every
municipality at once) and laid out by `reporting.bra.compare`; no free text is read at
all, so none can cross a municipality's border, whoever runs the command. Formats: JSON
(`{"from", "to", "organisations", "questions", "rows"}`), CSV (one row per municipality,
question and month) and HTML with charts (PNG, matplotlib's Agg canvas).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, and_, case, func, or_, select

from lagesbild.exports.bra import Block, Heading, Image, Page, Paragraph, Table, render_html
from lagesbild.operations.errors import InputError
from reporting.bra.compare import (
    CSV_COLUMNS,
    AnswerFacts,
    DecisionFacts,
    compare_rows,
    csv_row,
    month_of,
    months_between,
)
from reporting.digest.month import month_bounds, parse_month
from reporting.model import Organisation
from storage.database import Database
from storage.models import AnswerRow, AssessmentRow, CycleRow, GroupRow, SubmissionRow
from storage.repositories import GroupRepository, OrganisationRepository, QuestionnaireRepository
from storage.repositories.decisions import DecisionRepository

COMPARE_FORMATS = ("json", "csv", "html")
COLOURS = ("#1f5fa8", "#d9822b", "#2e8540", "#b3261e", "#7a4fb0", "#5f6b7a", "#00838f", "#ad1457", "#827717",
           "#4e342e")  # fmt: skip


async def _organisations(db: Database, names: Sequence[str]) -> list[Organisation]:
    async with db.session(readonly=True) as s:
        every = await OrganisationRepository(s).all()
    if not names:
        return every
    by_name = {o.name: o for o in every}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise InputError(f"Kommunen finns inte: {', '.join(missing)}")
    return [by_name[n] for n in dict.fromkeys(names)]


async def _themes(db: Database, organisations: Sequence[Organisation]) -> dict[str, str]:
    async with db.session(readonly=True) as s:
        for o in organisations:
            groups = await GroupRepository(s).all(o.id)
            if groups:
                q = await QuestionnaireRepository(s).get(groups[0].questionnaire_id)
                return {x.number: x.theme.get("sv") for x in q.questions if x.observations}
    return {}


async def compare_data(
    db: Database, *, first: str, last: str, organisations: Sequence[str] = ()
) -> dict[str, Any]:
    """The comparison as JSON-ready data."""
    try:
        months = months_between(first, last)
    except ValueError:
        raise InputError(f"Ogiltig period: {first}–{last} (skriv ÅÅÅÅ-MM, den första först)") from None
    orgs = await _organisations(db, organisations)
    names = {o.id: o.name for o in orgs}
    start = month_bounds(*parse_month(first))[0]
    end = month_bounds(*parse_month(last))[1]
    ids = list(names)
    in_scope = and_(GroupRow.organisation_id.in_(ids), CycleRow.period_to >= start, CycleRow.period_to <= end)
    observed = and_(
        AnswerRow.nothing_to_report.is_(False),
        or_(
            func.length(func.trim(AnswerRow.observations)) > 0,
            func.length(func.trim(AnswerRow.places_times)) > 0,
        ),
    )
    scored = and_(AnswerRow.nothing_to_report.is_(False), AnswerRow.impact.is_not(None))
    async with db.session(readonly=True) as s:
        reports_q = (
            select(GroupRow.organisation_id, CycleRow.period_to, func.count(SubmissionRow.id))
            .join(CycleRow, CycleRow.group_id == GroupRow.id)
            .join(SubmissionRow, SubmissionRow.cycle_id == CycleRow.id)
            .where(in_scope, SubmissionRow.state == "submitted")
            .group_by(GroupRow.organisation_id, CycleRow.period_to)
        )
        answers_q = (
            select(
                GroupRow.organisation_id, CycleRow.period_to, AnswerRow.question,
                func.sum(case((observed, 1), else_=0)).cast(Integer),
                func.sum(case((scored, AnswerRow.impact), else_=0)).cast(Integer),
                func.sum(case((scored, 1), else_=0)).cast(Integer),
            )
            .join(CycleRow, CycleRow.group_id == GroupRow.id)
            .join(SubmissionRow, SubmissionRow.cycle_id == CycleRow.id)
            .join(AnswerRow, AnswerRow.submission_id == SubmissionRow.id)
            .where(in_scope, SubmissionRow.state == "submitted")
            .group_by(GroupRow.organisation_id, CycleRow.period_to, AnswerRow.question)
        )  # fmt: skip
        assessments_q = (
            select(GroupRow.organisation_id, CycleRow.period_to, AssessmentRow.question, AssessmentRow.level)
            .join(CycleRow, CycleRow.group_id == GroupRow.id)
            .join(AssessmentRow, AssessmentRow.cycle_id == CycleRow.id)
            .where(in_scope)
        )
        reports: dict[tuple[str, str], int] = {}
        for org_id, period_to, n in (await s.execute(reports_q)).all():
            key = (names[org_id], month_of(period_to))
            reports[key] = reports.get(key, 0) + int(n)
        answers = [
            AnswerFacts(names[o], month_of(p), str(q), int(obs or 0), int(isum or 0), int(icount or 0))
            for o, p, q, obs, isum, icount in (await s.execute(answers_q)).all()
        ]
        assessments = [
            (names[o], month_of(p), str(q), str(level))
            for o, p, q, level in (await s.execute(assessments_q)).all()
        ]
        repo = DecisionRepository(s)
        decisions = [
            DecisionFacts(
                names[o],
                q,
                month_of(meeting),
                month_of(closed.date()) if status == "klar" and closed else None,
            )
            for o, q, meeting, status, closed in await repo.decision_facts(ids)
        ]
        feedback = [
            (names[o], month_of(period_to), str(q), max(0.0, (given - sent).total_seconds() / 86400))
            for o, q, period_to, sent, given in await repo.report_to_feedback(ids)
            if start <= period_to <= end
        ]
    questions = await _themes(db, orgs)
    rows = compare_rows(
        organisations=[o.name for o in orgs], months=months, questions=questions, reports=reports, answers=answers,
        assessments=assessments, decisions=decisions, feedback_days=feedback,
    )  # fmt: skip
    return {
        "from": first,
        "to": last,
        "organisations": [o.name for o in orgs],
        "questions": questions,
        "rows": rows,
    }


def compare_csv(data: dict[str, Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in data["rows"]:
        writer.writerow(csv_row(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _by_org_month(data: dict[str, Any], value: str, question: str | None = None) -> dict[str, list[float]]:
    months = months_between(data["from"], data["to"])
    index = {m: i for i, m in enumerate(months)}
    series = {o: [math.nan] * len(months) for o in data["organisations"]}
    for row in data["rows"]:
        if question is not None and row["question"] != question:
            continue
        if question is None and row["question"] != next(iter(data["questions"]), None):
            continue  # reports are the same for every question of a month
        v = row[value]
        series[row["organisation"]][index[row["month"]]] = math.nan if v is None else float(v)
    return series


def charts(data: dict[str, Any]) -> list[tuple[bytes, str]]:
    """Reports per month per municipality, and mean impact per question (small multiples)."""
    months = months_between(data["from"], data["to"])
    if not data["organisations"] or not data["questions"]:
        return []
    x = list(range(len(months)))
    step = max(1, len(months) // 12)
    figure = _figure(8.0, 3.4)
    axes = figure.add_subplot(1, 1, 1)
    for i, (org, values) in enumerate(_by_org_month(data, "reports").items()):
        axes.plot(
            x, values, marker="o", markersize=2.5, linewidth=1.4, color=COLOURS[i % len(COLOURS)], label=org
        )
    axes.set_xticks(x[::step])
    axes.set_xticklabels(months[::step], rotation=35, ha="right", fontsize=7)
    axes.set_ylabel("Rapporter", fontsize=8)
    axes.tick_params(axis="y", labelsize=7)
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    first = (_png(figure), "Inskickade rapporter per månad och kommun.")

    questions = list(data["questions"].items())
    columns = 3
    rows = math.ceil(len(questions) / columns)
    figure = _figure(9.0, 2.6 * rows)
    for n, (number, theme) in enumerate(questions):
        axes = figure.add_subplot(rows, columns, n + 1)
        for i, (_org, values) in enumerate(_by_org_month(data, "impact_mean", number).items()):
            axes.plot(x, values, linewidth=1.1, color=COLOURS[i % len(COLOURS)])
        axes.set_title(f"{number}. {theme}", fontsize=7.5)
        axes.set_ylim(0.8, 5.2)
        axes.set_xticks(x[:: max(1, len(months) // 4)])
        axes.set_xticklabels(months[:: max(1, len(months) // 4)], fontsize=6, rotation=30, ha="right")
        axes.tick_params(axis="y", labelsize=6)
        axes.grid(alpha=0.3)
    figure.tight_layout()
    second = (
        _png(figure),
        "Medelpåverkan (1–5) per fråga och månad; en linje per kommun, i samma färger som ovan.",
    )
    return [first, second]


def _summary_rows(data: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for row in data["rows"]:
        t = totals.setdefault((row["organisation"], row["question"]),
                              {"reports": 0, "obs": 0, "isum": 0.0, "in": 0, "g": 0, "y": 0, "r": 0, "taken": 0,
                               "done": 0, "days": []})  # fmt: skip
        t["reports"] += row["reports"]
        t["obs"] += row["observations"]
        if row["impact_mean"] is not None:
            t["isum"] += row["impact_mean"]
            t["in"] += 1
        t["g"] += row["assessments"]["green"]
        t["y"] += row["assessments"]["yellow"]
        t["r"] += row["assessments"]["red"]
        t["taken"] += row["decisions"]["taken"]
        t["done"] += row["decisions"]["done"]
        if row["feedback_days_median"] is not None:
            t["days"].append(row["feedback_days_median"])
    out = []
    for (org, q), t in totals.items():
        share = f"{100 * t['obs'] / t['reports']:.0f} %" if t["reports"] else "–"
        mean = f"{t['isum'] / t['in']:.1f}".replace(".", ",") if t["in"] else "–"
        days = sorted(t["days"])
        median = f"{days[len(days) // 2]:.0f}" if days else "–"
        out.append((org, f"{q}. {data['questions'][q]}", str(t["reports"]), share, mean,
                    f"{t['g']}/{t['y']}/{t['r']}", f"{t['taken']}/{t['done']}", median))  # fmt: skip
    return tuple(out)


def compare_page(data: dict[str, Any]) -> Page:
    blocks: list[Block] = [
        Paragraph(
            "Jämförelse mellan kommunerna, månad för månad. Bara sammanräknade uppgifter: antal rapporter, "
            "andel med iakttagelser, medelpåverkan, gruppernas bedömningar, Brå-beslut och tid till återkoppling. "
            "Inga fritexter och inga namn följer med.",
            "lead",
        )
    ]
    blocks += [Image(png, caption) for png, caption in charts(data)]
    blocks.append(Heading("Hela perioden per kommun och fråga"))
    blocks.append(
        Table(
            (
                "Kommun",
                "Fråga",
                "Rapporter",
                "Med iakttagelser",
                "Medelpåverkan",
                "Grönt/gult/rött",
                "Beslut tagna/klara",
                "Dagar till återkoppling (median)",
            ),
            _summary_rows(data),
        )  # fmt: skip
    )
    blocks.append(
        Paragraph("Månadsvärdena finns i CSV- och JSON-formaten (lagesbild compare --format csv).", "muted")
    )
    return Page(
        title="Lägesbild – jämförelse mellan kommuner",
        subtitle=f"{', '.join(data['organisations'])} · {data['from']} – {data['to']}",
        blocks=tuple(blocks),
        filename=f"jamforelse-{data['from']}-{data['to']}",
    )


async def export_compare(
    db: Database, *, first: str, last: str, fmt: str, organisations: Sequence[str] = ()
) -> tuple[str, bytes]:
    if fmt not in COMPARE_FORMATS:
        raise InputError(f"Okänt format: {fmt} (välj json, csv eller html)")
    data = await compare_data(db, first=first, last=last, organisations=organisations)
    name = f"jamforelse-{first}-{last}.{fmt}"
    if fmt == "json":
        return name, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "csv":
        return name, compare_csv(data)
    return name, render_html(compare_page(data)).encode("utf-8")
