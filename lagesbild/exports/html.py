"""The document as one printable HTML page: self-contained (styles inline, chart as a
data URI), A4 in print, every reporter's text escaped."""

from __future__ import annotations

import base64
from html import escape

from lagesbild.exports.document import Document, Level, Section

STYLE = """
:root { --green: #2e7d32; --yellow: #f2c200; --red: #c62828; --ink: #1d2125; --muted: #5f6b7a; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", "Helvetica Neue", Arial, "DejaVu Sans", sans-serif; color: var(--ink);
       max-width: 52rem; margin: 2rem auto; padding: 0 1.5rem; line-height: 1.45; font-size: 11pt; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
h2 { font-size: 1.05rem; margin: 0 0 .4rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
.subtitle { font-weight: 600; margin: 0 0 .6rem; }
.intro p { margin: .15rem 0; }
.confidential { font-style: italic; color: var(--muted); font-size: .9rem; }
.response { background: #f3f5f7; padding: .6rem .8rem; border-radius: 4px; margin: 1rem 0; }
.response p { margin: .1rem 0; }
section.question { border-top: 2px solid #d0d7de; padding-top: .8rem; margin-top: 1.1rem; }
.facts { color: var(--muted); font-size: .9rem; margin: 0 0 .5rem; }
ul.items { margin: .2rem 0 .7rem 1.2rem; padding: 0; }
ul.items li { margin: 0 0 .45rem; break-inside: avoid; }
.meta, .note { display: block; font-size: .85rem; color: var(--muted); }
.note { color: #8a5a00; }
.empty { color: var(--muted); font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0 .6rem; break-inside: avoid; }
th, td { border: 1px solid #c9d1d9; padding: .35rem .5rem; text-align: left; vertical-align: top; font-size: .92rem; }
table.assessment th { width: 13rem; background: #f6f8fa; font-weight: 600; }
.badge { display: inline-block; min-width: 4.2rem; padding: .08rem .55rem; border-radius: 3px; font-weight: 700;
         color: #fff; text-align: center; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.badge.green { background: var(--green); } .badge.yellow { background: var(--yellow); color: #1d2125; }
.badge.red { background: var(--red); }
.suggestion { font-size: .86rem; color: var(--muted); margin-top: .25rem; }
.suggestion .badge { min-width: 0; font-size: .8rem; padding: 0 .4rem; }
.not-set { color: var(--muted); font-style: italic; }
figure { margin: .8rem 0; } figure img { max-width: 100%; } figcaption { font-size: .85rem; color: var(--muted); }
.note-end { font-size: .85rem; color: var(--muted); font-style: italic; }
@page { size: A4; margin: 16mm 15mm; }
@media print { body { margin: 0; max-width: none; padding: 0; font-size: 10pt; } .response { border: 1px solid #d0d7de; } }
"""


def _badge(level: Level) -> str:
    return f'<span class="badge {escape(level.level)}">{escape(level.label)}</span>'


def _section(doc: Document, section: Section) -> str:
    out = [
        f'<section class="question" id="fraga-{escape(section.number)}">',
        f"<h2>{escape(section.heading)}</h2>",
    ]
    if section.facts:
        out.append(f'<p class="facts">{escape(section.facts)}</p>')
    if section.bullets:
        out.append('<ul class="items">')
        for bullet in section.bullets:
            meta = f'<span class="meta">{escape(bullet.meta)}</span>' if bullet.meta else ""
            note = f'<span class="note">{escape(bullet.note)}</span>' if bullet.note else ""
            out.append(f"<li>{escape(bullet.text)}{meta}{note}</li>")
        out.append("</ul>")
    else:
        out.append(f'<p class="empty">{escape(section.empty)}</p>')
    out.append('<table class="assessment">')
    if section.assessable:
        current = (
            _badge(section.assessment)
            if section.assessment
            else f'<span class="not-set">{escape(doc.labels["not_set"])}</span>'
        )
        suggestion = ""
        if section.suggestion:
            reason = f" – {escape(section.suggestion.text)}" if section.suggestion.text else ""
            suggestion = f'<div class="suggestion">{escape(doc.labels["suggestion"])}: {_badge(section.suggestion)}{reason}</div>'
        out.append(f"<tr><th>{escape(doc.labels['assessment'])}</th><td>{current}{suggestion}</td></tr>")
    out.append(f"<tr><th>{escape(doc.labels['comment'])}</th><td>{escape(section.comment)}</td></tr>")
    out.append("</table>")
    out.append("</section>")
    return "\n".join(out)


def render_html(doc: Document) -> str:
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(doc.lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(doc.title)} – {escape(doc.subtitle)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{escape(doc.title)}</h1>",
        f'<p class="subtitle">{escape(doc.subtitle)}</p>',
        '<div class="intro">',
    ]
    parts += [f"<p>{escape(doc.intro[0])}</p>"] if doc.intro else []
    parts += [f'<p class="confidential">{escape(line)}</p>' for line in doc.intro[1:]]
    parts += ["</div>", "</header>"]
    if doc.response:
        parts.append('<div class="response">')
        parts.append(f"<p><strong>{escape(doc.labels['response'])}:</strong> {escape(doc.response[0])}</p>")
        parts += [f"<p>{escape(line)}</p>" for line in doc.response[1:]]
        parts.append("</div>")
    if doc.priorities:
        parts.append(f"<h3>{escape(doc.labels['priorities'])}</h3><ul>")
        parts += [f"<li>{escape(p)}</li>" for p in doc.priorities]
        parts.append("</ul>")
    parts += [_section(doc, s) for s in doc.sections]
    parts.append('<section class="overview">')
    parts.append(f"<h2>{escape(doc.labels['overview'])}</h2>")
    header, *rows = doc.overview
    parts.append(
        "<table><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr></thead><tbody>"
    )
    parts += ["<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows]
    parts.append("</tbody></table>")
    if doc.chart:
        data = base64.b64encode(doc.chart).decode("ascii")
        parts.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{escape(doc.chart_caption)}">'
            f"<figcaption>{escape(doc.chart_caption)}</figcaption></figure>"
        )
    decisions = "; ".join(doc.decisions) or doc.labels["none"]
    parts.append(f"<p><strong>{escape(doc.labels['decisions'])}:</strong> {escape(decisions)}</p>")
    if doc.done:
        parts.append(f"<p><strong>{escape(doc.labels['done'])}:</strong> {escape('; '.join(doc.done))}</p>")
    parts.append(f'<h3>{escape(doc.labels["scale"])}</h3><table class="scale">')
    parts += [
        f'<tr><td><span class="badge {escape(level)}">{escape(label)}</span></td><td>{escape(definition)}</td></tr>'
        for level, label, definition in doc.scale
    ]
    parts.append("</table>")
    parts.append(f'<p class="note-end">{escape(doc.note)}</p>')
    parts += ["</section>", "</body>", "</html>", ""]
    return "\n".join(parts)
