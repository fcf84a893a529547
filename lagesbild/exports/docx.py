"""The document as Word (.docx) in the layout of the Ludvika/Dalarna template (Bilaga 2).

Per question, as the template prints it: "Fråga N, Tema: question text", the bullets
(each observation with its agencies, places and times beneath), then a two-row table:
"Sammanställd bedömning" (the level in its colour; the suggestion beneath, marked as
one) and "Kommentar/åtgärd". Question 7 has only "Kommentar/åtgärd", after its positive
events. The overview table, the chart and the assessment scale follow on a new page.
Headings use Word's heading styles, so the document has a navigable outline.
"""

from __future__ import annotations

import io

from docx import Document as new_document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell

from lagesbild.exports.document import Document, Level, Section

FILL = {"green": "2E7D32", "yellow": "F2C200", "red": "C62828"}
TEXT_ON = {
    "green": RGBColor(0xFF, 0xFF, 0xFF),
    "yellow": RGBColor(0x1D, 0x21, 0x25),
    "red": RGBColor(0xFF, 0xFF, 0xFF),
}
MUTED = RGBColor(0x5F, 0x6B, 0x7A)
INK = RGBColor(0x1D, 0x21, 0x25)
HEADER_FILL = "F2F4F6"


def _shade(cell: _Cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _widths(table: Table, widths_cm: list[float]) -> None:
    """Column widths that Word and LibreOffice both keep (grid columns and every cell)."""
    table.autofit = False
    for index, width in enumerate(widths_cm):
        table.columns[index].width = Cm(width)
        for cell in table.columns[index].cells:
            cell.width = Cm(width)


def _cell_text(
    cell: _Cell, text: str, *, bold: bool = False, size: float | None = None, color: RGBColor | None = None
) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = color


def _level_paragraph(cell: _Cell, level: Level, prefix: str = "", size: float = 10.5) -> None:
    paragraph = cell.add_paragraph() if cell.paragraphs[0].text else cell.paragraphs[0]
    if prefix:
        lead = paragraph.add_run(prefix)
        lead.font.size = Pt(size - 1)
        lead.font.color.rgb = MUTED
    badge = paragraph.add_run(f" {level.label} ")
    badge.bold = True
    badge.font.size = Pt(size)
    badge.font.color.rgb = TEXT_ON[level.level]
    highlight = OxmlElement("w:shd")
    highlight.set(qn("w:val"), "clear")
    highlight.set(qn("w:color"), "auto")
    highlight.set(qn("w:fill"), FILL[level.level])
    badge._r.get_or_add_rPr().append(highlight)


def _heading(document: object, text: str, level: int) -> None:
    paragraph = document.add_heading(level=level)  # type: ignore[attr-defined]
    run = paragraph.add_run(text)
    run.font.color.rgb = INK
    run.font.size = Pt({0: 20, 1: 14, 2: 11.5, 3: 11}[level])


def _question_heading(document: object, section: Section) -> None:
    head, _, rest = section.heading.partition(": ")
    paragraph = document.add_heading(level=2)  # type: ignore[attr-defined]
    paragraph.paragraph_format.space_before = Pt(14)
    paragraph.paragraph_format.keep_with_next = True
    run = paragraph.add_run(f"{head}:" if rest else head)
    run.font.color.rgb = INK
    run.font.size = Pt(11.5)
    if rest:
        tail = paragraph.add_run(f" {rest}")
        tail.bold = False
        tail.font.color.rgb = INK
        tail.font.size = Pt(11)


def _assessment_table(document: object, doc: Document, section: Section) -> Table:
    rows = 2 if section.assessable else 1
    table: Table = document.add_table(rows=rows, cols=2)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    _widths(table, [5.0, 12.0])
    for row in table.rows:
        _shade(row.cells[0], HEADER_FILL)
    index = 0
    if section.assessable:
        label, value = table.rows[0].cells
        _cell_text(label, f"{doc.labels['assessment']}:", bold=True)
        if section.assessment:
            _level_paragraph(value, section.assessment)
        else:
            _cell_text(value, doc.labels["not_set"], size=9.5, color=MUTED)
        if section.suggestion:
            _level_paragraph(value, section.suggestion, f"{doc.labels['suggestion']}: ", size=9)
            if section.suggestion.text:
                reason = value.add_paragraph().add_run(section.suggestion.text)
                reason.font.size = Pt(8.5)
                reason.font.color.rgb = MUTED
        index = 1
    label, value = table.rows[index].cells
    _cell_text(label, f"{doc.labels['comment']}:", bold=True)
    _cell_text(value, section.comment)
    return table


def _bullets(document: object, section: Section) -> None:
    if not section.bullets:
        paragraph = document.add_paragraph(style="List Bullet")  # type: ignore[attr-defined]
        run = paragraph.add_run(section.empty)
        run.italic = True
        run.font.color.rgb = MUTED
        return
    for bullet in section.bullets:
        paragraph = document.add_paragraph(style="List Bullet")  # type: ignore[attr-defined]
        paragraph.paragraph_format.space_after = Pt(3)
        paragraph.add_run(bullet.text)
        for extra, color in ((bullet.meta, MUTED), (bullet.note, RGBColor(0x8A, 0x5A, 0x00))):
            if extra:
                paragraph.add_run().add_break()
                run = paragraph.add_run(extra)
                run.font.size = Pt(8.5)
                run.font.color.rgb = color


def render_docx(doc: Document) -> bytes:
    document = new_document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin = section.bottom_margin = Cm(1.8)
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    properties = document.core_properties
    properties.title = f"{doc.title} – {doc.subtitle}"
    properties.author = "Lägesbild"
    properties.language = doc.lang

    _heading(document, doc.title, 0)
    subtitle = document.add_paragraph()
    run = subtitle.add_run(doc.subtitle)
    run.bold = True
    run.font.size = Pt(12)
    submitted = document.add_paragraph()
    submitted.add_run(f"{doc.labels['submitted_by']}: ").bold = True
    submitted.add_run(doc.organisation)
    for number, line in enumerate(doc.intro):
        paragraph = document.add_paragraph()
        run = paragraph.add_run(line)
        if number:
            run.italic = True
            run.font.size = Pt(9)
            run.font.color.rgb = MUTED
    if doc.response:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{doc.labels['response']}: ").bold = True
        paragraph.add_run(doc.response[0])
        for line in doc.response[1:]:
            paragraph.add_run().add_break()
            extra = paragraph.add_run(line)
            extra.font.size = Pt(9)
    if doc.priorities:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{doc.labels['priorities']}:").bold = True
        for priority in doc.priorities:
            document.add_paragraph(priority, style="List Bullet")

    for part in doc.sections:
        _question_heading(document, part)
        if part.facts:
            facts = document.add_paragraph()
            facts.paragraph_format.space_after = Pt(2)
            run = facts.add_run(part.facts)
            run.font.size = Pt(8.5)
            run.font.color.rgb = MUTED
        _bullets(document, part)
        _assessment_table(document, doc, part)

    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _heading(document, doc.labels["overview"], 1)
    header, *rows = doc.overview
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    others = [max(1.7, 0.22 * len(text) + 0.7) for text in header[1:]]
    _widths(table, [17.0 - sum(others), *others])
    for column, text in enumerate(header):
        cell = table.rows[0].cells[column]
        _cell_text(cell, text, bold=True, size=9)
        _shade(cell, HEADER_FILL)
    for index, row in enumerate(rows, start=1):
        for column, text in enumerate(row):
            _cell_text(table.rows[index].cells[column], text, size=9)
    if doc.chart:
        document.add_paragraph()
        document.add_picture(io.BytesIO(doc.chart), width=Cm(17.0))
        caption = document.add_paragraph().add_run(doc.chart_caption)
        caption.italic = True
        caption.font.size = Pt(8.5)
        caption.font.color.rgb = MUTED
    decisions = document.add_paragraph()
    decisions.add_run(f"{doc.labels['decisions']}: ").bold = True
    decisions.add_run("; ".join(doc.decisions) or doc.labels["none"])
    if doc.done:
        done = document.add_paragraph()
        done.add_run(f"{doc.labels['done']}: ").bold = True
        done.add_run("; ".join(doc.done))
    _heading(document, doc.labels["scale"], 3)
    scale = document.add_table(rows=len(doc.scale), cols=2)
    scale.style = "Table Grid"
    _widths(scale, [3.0, 14.0])
    for index, (level, label, definition) in enumerate(doc.scale):
        left, right = scale.rows[index].cells
        _cell_text(left, label, bold=True, color=TEXT_ON.get(level))
        _shade(left, FILL.get(level, HEADER_FILL))
        _cell_text(right, definition)
    note = document.add_paragraph().add_run(doc.note)
    note.italic = True
    note.font.size = Pt(8.5)
    note.font.color.rgb = MUTED
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
