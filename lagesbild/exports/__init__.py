"""Renderers of the digest and the county's month: Markdown, printable HTML, Word (.docx)
in the Ludvika/Dalarna layout, CSV and JSON, and the impact chart (PNG).

`render_digest(bundle, fmt)` and `render_month(...)` give an `ExportFile`: its bytes, a
file name and a media type. The printed formats go through one `Document` model
(`exports.document`), so Markdown, HTML and Word say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lagesbild.exports.chart import chart_png
from lagesbild.exports.document import Document, from_digest, from_month
from lagesbild.exports.tables import as_json, digest_csv, month_csv
from reporting.questionnaire import Questionnaire

DIGEST_FORMATS = ("json", "md", "html", "docx", "csv")
MONTH_FORMATS = ("docx", "csv", "json", "html", "md")
MEDIA_TYPES = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class ExportFile:
    filename: str
    media_type: str
    content: bytes


def _positive(questionnaire: Questionnaire, locale: str) -> tuple[str | None, str]:
    """Question 7's number and theme (the question without observations)."""
    q = next((q for q in questionnaire.questions if not q.observations), None)
    return (q.number, q.theme.get(locale)) if q else (None, "")


def _printed(doc: Document, fmt: str) -> bytes:
    if fmt == "md":
        from lagesbild.exports.markdown import render_markdown

        return render_markdown(doc).encode("utf-8")
    if fmt == "html":
        from lagesbild.exports.html import render_html

        return render_html(doc).encode("utf-8")
    from lagesbild.exports.docx import render_docx

    return render_docx(doc)


def render_digest_data(
    data: Mapping[str, Any],
    questionnaire: Questionnaire,
    fmt: str,
    *,
    organisation: str,
    series: Mapping[str, Any] | None = None,
    locale: str = "sv",
) -> ExportFile:
    """A cycle's digest (compiled or as built) in `fmt`: json, md, html, docx or csv."""
    if fmt not in DIGEST_FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    name = f"lagesbild-{data['group']}-cykel-{data['cycle']}.{fmt}"
    if fmt == "json":
        return ExportFile(name, MEDIA_TYPES[fmt], as_json(data))
    if fmt == "csv":
        return ExportFile(name, MEDIA_TYPES[fmt], digest_csv(data, *_positive(questionnaire, locale)))
    chart = chart_png(series, locale=locale) if series and fmt in ("html", "docx") else None
    doc = from_digest(data, questionnaire, organisation=organisation, chart=chart, locale=locale)
    return ExportFile(name, MEDIA_TYPES[fmt], _printed(doc, fmt))


def render_month_data(
    month: Mapping[str, Any],
    questionnaire: Questionnaire,
    fmt: str,
    *,
    organisation: str,
    series: Mapping[str, Any] | None = None,
    locale: str = "sv",
) -> ExportFile:
    """A month's compilation in `fmt`: docx, csv, json (and html, md)."""
    if fmt not in MONTH_FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    name = f"lagesbild-{month['group']}-{month['month']}.{fmt}"
    if fmt == "json":
        return ExportFile(name, MEDIA_TYPES[fmt], as_json(month))
    if fmt == "csv":
        return ExportFile(name, MEDIA_TYPES[fmt], month_csv(month, *_positive(questionnaire, locale)))
    chart = chart_png(series, locale=locale) if series and fmt in ("html", "docx") else None
    doc = from_month(month, questionnaire, organisation=organisation, chart=chart, locale=locale)
    return ExportFile(name, MEDIA_TYPES[fmt], _printed(doc, fmt))
