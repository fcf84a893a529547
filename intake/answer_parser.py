"""Answers from free text, the way reporters really write them in an email.

Questions are recognised by number ("1.", "1)", "1:", "1 -", "Fråga 1", "F1", "Q1")
and by theme ("Hot och våld:", "Extremism:", "Ungdomar:"; case and diacritics do not
matter). Under a question, ``Svar:``, ``Påverkan (1–5):``, ``Kommentar:`` and
``Platser och tider:`` (the `intake.reply_format` labels, Swedish or English) route the
text; without labels, text is the observation. Impact may also be written inline
("påverkan 4/5", "4 av 5", "(4)" at the end, "P4" alone). A traffic light
("bedömning: gul", "rött") is not the reporter's to set: it is kept as an
``assessment_hint`` warning. "inget", "nej", "-", "inget nytt" mean nothing to report.

Text that maps to no question is not dropped: it goes to question 6 (Övrigt) with an
``unmapped`` warning. Every free-text field is screened for personal data
(``personal_data`` warnings, detail = kind); nothing is masked here.

A bare number starts a question only when it continues the numbering (1, 2, 3 …) and,
when the text also has themed headings, only when no themed heading for that number
exists; so a numbered list inside an answer stays in that answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from intake.reply_format import prompt_lines
from intake.textnorm import clean_spaces, fold, fold_same_length, unquote
from reporting.questionnaire import Question, Questionnaire
from reporting.screening import kinds as personal_data_kinds

OTHER_QUESTION = "6"
"""Where unmapped text goes ("Övrigt" in both templates)."""

_STOPWORDS = frozenset({"och", "eller", "samt", "and", "or", "of", "the", "i", "av", "kring", "om", "for"})
# Words people use for a theme that its title does not contain, keyed by a title word.
_ALIASES = {
    "ordningsstorningar": ("ordning", "ordningsstorning"),
    "otrygghet": ("otryggt",),
    "vald": ("valdet",),
    "hot": ("hoten",),
    "extremism": ("vaf", "extremister"),
    "natverk": ("gang", "gangkriminalitet"),
    "ungdomar": ("ungdom", "unga", "ungdomsmiljoer"),
    "skolor": ("skola", "skolan", "skolorna", "fritidsgardar", "fritidsgard"),
    "narkotika": ("droger", "knark", "andt", "andts"),
    "dopning": ("doping",),
    "doping": ("dopning",),
    "ovrigt": ("annat", "ovrigt"),
    "positiva": ("positivt",),
}

_EXPLICIT_RE = re.compile(
    r"^(?:fraga|fr\.|question|q|f)\s*[.:]?\s*(\d{1,2})(?![\d])\s*(?:[.):,]|-(?=\s*\S.*\S))?\s*(.*)$",
    re.IGNORECASE,
)
_NUMERIC_RE = re.compile(r"^(\d{1,2})(?:[.):](?![\d])(?!(?:a|e)\b)|\s+-(?=\s))\s*(.*)$")
_NUMBER_WORD_RE = re.compile(r"^(\d{1,2})\s+(.+)$")

_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("observations", re.compile(r"^(?:svar|answer|observationer|observation|iakttagelser)\s*:\s*(.*)$")),
    (
        "impact",
        re.compile(r"^(?:paverkan|impact)\s*¹?\s*(?:\(\s*\d\s*-\s*\d\s*\))?\s*([:=]\s*|\s+|$)(.*)$"),
    ),
    (
        "comment",
        re.compile(
            r"^(?:kommentar(?:\s*/\s*atgard)?|kommentar och atgard|atgard(?:er)?|comment(?:s)?"
            r"(?:\s*/\s*action)?|action)\s*:\s*(.*)$"
        ),
    ),
    (
        "places_times",
        re.compile(
            r"^(?:platser och tider|plats(?:er)?(?: och tid(?:er)?)?|tid(?:er)?(?: och plats(?:er)?)?"
            r"|var och nar|places and times|places?|where and when)\s*:\s*(.*)$"
        ),
    ),
    (
        "assessment",
        re.compile(r"^(?:(?:sammanstalld\s+)?bedomning|assessment|trafikljus|farg)\s*[¹²]?\s*[:=-]?\s*(.*)$"),
    ),
)
# Every label above begins with one of these: a cheap test before trying them one by one.
_LABEL_START_RE = re.compile(
    r"^(?:svar|answer|observation|iakttagelser|paverkan|impact|kommentar|atgard|comment|action|plats|tid"
    r"|var och|places|where|sammanstalld|bedomning|assessment|trafikljus|farg)"
)
_COLOURS = {
    "gron": "green", "gront": "green", "grona": "green", "green": "green", "\U0001f7e2": "green",
    "gul": "yellow", "gult": "yellow", "gula": "yellow", "yellow": "yellow", "\U0001f7e1": "yellow",
    "rod": "red", "rott": "red", "roda": "red", "red": "red", "\U0001f534": "red",
}  # fmt: skip
_COLOUR_RE = re.compile(
    r"^(" + "|".join(sorted(_COLOURS, key=len, reverse=True)) + r")(?!\w)[.!]*\s*[,.:;-]?\s*(.*)$"
)
_COLOUR_ONLY_RE = re.compile(r"^(" + "|".join(sorted(_COLOURS, key=len, reverse=True)) + r")[.!]*$")

_NUMBER_WORDS = {"ett": 1, "en": 1, "tva": 2, "tre": 3, "fyra": 4, "fem": 5, "one": 1, "two": 2, "three": 3,
                 "four": 4, "five": 5}  # fmt: skip
_IMPACT_VALUE_RE = re.compile(
    r"^(\d{1,2}|ett|en|tva|tre|fyra|fem|one|two|three|four|five)\b"
    r"(?:\s*(?:-|till|to)\s*(\d{1,2})\b)?\s*(?:(?:/|av|of)\s*5\b)?\s*[,.;:)]?\s*(.*)$"
)
_INLINE_IMPACT_RES = (
    re.compile(r"[\s,;(-]*\b(?:paverkan|impact)\s*[:=]?\s*([1-5])(?:\s*(?:/|av|of)\s*5)?\b\)?[.]?"),
    re.compile(r"[\s,;(-]*\b([1-5])\s+(?:av|of)\s+5\b\)?[.]?"),
    re.compile(r"[\s,;-]*\(([1-5])\)[.]?\s*$"),
    re.compile(r"[\s,;-]*\(p([1-5])\)\s*$"),
)
_P_ONLY_RE = re.compile(r"^\(?P\s*[:=]?\s*([1-5])\)?$")
_DIGIT_ONLY_RE = re.compile(r"^([1-5])[.]?$")

_NOTHING_RE = re.compile(
    r"^(?:"
    r"(?:inget|ingenting|inga|nej|nix|nope|nothing|none|no|ej aktuellt|inte aktuellt|n/a|na|x|0|-+)"
    r"(?:\s+(?:nytt|alls|sarskilt|speciellt|sarskilt nytt|att rapportera|att tillagga|att notera|att melda"
    r"|att anmarka|noterat|observerat|handelser|observationer|iakttagelser|kant|to report|new))?"
    r"(?:\s+(?:fran (?:oss|mig|min sida|var sida)|sedan forra (?:rapporten|gangen|veckan)"
    r"|(?:denna|den har|for denna|for den har|under denna|under perioden)?\s*(?:gang|gangen|period|perioden"
    r"|vecka|veckan|manad|manaden)|this (?:time|period|week)))?"
    r")[\s.!]*$"
)
_GREETING_RE = re.compile(
    r"^(?:hej|hejsan|halla|hallo|tjena|god (?:morgon|dag|eftermiddag)|hi|hello|dear)\b(?:\s+[a-z]+)?\s*[!,.:]*\s*"
)
_FILLER_RE = re.compile(
    r"^(?:(?:har|nedan) (?:kommer|ar|foljer) (?:min|mina|var|vara|veckans|periodens)\b.{0,40}"
    r"|(?:se|ser|finns|mina|vara)?\s*(?:mina |vara )?svar(?:en)? (?:nedan|under|i (?:mejlet|mailet|texten|mailen))"
    r".{0,20}"
    r"|(?:jag )?(?:har )?svara(?:r|t)? (?:nedan|direkt|i (?:mejlet|mailet|texten)|under varje fraga).{0,30}"
    r"|(?:tack|tack sa mycket|tack!|thanks|thank you)\b.{0,20}"
    r"|(?:ha en|trevlig) .{0,25}(?:dag|helg|vecka|kvall)[!.]*"
    r"|(?:mvh|med vanlig(?:a)? halsning(?:ar)?|vanliga halsningar|halsningar|best regards|regards)\b.{0,40}"
    r"|/\s*\w+(?: \w+)?)[\s!.]*$"
)
# Talk about the email itself, not the questions ("Resten skrev jag nedan", "vidarebefordrar").
_META_RE = re.compile(
    r"vidarebefordr|skickar (?:vidare|mitt svar|min rapport|mina svar)|\bforward"
    r"|svar(?:ar|en)? (?:nedan|direkt i|i (?:mejlet|mailet|texten))|resten (?:skrev|star|finns|har jag)"
    r"|\bse (?:nedan|svar)|missade att svara"
)
# "Resten inget att rapportera": every question not answered has nothing to report.
_REST_NOTHING_RE = re.compile(
    r"^(?:resten|ovriga(?: fragor)?|allt annat|alla andra(?: fragor)?|i ovrigt|annars|the rest|rest|otherwise)"
    r"\s*[:,-]?\s*(?:ar |har )?(?:inget|ingenting|inga|lugnt|nothing|none)\b.{0,40}$"
)


def _is_filler(line: str) -> bool:
    """Greetings, sign-offs and talk about the email: not an answer to any question."""
    folded = _GREETING_RE.sub("", fold(line))
    if not folded.strip(" !.,:"):
        return True
    return bool(_FILLER_RE.match(folded)) or (len(folded) <= 120 and bool(_META_RE.search(folded)))


_BULLET_RE = re.compile(r"^(?:[-*\u2022\u00b7\u25aa\u25cf\u25e6\u2013\u2014\u25cb>]|\d+\s*[.)](?=\s))\s*")
_BARE_BULLET_RE = re.compile(r"^[-*\u2022\u00b7\u2013\u2014]+$")
# "*1. Ordningsstörningar*", "**Hot och våld:** inget": bold, as HTML mail shows in plain text.
_BOLD_RE = re.compile(r"^([*_]{1,2})(\S[^*_]*?)\1(?=\s|$)")


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^\w]+", fold(text)) if t and t not in _STOPWORDS]


class _ThemeIndex:
    """Theme words per question, for matching headings such as "Hot och våld:" or "Extremism:".

    A label word scores 2 for a question whose theme has exactly that word, 1 when it is
    a prefix of a theme word ("ungdom" of "ungdomar") or a theme word's stem begins it
    ("skolan" for "skolor"); a label names the question where all its words score and
    the total is highest, if only one question has that total.
    """

    def __init__(self, questionnaire: Questionnaire) -> None:
        self.exact: dict[str, set[str]] = {}
        self.prefixes: dict[str, set[str]] = {}
        self.stems: dict[int, dict[str, set[str]]] = {}
        self.sizes: dict[str, int] = {}
        self.headings: dict[str, _Heading | None] = {}
        self._matches: dict[tuple[str, bool], str | None] = {}
        # Folded once: themes (original, folded) and the first words of each question text.
        self.themes = {
            q.number: [(t, fold(t)) for t in (q.theme.sv, q.theme.en) if t] for q in questionnaire.questions
        }
        self.question_heads = {
            q.number: [(fold(t)[:25], t.count("?")) for t in (q.text.sv, q.text.en) if t]
            for q in questionnaire.questions
        }
        for q in questionnaire.questions:
            sv_tokens = _tokens(q.theme.sv)
            self.sizes[q.number] = len(sv_tokens)
            words = set(sv_tokens + _tokens(q.theme.en))
            for token in list(words):
                words.update(_ALIASES.get(token, ()))
            for word in words:
                self.exact.setdefault(word, set()).add(q.number)
                for length in range(4, len(word) + 1):
                    self.prefixes.setdefault(word[:length], set()).add(q.number)
                stem = min(len(word), max(4, len(word) - 2))
                self.stems.setdefault(stem, {}).setdefault(word[:stem], set()).add(q.number)

    def _scores(self, token: str) -> dict[str, int]:
        scores = dict.fromkeys(self.exact.get(token, ()), 2)
        if len(token) >= 4:
            for number in self.prefixes.get(token, ()):
                scores.setdefault(number, 1)
            for length, table in self.stems.items():
                if len(token) >= length:
                    for number in table.get(token[:length], ()):
                        scores.setdefault(number, 1)
        return scores

    def match(self, label: str, *, need_full: bool = False) -> str | None:
        """The question whose theme `label` names, or None (no match or ambiguous)."""
        key = (label, need_full)
        if key in self._matches:
            return self._matches[key]
        if len(self._matches) > 50_000:
            self._matches.clear()
        found = self._match(label, need_full)
        self._matches[key] = found
        return found

    def _match(self, label: str, need_full: bool) -> str | None:
        tokens = _tokens(label)
        if not tokens or len(tokens) > 7:
            return None
        totals: dict[str, int] | None = None
        for token in tokens:
            scores = self._scores(token)
            if totals is None:
                totals = scores
            else:
                totals = {n: totals[n] + s for n, s in scores.items() if n in totals}
            if not totals:
                return None
        assert totals is not None
        best = max(totals.values())
        winners = [n for n, s in totals.items() if s == best]
        if len(winners) != 1:
            return None
        number = winners[0]
        if need_full and len(tokens) * 2 < self.sizes[number]:
            return None
        return number


_INDEXES: dict[int, tuple[Questionnaire, _ThemeIndex]] = {}


def _index(questionnaire: Questionnaire) -> _ThemeIndex:
    cached = _INDEXES.get(id(questionnaire))
    if cached is None or cached[0] is not questionnaire:
        cached = _INDEXES[id(questionnaire)] = (questionnaire, _ThemeIndex(questionnaire))
    return cached[1]


@dataclass
class _Acc:
    """What one question collected while reading."""

    observations: list[str] = field(default_factory=list)
    comment: list[str] = field(default_factory=list)
    places_times: list[str] = field(default_factory=list)
    impact: int | None = None
    assessment: str | None = None
    touched: bool = False

    def is_empty(self) -> bool:
        return not (
            any(s.strip() for s in self.observations + self.comment + self.places_times)
            or self.impact is not None
            or self.assessment
        )


@dataclass
class ParsedAnswers:
    """The answers found in one piece of text, before merging and screening."""

    questions: dict[str, _Acc] = field(default_factory=dict)
    warnings: list[dict[str, str]] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    nothing_at_all: bool = False
    rest_nothing: bool = False

    @property
    def mapped(self) -> bool:
        return any(not acc.is_empty() for acc in self.questions.values()) or self.nothing_at_all


@dataclass
class _Heading:
    number: str
    rest: str
    strong: bool


def _clean(line: str) -> str:
    return _BOLD_RE.sub(r"\2", clean_spaces(unquote(line))).strip()


def _strip_question_text(rest: str, index: _ThemeIndex, number: str) -> str:
    """Drop the template's question text after a heading ("Fråga 1, Tema: Vilka …?")."""
    if not rest:
        return rest
    folded = fold(rest)
    for head, marks in index.question_heads[number]:
        if head and folded.startswith(head):
            if marks == 0:
                return ""
            parts = rest.split("?", marks)
            return parts[marks].strip() if len(parts) > marks else ""
    return rest


def _theme_prefix(rest: str, questionnaire: Questionnaire, number: str) -> tuple[bool, str]:
    """Whether `rest` begins with the question's theme; and the text after it."""
    index = _index(questionnaire)
    label, colon, after = rest.partition(":")
    if colon and index.match(label) == number:
        return True, _strip_question_text(after.strip(), index, number)
    if not colon and index.match(rest) == number:
        return True, ""
    folded = fold(rest)
    for theme, folded_theme in index.themes[number]:
        if folded.startswith(folded_theme):
            return True, _strip_question_text(rest[len(theme) :].lstrip(" :,-"), index, number)
    stripped = _strip_question_text(rest, index, number)
    return stripped != rest, stripped


def _heading(line: str, questionnaire: Questionnaire) -> _Heading | None:
    """The question `line` starts, if it is a heading (cached per questionnaire)."""
    cache = _index(questionnaire).headings
    if line in cache:
        return cache[line]
    if len(cache) > 50_000:
        cache.clear()
    found = cache[line] = _find_heading(line, questionnaire)
    return found


def _find_heading(line: str, questionnaire: Questionnaire) -> _Heading | None:
    numbers = questionnaire.numbers
    folded = fold_same_length(line)
    m = _EXPLICIT_RE.match(folded)
    if m and m.group(1).lstrip("0") in numbers:
        number = m.group(1).lstrip("0")
        rest = line[m.start(2) :] if m.group(2) else ""
        _, rest = _theme_prefix(rest, questionnaire, number)
        return _Heading(number, rest, True)
    m = _NUMERIC_RE.match(line)
    if m and m.group(1).lstrip("0") in numbers:
        number = m.group(1).lstrip("0")
        themed, rest = _theme_prefix(m.group(2), questionnaire, number)
        return _Heading(number, rest if themed else m.group(2), themed)
    m = _NUMBER_WORD_RE.match(line)
    if m and m.group(1).lstrip("0") in numbers:
        number = m.group(1).lstrip("0")
        themed, rest = _theme_prefix(m.group(2), questionnaire, number)
        if themed:
            return _Heading(number, rest, True)
        if _NOTHING_RE.match(fold(m.group(2))):
            return _Heading(number, m.group(2), False)
        return None
    label, colon, after = line.partition(":")
    index = _index(questionnaire)
    if colon and len(label) <= 60:
        number = index.match(label)
        if number is not None:
            return _Heading(number, _strip_question_text(after.strip(), index, number), True)
    elif not colon and len(line) <= 60:
        number = index.match(line, need_full=True)
        if number is not None:
            return _Heading(number, "", True)
    return None


def _impact_value(text: str) -> tuple[int | None, str, str | None]:
    """(impact, remaining text, warning code) from the text after an impact label."""
    m = _IMPACT_VALUE_RE.match(fold_same_length(text))
    if not m:
        return None, text, None
    first = m.group(1)
    value = _NUMBER_WORDS.get(first) or int(first)
    remainder = text[m.start(3) :] if m.group(3) else ""
    if m.group(2):
        high = int(m.group(2))
        if (value, high) == (1, 5):  # the template's "1–5", left as it was
            return None, remainder, None
        value, code = max(value, high), "impact_unclear"
        if not 1 <= value <= 5:
            return None, remainder, "impact_out_of_range"
        return value, remainder, code
    if not 1 <= value <= 5:
        return None, remainder, "impact_out_of_range"
    return value, remainder, None


def _inline_impact(text: str) -> tuple[int | None, str]:
    folded = fold_same_length(text)
    for pattern in _INLINE_IMPACT_RES:
        m = pattern.search(folded)
        if m:
            start, end = m.span()
            return int(m.group(1)), (text[:start] + text[end:]).strip()
    return None, text


class _Reader:
    """Reads lines into questions; one instance per text."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        self.q = questionnaire
        self.ignore = prompt_lines(questionnaire)
        self.result = ParsedAnswers()
        self.current: str | None = None
        self.field = "observations"
        self.leading: list[str] = []

    # -- state ----------------------------------------------------------------

    def _acc(self) -> _Acc:
        assert self.current is not None
        return self.result.questions.setdefault(self.current, _Acc())

    def _question(self) -> Question:
        assert self.current is not None
        return self.q.question(self.current)

    def _default_field(self) -> str:
        return "observations" if self._question().observations else "comment"

    def _warn(self, code: str, detail: str) -> None:
        warning = {"code": code, "question": self.current or OTHER_QUESTION, "detail": detail}
        if warning not in self.result.warnings:
            self.result.warnings.append(warning)

    def start(self, number: str) -> None:
        self.current = number
        self.field = self._default_field()
        self._acc().touched = True

    def _add(self, target: str, text: str) -> None:
        question = self._question()
        if target == "places_times" and not question.places_times:
            target = self._default_field()
        if target == "observations" and not question.observations:
            target = "comment"
        getattr(self._acc(), target).append(text)

    # -- pieces of a line -------------------------------------------------------

    def _impact(self, line: str, value: str, labelled: bool) -> bool:
        """Handle ``Påverkan …``; False when the line turns out not to be a score."""
        question = self._question()
        if not value:
            self.field = "impact_pending"
            return True
        impact, remainder, code = _impact_value(value)
        if impact is None and code is None:
            if not labelled:
                return False  # "Påverkan på tryggheten är stor": a sentence
            self._add("comment", line)
            return True
        if not question.impact:
            self._add(self._default_field(), line)
            return True
        if code:
            self._warn(code, value[:40])
        if impact is not None:
            self._acc().impact = impact
        if remainder.strip():
            self._add("comment", remainder.strip())
        return True

    def _assessment(self, text: str) -> bool:
        """Record a traffic light at the start of `text`; True if there was one."""
        m = _COLOUR_RE.match(fold_same_length(text))
        if not m:
            return False
        level = _COLOURS[m.group(1)]
        self._acc().assessment = level
        self._warn("assessment_hint", level)
        remainder = text[m.start(2) :].strip() if m.group(2) else ""
        if remainder:
            self._add("comment", remainder)
        return True

    def content(self, line: str) -> None:
        """A line inside a question: a label, an inline impact, a traffic light or text."""
        folded = fold_same_length(line)
        pending = self.field if self.field.endswith("_pending") else ""
        if pending:
            self.field = self._default_field()
        for name, pattern in _LABELS if _LABEL_START_RE.match(folded) else ():
            m = pattern.match(folded)
            if not m:
                continue
            value = line[m.start(m.lastindex or 1) :].strip()
            if name == "impact":
                if self._impact(line, value, labelled=bool(m.group(1).strip())):
                    if self.field != "impact_pending":
                        self.field = self._default_field()
                    return
                break
            if name == "assessment":
                if not value:
                    self.field = "assessment_pending"
                    return
                if self._assessment(value):
                    return
                break
            if name == "places_times" and not self._question().places_times:
                break  # keep "Plats: …" as written where the template asks for no places
            self.field = name
            if value:
                self._text(value)
            return
        if pending == "assessment_pending" and self._assessment(line):
            return
        if _COLOUR_ONLY_RE.match(folded):
            self._assessment(line)
            return
        if pending == "impact_pending":
            impact, _remainder, code = _impact_value(line)
            if impact is not None or code:
                self._impact(line, line, labelled=True)
                return
        self._text(line)

    def _text(self, line: str) -> None:
        question = self._question()
        acc = self._acc()
        if question.impact and acc.impact is None:
            m = _P_ONLY_RE.match(line)
            if m is None and any(s.strip() for s in acc.observations):
                m = _DIGIT_ONLY_RE.match(line)
            if m:
                acc.impact = int(m.group(1))
                return
            impact, rest = _inline_impact(line)
            if impact is not None:
                acc.impact = impact
                line = rest
                if not line:
                    return
        target = self.field if self.field in ("observations", "comment", "places_times") else "observations"
        self._add(target, line)

    def _blank(self) -> None:
        if self.field in ("observations", "comment", "places_times"):
            lines = getattr(self._acc(), self.field)
            if lines and lines[-1] != "":
                lines.append("")

    # -- the text ---------------------------------------------------------------

    def feed(self, lines: list[str]) -> ParsedAnswers:
        headings = [_heading(line, self.q) if line else None for line in lines]
        strong_numbers = {h.number for h in headings if h is not None and h.strong}
        themed_document = len(strong_numbers) >= 2
        highest = 0
        for line, heading in zip(lines, headings, strict=True):
            if heading is not None and not heading.strong:
                number = int(heading.number)
                if number <= highest or (themed_document and heading.number in strong_numbers):
                    heading = None
            if heading is not None:
                self.start(heading.number)
                highest = max(highest, int(heading.number))
                if heading.rest:
                    self.content(heading.rest)
                continue
            if line and _REST_NOTHING_RE.match(fold(line)):
                self.result.rest_nothing = True
                continue
            if self.current is None:
                self.leading.append(line)
            elif line:
                self.content(line)
            else:
                self._blank()
        return self._finish()

    def _finish(self) -> ParsedAnswers:
        if self.current is not None:
            acc = self._acc()
            for target in (acc.observations, acc.comment, acc.places_times):
                while target and (not target[-1] or _is_filler(target[-1])):
                    target.pop()
        leading = [line for line in self.leading if line and not _is_filler(line)]
        if leading:
            nothing_mapped = all(acc.is_empty() for acc in self.result.questions.values())
            if nothing_mapped and _NOTHING_RE.match(fold(" ".join(leading))):
                self.result.nothing_at_all = True
            else:
                self.result.unmapped.append("\n".join(self._paragraphs(self.leading)))
        return self.result

    @staticmethod
    def _paragraphs(lines: list[str]) -> list[str]:
        kept = [line for line in lines if not (line and _is_filler(line))]
        while kept and not kept[0]:
            kept.pop(0)
        while kept and not kept[-1]:
            kept.pop()
        return kept


def _prepare(text: str, ignore: frozenset[str]) -> list[str]:
    lines = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _clean(raw)
        if line and fold(line) in ignore and not _is_structural(line):
            continue
        lines.append(line)
    return lines


def _is_structural(line: str) -> bool:
    """Prompt lines that carry structure (headings, labels) are kept for the reader."""
    folded = fold_same_length(line)
    return bool(_NUMERIC_RE.match(line) or _EXPLICIT_RE.match(folded)) or any(
        p.match(folded) for _n, p in _LABELS
    )


def parse_answers(text: str, questionnaire: Questionnaire) -> ParsedAnswers:
    """The answers in `text` (unquoted reply text or a recovered reply form)."""
    reader = _Reader(questionnaire)
    return reader.feed(_prepare(text, reader.ignore))


def merge(primary: ParsedAnswers, secondary: ParsedAnswers) -> ParsedAnswers:
    """`primary`'s answers, completed by `secondary`'s for questions `primary` left empty."""
    merged = ParsedAnswers(
        questions=dict(primary.questions),
        warnings=list(primary.warnings),
        unmapped=list(primary.unmapped) + list(secondary.unmapped),
        nothing_at_all=primary.nothing_at_all and not secondary.mapped,
        rest_nothing=primary.rest_nothing or secondary.rest_nothing,
    )
    taken = {n for n, acc in primary.questions.items() if not acc.is_empty()}
    for number, acc in secondary.questions.items():
        if number not in taken:
            merged.questions[number] = acc
    for warning in secondary.warnings:
        if warning["question"] not in taken and warning not in merged.warnings:
            merged.warnings.append(warning)
    return merged


def _join(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        if _BARE_BULLET_RE.match(line):
            continue
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(
            _BULLET_RE.sub("- ", line, count=1) if _BULLET_RE.match(line) and line[0] in "*•·▪●◦–—○" else line
        )
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


def _is_nothing(lines: list[str]) -> bool:
    text = " ".join(line for line in lines if line)
    if not text:
        return False
    return bool(_NOTHING_RE.match(fold(text))) or all(_BARE_BULLET_RE.match(line) for line in lines if line)


def to_report(
    parsed: ParsedAnswers, questionnaire: Questionnaire
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The DESIGN ``answers`` object and ``warnings`` list: unmapped text placed, everything screened."""
    warnings = list(parsed.warnings)
    answers: dict[str, Any] = {}
    questions = dict(parsed.questions)
    if parsed.nothing_at_all or parsed.rest_nothing:
        for q in questionnaire.questions:
            if q.observations and (q.number not in questions or questions[q.number].is_empty()):
                questions[q.number] = _Acc(observations=["inget"], touched=True)
    if parsed.unmapped:
        other = questions.setdefault(OTHER_QUESTION, _Acc(touched=True))
        mapped_elsewhere = any(not acc.is_empty() for acc in parsed.questions.values())
        if other.observations and not _is_nothing(other.observations):
            other.observations = [*other.observations, ""]
        elif other.observations:
            other.observations = []
        other.observations = [*other.observations, *"\n\n".join(parsed.unmapped).split("\n")]
        warnings.append(
            {"code": "unmapped", "question": OTHER_QUESTION, "detail": "part" if mapped_elsewhere else "all"}
        )
    for q in questionnaire.questions:
        acc = questions.get(q.number)
        if acc is None or acc.is_empty():
            continue
        if not q.observations:
            comment_lines = (
                acc.observations + ([""] if acc.observations and acc.comment else []) + acc.comment
            )
            comment = "" if _is_nothing(comment_lines) else _join(comment_lines)
            answers[q.number] = {"comment": comment}
            fields = {"comment": comment}
        else:
            nothing = _is_nothing(acc.observations)
            answer: dict[str, Any] = {
                "observations": "" if nothing else _join(acc.observations),
                "impact": acc.impact if q.impact else None,
                "comment": _join(acc.comment),
                "nothing_to_report": nothing,
            }
            if q.places_times:
                answer["places_times"] = _join(acc.places_times)
            answers[q.number] = answer
            fields = {k: v for k, v in answer.items() if isinstance(v, str)}
        for text in fields.values():
            for kind in personal_data_kinds(text):
                warning = {"code": "personal_data", "question": q.number, "detail": kind}
                if warning not in warnings:
                    warnings.append(warning)
    order = {n: i for i, n in enumerate(questionnaire.numbers)}
    warnings.sort(key=lambda w: order.get(w["question"], 99))
    return answers, warnings
