"""The reply form: the numbered block a prompt email contains and a reply fills in.

One definition shared by whoever builds the prompt email and by the answer parser.
For each question the form has a heading ``N. Tema`` and the lines to fill in:

    1. Ordningsstörningar och otrygghet
    Svar:
    Påverkan (1–5):
    Kommentar:

``Svar:`` is left out where a question asks for no observations (question 7), the
impact line where it has no impact score, and ``Platser och tider:`` is added where
the template asks for places and times (Ludvika). The form opens with one line of
instruction and closes with a reminder about personal data, so the parser can tell
the form from the rest of a quoted prompt. Keep every line short: mail clients
re-wrap long lines inside quotes.
"""

from __future__ import annotations

from functools import cache

from intake.textnorm import fold
from reporting.i18n import translator
from reporting.questionnaire import Question, Questionnaire

_ = translator("intake")

EN_DASH = "\u2013"

FORM_INTRO = "Skriv ditt svar efter kolon. Inget att rapportera? Skriv ”inget”."
FORM_OUTRO = "Skriv inga uppgifter om enskilda personer."
ANSWER_LABEL = "Svar"
PLACES_TIMES_LABEL = "Platser och tider"
IMPACT_LABEL = "Påverkan"


def question_heading(question: Question, locale: str = "sv") -> str:
    """``1. Ordningsstörningar och otrygghet``."""
    return f"{question.number}. {question.theme.get(locale)}"


def field_labels(questionnaire: Questionnaire, question: Question, locale: str = "sv") -> list[str]:
    """The lines to fill in under a question, each ending with a colon."""
    labels = []
    if question.observations:
        labels.append(f"{_(ANSWER_LABEL, locale)}:")
    if question.impact and questionnaire.impact_scale is not None:
        scale = questionnaire.impact_scale
        word = scale.label.get(locale)
        labels.append(f"{word} ({scale.minimum}{EN_DASH}{scale.maximum}):")
    if question.places_times:
        labels.append(f"{_(PLACES_TIMES_LABEL, locale)}:")
    labels.append(f"{questionnaire.comment_label.get(locale)}:")
    return labels


def reply_form(questionnaire: Questionnaire, locale: str = "sv") -> str:
    """The whole form as plain text, lines separated by ``\\n``, ending with a newline."""
    lines = [_(FORM_INTRO, locale), ""]
    for question in questionnaire.questions:
        lines.append(question_heading(question, locale))
        lines.extend(field_labels(questionnaire, question, locale))
        lines.append("")
    lines.append(_(FORM_OUTRO, locale))
    return "\n".join(lines) + "\n"


_PROMPT_LINES: dict[int, tuple[Questionnaire, frozenset[str]]] = {}


def _prompt_lines(questionnaire: Questionnaire) -> frozenset[str]:
    lines: set[str] = set()
    for locale in ("sv", "en"):
        for line in reply_form(questionnaire, locale).splitlines():
            if line.strip():
                lines.add(fold(line))
        for question in questionnaire.questions:
            lines.add(fold(question.heading(locale)))
            lines.add(fold(question.text.get(locale)))
    return frozenset(lines)


def prompt_lines(questionnaire: Questionnaire) -> frozenset[str]:
    """Every line the prompt itself contributes to a quoted form, folded (see `textnorm.fold`)."""
    cached = _PROMPT_LINES.get(id(questionnaire))
    if cached is None or cached[0] is not questionnaire:
        cached = _PROMPT_LINES[id(questionnaire)] = (questionnaire, _prompt_lines(questionnaire))
    return cached[1]


@cache
def _folded(message: str) -> frozenset[str]:
    return frozenset(fold(_(message, loc)) for loc in ("sv", "en"))


def is_form_intro(line: str) -> bool:
    """Whether `line` is the form's opening instruction (in any locale)."""
    return fold(line) in _folded(FORM_INTRO)


def is_form_outro(line: str) -> bool:
    """Whether `line` is the form's closing line (in any locale)."""
    return fold(line) in _folded(FORM_OUTRO)
