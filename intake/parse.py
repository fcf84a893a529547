"""The whole email parse path: raw bytes to the DESIGN parsed-report dict. Pure; no I/O.

mime (decode) → classify (auto-reply, bounce, unknown sender, report) → quotes (split
the reporter's text from the quoted prompt) → answer_parser (answers, warnings,
personal-data screening). Answers come from the reporter's visible reply first; where
it leaves questions unanswered and the quoted prompt's reply form has text typed into
it, those answers fill the gaps. Backs ``lagesbild parse-email FILE.eml --json``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from intake.answer_parser import ParsedAnswers, merge, parse_answers, to_report
from intake.classify import Kind, classify
from intake.cycle_token import parse_token
from intake.message import InboundEmail
from intake.mime import parse_message
from intake.quotes import recover_inline_form, split_reply
from reporting.questionnaire import Questionnaire


def parse_answers_from(msg: InboundEmail, questionnaire: Questionnaire) -> ParsedAnswers:
    """The answers in a decoded email: visible reply first, then answers typed into the quote."""
    parts = split_reply(msg.text, from_name=msg.from_name)
    parsed = parse_answers(parts.visible, questionnaire)
    answered = {n for n, acc in parsed.questions.items() if not acc.is_empty()}
    if len(answered) < len(questionnaire.questions):
        for fragment in parts.quoted:
            form = recover_inline_form(fragment, questionnaire)
            if form is None:
                continue
            inline = parse_answers(form, questionnaire)
            if inline.mapped:
                if not answered:
                    # The visible text only pointed at the answers ("Se svar nedan"), or said
                    # something that belongs to no question: keep it as unmapped, not as "all".
                    parsed.nothing_at_all = False
                parsed = merge(parsed, inline)
            break
    return parsed


def parse_email(
    raw: bytes,
    questionnaire: Questionnaire,
    *,
    is_known_sender: Callable[[str], bool] | None = None,
    cycle_id: int | None = None,
) -> dict[str, Any]:
    """The parsed report of one raw email, with its kind, ids and decoding problems.

    ``cycle`` is `cycle_id` when the caller resolved it (e.g. from In-Reply-To), else the
    subject's ``[LB-n]`` token (``cycle_token``). ``body_cycle_token`` is a token found in
    the text (a reply whose subject was changed still quotes the prompt), for the caller
    to use when neither the subject nor In-Reply-To names the cycle.
    """
    return parsed_report(parse_message(raw), questionnaire, is_known_sender=is_known_sender, cycle_id=cycle_id)


def parsed_report(
    msg: InboundEmail,
    questionnaire: Questionnaire,
    *,
    is_known_sender: Callable[[str], bool] | None = None,
    cycle_id: int | None = None,
) -> dict[str, Any]:
    """`parse_email` of a message already decoded (the pipeline decodes each mail once)."""
    classification = classify(msg, is_known_sender)
    token = parse_token(msg.subject)
    body_token = parse_token(msg.text) if msg.text else None
    answers: dict[str, Any] = {}
    warnings: list[dict[str, str]] = []
    if classification.kind in (Kind.REPORT, Kind.UNKNOWN_SENDER) and not msg.oversized and not msg.too_deep:
        answers, warnings = to_report(parse_answers_from(msg, questionnaire), questionnaire)
    return {
        "reporter": msg.from_addr,
        "cycle": cycle_id if cycle_id is not None else token,
        "channel": "email",
        "answers": answers,
        "warnings": warnings,
        "kind": str(classification.kind),
        "kind_reason": classification.reason,
        "message_id": msg.message_id,
        "cycle_token": token,
        "body_cycle_token": body_token,
        "in_reply_to": msg.in_reply_to,
        "problems": [p.as_dict() for p in msg.problems],
    }
