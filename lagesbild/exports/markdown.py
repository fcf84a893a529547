"""The document as Markdown (CommonMark): for a wiki, an email or a terminal."""

from __future__ import annotations

import re

from lagesbild.exports.document import Document, Section
from reporting.digest.wording import DOTS

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def escape(text: str) -> str:
    """Reporters' text as literal Markdown: markup characters escaped, lines kept."""
    return _SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def _section(doc: Document, section: Section) -> list[str]:
    out = [f"## {escape(section.heading)}", ""]
    if section.facts:
        out += [f"*{escape(section.facts)}*", ""]
    if section.bullets:
        for bullet in section.bullets:
            line = f"- {escape(bullet.text)}"
            if bullet.meta:
                line += f"  \n  *{escape(bullet.meta)}*"
            if bullet.note:
                line += f"  \n  {escape(bullet.note)}"
            out.append(line)
    else:
        out.append(f"- *{escape(section.empty)}*")
    out.append("")
    if section.assessable:
        label = doc.labels["assessment"]
        if section.assessment:
            line = f"**{label}:** {DOTS[section.assessment.level]} {escape(section.assessment.label)}"
        else:
            line = f"**{label}:** {escape(doc.labels['not_set'])}"
        if section.suggestion:
            reason = f" – {escape(section.suggestion.text)}" if section.suggestion.text else ""
            line += (
                f"  \n*{escape(doc.labels['suggestion'])}: {DOTS[section.suggestion.level]} "
                f"{escape(section.suggestion.label)}{reason}*"
            )
        out += [line, ""]
    out.append(f"**{escape(doc.labels['comment'])}:** {escape(section.comment)}".rstrip())
    out.append("")
    return out


def render_markdown(doc: Document) -> str:
    out = [f"# {escape(doc.title)}", "", f"**{escape(doc.subtitle)}**", ""]
    out += [escape(line) + "  " for line in doc.intro]
    out.append("")
    if doc.response:
        out += [f"**{escape(doc.labels['response'])}:** " + escape(doc.response[0]) + "  "]
        out += [escape(line) + "  " for line in doc.response[1:]]
        out.append("")
    if doc.priorities:
        out += [f"**{escape(doc.labels['priorities'])}:**", ""]
        out += [f"- {escape(p)}" for p in doc.priorities]
        out.append("")
    for section in doc.sections:
        out += _section(doc, section)
    out += [f"## {escape(doc.labels['overview'])}", ""]
    header, *rows = doc.overview
    out.append("| " + " | ".join(escape(h) for h in header) + " |")
    out.append("|" + "|".join("---" for _ in header) + "|")
    out += ["| " + " | ".join(escape(c) for c in row) + " |" for row in rows]
    out.append("")
    out += [
        f"**{escape(doc.labels['decisions'])}:** "
        + (escape("; ".join(doc.decisions)) or escape(doc.labels["none"])),
        "",
    ]
    if doc.done:
        out += [f"**{escape(doc.labels['done'])}:** " + escape("; ".join(doc.done)), ""]
    out += [f"### {escape(doc.labels['scale'])}", ""]
    out += [
        f"- {DOTS.get(level, '')} **{escape(label)}** – {escape(definition)}"
        for level, label, definition in doc.scale
    ]
    out += ["", f"*{escape(doc.note)}*", ""]
    return "\n".join(out)
