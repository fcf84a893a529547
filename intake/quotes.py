"""Separate what the reporter wrote from what they quoted, with ``mail-parser-reply``.

``mail-parser-reply`` (languages sv and en) finds the quote headers that Outlook,
Gmail, Apple Mail, iPhone and Android write ("Från: … Skickat: …", "Den tis 24 nov.
2026 kl 10:42 skrev …:", "On … wrote:") and the usual signatures ("Med vänliga
hälsningar", "Skickat från min iPhone"). We use its fragments; on top of it this
module only knows what it does not: forward separators ("---------- Vidarebefordrat
meddelande ---------"), a few more client footers ("Hämta Outlook för iOS"), and a
signature that starts with the sender's own name.

Generic stripping throws away answers that reporters type *inside* the quoted prompt
(iPhone, Outlook inline replies). `recover_inline_form` finds the reply form (see
`intake.reply_format`) in a quoted fragment, and returns it with the lines the
reporter added, when there are any, for the answer parser to read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mailparser_reply import EmailMessage

from intake.reply_format import is_form_intro, is_form_outro, prompt_lines, question_heading
from intake.textnorm import clean_spaces, fold, unquote
from reporting.questionnaire import Questionnaire

LANGUAGES = ("sv", "en")

_FORWARD_RE = re.compile(
    r"^[ \t>]*(?:-{2,}\s*(?:vidarebefordrat meddelande|forwarded message|originalmeddelande"
    r"|original message|ursprungligt meddelande|ursprungligt e-postmeddelande)\s*-{2,}"
    r"|(?:början av vidarebefordrat (?:meddelande|brev)|begin forwarded message|vidarebefordrat meddelande)\s*:)"
    r"[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# An attribution line that mail-parser-reply's patterns miss, e.g. Gmail for Android in
# Swedish: "Den tis 24 nov. 2026 08:00Lägesbild <lagesbild@fagersta.se> skrev:".
_ATTRIBUTION_RE = re.compile(
    r"^(?!>)[^\n]{0,200}(?:skrev|wrote|schrieb)\s*:[ \t]*\n(?:[ \t]*\n){0,2}[ \t]*>",
    re.IGNORECASE | re.MULTILINE,
)
_HEADER_LINE_RE = re.compile(
    r"^(?:från|from|datum|date|skickat|sent|till|to|ämne|subject|kopia|cc|svara till|reply-to)\s*:",
    re.IGNORECASE,
)
_CLIENT_FOOTER_RE = re.compile(
    r"^(?:skickat från|sänt från|hämta outlook för|get outlook for|sent from|skickades från)\b.{0,60}$",
    re.IGNORECASE,
)
_OUTLOOK_INLINE_TAG_RE = re.compile(r"^\[[A-ZÅÄÖ][\w .\-]{1,40}\]\s*:?\s*")
_NAME_WINDOW = 8


@dataclass(frozen=True, slots=True)
class ReplyParts:
    """The reporter's own text, and the quoted fragments under it (quote markers kept)."""

    visible: str
    quoted: tuple[str, ...] = field(default_factory=tuple)
    signature: str = ""


def _read(text: str) -> EmailMessage:
    # keep_hyphen_lists: a "- klotter vid skolan" bullet is an answer, not a signature.
    return EmailMessage(text, languages=list(LANGUAGES), keep_hyphen_lists=True).read()


def _strip_header_block(text: str) -> str:
    lines = text.split("\n")
    i = 0
    while i < len(lines) and (not lines[i].strip() or _HEADER_LINE_RE.match(unquote(lines[i]).strip())):
        i += 1
    return "\n".join(lines[i:])


def _cut_client_footer(text: str) -> tuple[str, str]:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if _CLIENT_FOOTER_RE.match(line.strip()):
            return "\n".join(lines[:i]).rstrip(), "\n".join(lines[i:])
    return text, ""


def _cut_own_name(text: str, from_name: str) -> tuple[str, str]:
    """Cut a signature that starts with the sender's name (or first name) near the end."""
    name = fold(from_name.strip().strip('"'))
    if not name:
        return text, ""
    names = {name, name.split(" ")[0]}
    if "," in from_name:  # "Andersson, Anna"
        names.add(fold(from_name.split(",", 1)[1].strip()).split(" ")[0])
    lines = text.split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    for i in filled[-_NAME_WINDOW:]:
        candidate = fold(lines[i]).strip(" -/,.")
        if candidate in names and len(candidate) >= 2:
            return "\n".join(lines[:i]).rstrip(), "\n".join(lines[i:])
    return text, ""


def split_reply(text: str, *, from_name: str = "") -> ReplyParts:
    """The reporter's visible reply (signature removed) and the quoted fragments below it."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    forwarded = ""
    m = _FORWARD_RE.search(text)
    if m:
        text, forwarded = text[: m.start()], _strip_header_block(text[m.end() :].lstrip("\n"))
    message = _read(text) if text.strip() else None
    if message is not None and len(message.replies) == 1 and "\n>" in text:
        attribution = _ATTRIBUTION_RE.search(text)
        if attribution:
            quoted_part = text[attribution.end() - 1 :]
            text = text[: attribution.start()]
            forwarded = quoted_part + ("\n" + forwarded if forwarded else "")
            message = _read(text) if text.strip() else None
    replies = list(message.replies) if message is not None else []
    if replies and not replies[0].headers:
        first, rest = replies[0], replies[1:]
        visible, signature = first.body, first.signatures
    else:  # the text starts with a quote header: nothing visible
        visible, signature, rest = "", "", replies
    quoted = [r.full_body for r in rest if r.full_body.strip()]
    if forwarded.strip():
        quoted.append(forwarded)
    visible, footer = _cut_client_footer(visible)
    visible, own = _cut_own_name(visible, from_name)
    signature = "\n".join(s for s in (own, footer, signature) if s)
    return ReplyParts(visible=visible.strip(), quoted=tuple(quoted), signature=signature)


def _is_heading(folded: str, headings: frozenset[str]) -> bool:
    return folded.rstrip(":") in headings


def _headings(questionnaire: Questionnaire) -> frozenset[str]:
    return frozenset(
        fold(question_heading(q, loc)).rstrip(":") for q in questionnaire.questions for loc in LANGUAGES
    )


def recover_inline_form(quoted: str, questionnaire: Questionnaire) -> str | None:
    """The reply form in a quoted fragment with the reporter's added lines, or None.

    None when the fragment holds no reply form (fewer than two of its question headings)
    or when every line of the form is the prompt's own: nothing was typed into it.
    """
    lines = [_OUTLOOK_INLINE_TAG_RE.sub("", clean_spaces(unquote(line))) for line in quoted.split("\n")]
    headings = _headings(questionnaire)
    folded = [fold(line) for line in lines]
    start = next((i for i, f in enumerate(folded) if _is_heading(f, headings)), None)
    if start is None:
        return None
    for i in range(start - 1, max(start - 4, -1), -1):
        if is_form_intro(lines[i]):
            start = i + 1
            break
    end = next((i for i in range(start, len(lines)) if is_form_outro(lines[i])), len(lines))
    region, region_folded = lines[start:end], folded[start:end]
    if sum(1 for f in region_folded if _is_heading(f, headings)) < 2:
        return None
    known = prompt_lines(questionnaire)
    if all(not f or f in known for f in region_folded):
        return None
    return "\n".join(region)
