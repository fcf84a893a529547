"""Setting the group's compiled assessment: who may, what a card sends, what escalates.

Rules (the same from the digest card and the command line; the command line is the
administrator's and is not checked against a member):
- only the group's coordinator (samordnare) or deputy (ersättare) may set an assessment
  or escalate a question; anyone else gets `refusal()`, a polite Swedish sentence;
- a red assessment is escalated to the local Brå automatically; the coordinator or deputy
  may also escalate a yellow one (`may_escalate_level`);
- only questions that ask for observations (1–6) are assessed; question 7 has no
  Sammanställd bedömning in either template.

The digest card sends `Action.Execute` with verb `VERB_ASSESS` and data
`{"cycle": <id>, "question": "<n>"}`; the inputs are `assess_q<n>_level`
("green"/"yellow"/"red") and `assess_q<n>_comment`. `parse_assessment` reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reporting.digest.records import LEVELS, Level
from reporting.i18n import translator
from reporting.model import Member, Role
from reporting.questionnaire import Questionnaire

_ = translator("digest")

VERB_ASSESS = "digest.assess"
VERB_ESCALATE = "digest.escalate"
MAX_ASSESSMENT_COMMENT = 2000
ASSESSING_ROLES = frozenset({Role.COORDINATOR, Role.DEPUTY})

_LEVEL_WORDS: dict[str, Level] = {
    "green": "green", "grönt": "green", "grön": "green", "gront": "green",
    "yellow": "yellow", "gult": "yellow", "gul": "yellow",
    "red": "red", "rött": "red", "röd": "red", "rott": "red",
}  # fmt: skip


class InvalidAssessment(ValueError):
    """The assessment cannot be stored as given; the message is for the person (Swedish)."""


@dataclass(frozen=True, slots=True)
class AssessmentInput:
    cycle_id: int
    question: str
    level: Level
    comment: str


def level_input_id(question: str) -> str:
    return f"assess_q{question}_level"


def comment_input_id(question: str) -> str:
    return f"assess_q{question}_comment"


def may_assess(member: Member | None, *, in_group: bool) -> bool:
    """True for an active coordinator or deputy who belongs to the cycle's group."""
    return member is not None and member.active and in_group and bool(member.roles & ASSESSING_ROLES)


def may_escalate_level(level: str) -> bool:
    """Which assessed levels can be lifted to Brå: red (always, automatically) and yellow."""
    return level in ("yellow", "red")


def escalates_automatically(level: str) -> bool:
    return level == "red"


def refusal(locale: str = "sv") -> str:
    return _(
        "Det är bara gruppens samordnare eller ersättare som kan sätta den sammanställda "
        "bedömningen. Hör av dig till samordnaren om du tycker att något ska ändras.",
        locale,
    )


def assessable(questionnaire: Questionnaire) -> tuple[str, ...]:
    """The questions that get a Sammanställd bedömning (those that ask for observations)."""
    return tuple(q.number for q in questionnaire.questions if q.observations)


def parse_level(value: object, locale: str = "sv") -> Level:
    """green/yellow/red, or the Swedish words (grönt/gult/rött)."""
    key = str(value).strip().lower() if isinstance(value, str) else ""
    if key not in _LEVEL_WORDS:
        raise InvalidAssessment(_("Välj en bedömning: grönt, gult eller rött.", locale))
    return _LEVEL_WORDS[key]


def check_question(questionnaire: Questionnaire, question: object, locale: str = "sv") -> str:
    number = str(question).strip()
    if number not in assessable(questionnaire):
        numbers = assessable(questionnaire)
        raise InvalidAssessment(
            _(
                "Fråga {question} får ingen sammanställd bedömning (välj fråga {first}–{last}).",
                locale,
                question=number,
                first=numbers[0],
                last=numbers[-1],
            )
        )
    return number


def check_comment(comment: object, locale: str = "sv") -> str:
    if comment is None:
        return ""
    if not isinstance(comment, str):
        raise InvalidAssessment(_("Kommentaren kunde inte läsas.", locale))
    if len(comment) > MAX_ASSESSMENT_COMMENT:
        raise InvalidAssessment(
            _("Kommentaren är för lång (högst {n} tecken).", locale, n=MAX_ASSESSMENT_COMMENT)
        )
    return comment.strip()


def parse_assessment(
    data: Mapping[str, Any], questionnaire: Questionnaire, locale: str = "sv"
) -> AssessmentInput:
    """The assessment a digest card's `Action.Execute` sends (verb `VERB_ASSESS`)."""
    cycle = data.get("cycle")
    if isinstance(cycle, str) and cycle.strip().isdigit():
        cycle = int(cycle)
    if not isinstance(cycle, int) or isinstance(cycle, bool):
        raise InvalidAssessment(_("Kortet saknar uppgift om perioden.", locale))
    question = check_question(questionnaire, data.get("question"), locale)
    level = parse_level(data.get(level_input_id(question)), locale)
    comment = check_comment(data.get(comment_input_id(question)), locale)
    return AssessmentInput(cycle, question, level, comment)


__all__ = [
    "LEVELS",
    "VERB_ASSESS",
    "VERB_ESCALATE",
    "AssessmentInput",
    "InvalidAssessment",
    "assessable",
    "check_comment",
    "check_question",
    "comment_input_id",
    "escalates_automatically",
    "level_input_id",
    "may_assess",
    "may_escalate_level",
    "parse_assessment",
    "parse_level",
    "refusal",
]
