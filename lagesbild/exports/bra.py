"""Printable pages of the Brå loop: the meeting's agenda, a citizen promise for the
municipality to publish, and the comparison between municipalities.

Each is built as a small `Page` (headings, paragraphs, bullet lists, tables, images) and
rendered to Markdown, a self-contained HTML page (styles inline, images as data URIs,
every text escaped) or Word (.docx, with Word's heading styles). The builders of the
pages are in `lagesbild.operations.agenda`, `.promises_export` and `.compare`.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from html import escape

from lagesbild.exports.markdown import escape as md_escape

PAGE_FORMATS = ("md", "html", "docx")


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    style: str = ""  # "", "muted", "lead", "alert"


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[tuple[str, str], ...]  # (text, meta line or "")
    empty: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Image:
    png: bytes
    caption: str = ""


Block = Heading | Paragraph | Bullets | Table | Image


@dataclass(frozen=True, slots=True)
class Page:
    title: str
    subtitle: str
    blocks: tuple[Block, ...]
    lang: str = "sv"
    filename: str = "lagesbild"
    footer: str = ""
    extra_style: str = field(default="")


# --- Markdown ---------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return md_escape(text).replace("  \n", " ")


def render_markdown(page: Page) -> str:
    out = [f"# {md_escape(page.title)}", ""]
    if page.subtitle:
        out += [f"**{md_escape(page.subtitle)}**", ""]
    for block in page.blocks:
        if isinstance(block, Heading):
            out += [f"{'#' * min(block.level, 6)} {md_escape(block.text)}", ""]
        elif isinstance(block, Paragraph):
            text = md_escape(block.text)
            out += [
                f"*{text}*" if block.style == "muted" else f"**{text}**" if block.style == "alert" else text,
                "",
            ]
        elif isinstance(block, Bullets):
            if not block.items:
                out += [f"- *{md_escape(block.empty)}*", ""] if block.empty else []
                continue
            for text, meta in block.items:
                out.append(f"- {md_escape(text)}" + (f"  \n  *{md_escape(meta)}*" if meta else ""))
            out.append("")
        elif isinstance(block, Table):
            out.append("| " + " | ".join(_md_cell(h) for h in block.header) + " |")
            out.append("|" + "|".join("---" for _ in block.header) + "|")
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            out.append("")
        elif isinstance(block, Image) and block.caption:
            out += [f"*{md_escape(block.caption)} (diagrammet finns i HTML- och Word-versionen)*", ""]
    if page.footer:
        out += ["---", "", f"*{md_escape(page.footer)}*", ""]
    return "\n".join(out).rstrip("\n") + "\n"


# --- HTML -------------------------------------------------------------------------------

STYLE = """
:root { --ink: #1d2125; --muted: #5f6b7a; --accent: #1f5fa8; --alert: #b3261e; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", "Helvetica Neue", Arial, "DejaVu Sans", sans-serif; color: var(--ink);
       max-width: 52rem; margin: 2rem auto; padding: 0 1.5rem; line-height: 1.5; font-size: 11.5pt; }
header { border-bottom: 4px solid var(--accent); margin-bottom: 1.2rem; padding-bottom: .6rem; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 .5rem; color: var(--accent); }
h3 { font-size: 1.02rem; margin: 1.1rem 0 .3rem; }
.subtitle { font-weight: 600; margin: 0; color: var(--muted); }
p { margin: .35rem 0 .6rem; }
p.muted { color: var(--muted); font-size: .92rem; }
p.lead { font-size: 1.08rem; }
p.alert { color: var(--alert); font-weight: 600; }
ul { margin: .3rem 0 .8rem 1.2rem; padding: 0; }
li { margin: 0 0 .45rem; break-inside: avoid; }
.meta { display: block; font-size: .88rem; color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #c9d1d9; padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: #f2f4f6; }
figure { margin: .8rem 0; } figure img { max-width: 100%; } figcaption { font-size: .85rem; color: var(--muted); }
footer { border-top: 1px solid #d0d7de; margin-top: 2rem; padding-top: .5rem; font-size: .85rem; color: var(--muted); }
@page { size: A4; margin: 16mm 15mm; }
@media print { body { margin: 0; max-width: none; padding: 0; font-size: 10.5pt; } }
"""


def render_html(page: Page) -> str:
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(page.lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(page.title)}</title><style>{STYLE}{page.extra_style}</style></head><body>",
        f"<header><h1>{escape(page.title)}</h1>",
    ]
    if page.subtitle:
        parts.append(f'<p class="subtitle">{escape(page.subtitle)}</p>')
    parts.append("</header><main>")
    for block in page.blocks:
        if isinstance(block, Heading):
            level = min(max(block.level, 2), 4)
            parts.append(f"<h{level}>{escape(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            css = f' class="{escape(block.style)}"' if block.style else ""
            body = "<br>".join(escape(line) for line in block.text.split("\n"))
            parts.append(f"<p{css}>{body}</p>")
        elif isinstance(block, Bullets):
            if not block.items:
                if block.empty:
                    parts.append(f'<p class="muted">{escape(block.empty)}</p>')
                continue
            parts.append("<ul>")
            for text, meta in block.items:
                extra = f'<span class="meta">{escape(meta)}</span>' if meta else ""
                parts.append(f"<li>{escape(text)}{extra}</li>")
            parts.append("</ul>")
        elif isinstance(block, Table):
            parts.append("<table><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in block.header))
            parts.append("</tr></thead><tbody>")
            for row in block.rows:
                parts.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>")
            parts.append("</tbody></table>")
        elif isinstance(block, Image):
            data = base64.b64encode(block.png).decode("ascii")
            caption = f"<figcaption>{escape(block.caption)}</figcaption>" if block.caption else ""
            parts.append(
                f'<figure><img alt="{escape(block.caption)}" src="data:image/png;base64,{data}">{caption}</figure>'
            )
    parts.append("</main>")
    if page.footer:
        parts.append(f"<footer>{escape(page.footer)}</footer>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# --- Word -------------------------------------------------------------------------------


def render_docx(page: Page) -> bytes:
    from docx import Document as new_document
    from docx.shared import Cm, Pt, RGBColor

    muted = RGBColor(0x5F, 0x6B, 0x7A)
    document = new_document()
    document.core_properties.title = page.title
    document.core_properties.language = page.lang
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(2)
    document.add_heading(page.title, level=0)
    if page.subtitle:
        run = document.add_paragraph().add_run(page.subtitle)
        run.bold = True
        run.font.color.rgb = muted
    for block in page.blocks:
        if isinstance(block, Heading):
            document.add_heading(block.text, level=min(max(block.level - 1, 1), 3))
        elif isinstance(block, Paragraph):
            run = document.add_paragraph().add_run(block.text)
            if block.style == "muted":
                run.italic = True
                run.font.color.rgb = muted
            elif block.style == "alert":
                run.bold = True
        elif isinstance(block, Bullets):
            if not block.items and block.empty:
                document.add_paragraph().add_run(block.empty).italic = True
            for text, meta in block.items:
                paragraph = document.add_paragraph(text, style="List Bullet")
                if meta:
                    paragraph.add_run("\n" + meta).font.color.rgb = muted
        elif isinstance(block, Table):
            table = document.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block.header, strict=True):
                cell.paragraphs[0].add_run(text).bold = True
            for row in block.rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.paragraphs[0].add_run(text)
            document.add_paragraph()
        elif isinstance(block, Image):
            document.add_picture(io.BytesIO(block.png), width=Cm(16))
            if block.caption:
                document.add_paragraph().add_run(block.caption).italic = True
    if page.footer:
        run = document.add_paragraph().add_run(page.footer)
        run.italic = True
        run.font.color.rgb = muted
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render_page(page: Page, fmt: str) -> bytes:
    if fmt == "md":
        return render_markdown(page).encode("utf-8")
    if fmt == "html":
        return render_html(page).encode("utf-8")
    if fmt == "docx":
        return render_docx(page)
    raise ValueError(f"unknown format {fmt!r}")
