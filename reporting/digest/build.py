"""The digest of one cycle as DESIGN's JSON (`lagesbild digest --format json`).

`build_digest(inputs)` is pure: the operation loads the cycle, its reports, the group's
earlier cycles (a year back), the place list and any assessments, and this turns them
into the JSON, the chart series and the item → reports map that is stored beside it.

Per question that asks for observations (1–6 in both templates):
- `counts` split the submitted reports: `observations` (something reported),
  `nothing` ("Inget att rapportera" ticked), `not_answered` (the question left blank).
  Who did not send a report at all is in `response.not_answered`.
- `items`: the observations grouped (`grouping`), each with its agencies (never a
  reporter's name), the number of reports behind it, places, times and `recurring`.
- `impact` (`trends`), `suggested_assessment` (`suggestion`), and `assessment`: the
  group's, once set, else null.
Questions without observations (7) are listed as `positive`. Every free text is masked
(`screening.mask`) before it is used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reporting.digest.grouping import Observation, group_observations, split_observations
from reporting.digest.places import PlaceMatcher, free_places, matcher, times_in
from reporting.digest.records import Assessment, ChartPoint, EarlierCycle
from reporting.digest.recurrence import EarlierObservations, Recurring
from reporting.digest.suggestion import suggest
from reporting.digest.text import Idf
from reporting.digest.trends import HISTORY_CYCLES, history_means, impact_of
from reporting.formatting import format_period
from reporting.model import Answer, Cycle, Member, Submission, SubmissionState
from reporting.questionnaire import Question, Questionnaire
from reporting.response import response_of
from reporting.screening import mask


@dataclass(frozen=True, slots=True)
class DigestInputs:
    group_name: str
    cycle: Cycle
    questionnaire: Questionnaire
    reporters: Sequence[Member]  # the group's members (reporters are picked by role)
    members: Mapping[int, Member]  # everyone who may have submitted, by id (for agencies)
    submissions: Sequence[Submission]  # this cycle's, drafts included
    earlier: Sequence[EarlierCycle]  # the group's earlier cycles with reports, oldest first
    chart: Sequence[ChartPoint]  # up to twelve cycles, this one last
    places: Sequence[str]
    assessments: Mapping[str, Assessment]
    on: dt.date  # the day whose absences count (the deadline's date)
    locale: str = "sv"


@dataclass(frozen=True, slots=True)
class BuiltDigest:
    data: dict[str, Any]
    series: dict[str, Any]
    sources: dict[str, list[list[int]]]


def _reported(answer: Answer | None) -> bool:
    if answer is None or answer.nothing_to_report:
        return False
    return bool(
        answer.observations.strip()
        or answer.places_times.strip()
        or answer.comment.strip()
        or answer.impact is not None
    )


def _answer_places(places: PlaceMatcher, text: str, places_times: str) -> list[str]:
    found = places.places_in(text) + places.places_in(places_times)
    if places_times.strip():
        found += free_places(places_times, places)
    return list(dict.fromkeys(found))


def _observations(answer: Answer, source: int, agency: str, places: PlaceMatcher) -> list[Observation]:
    text = mask(answer.observations.strip() or answer.comment.strip() or answer.places_times.strip())
    places_times = mask(answer.places_times.strip())
    shared_places = _answer_places(places, "", places_times)
    shared_times = times_in(places_times)
    result = []
    for part in split_observations(text) or ([text] if text else []):
        own_places = places.places_in(part)
        result.append(
            Observation(
                text=part,
                source=source,
                agency=agency,
                places=tuple(dict.fromkeys(own_places + shared_places)),
                times=tuple(dict.fromkeys(times_in(part) + shared_times)),
            )
        )
    return result


def assessment_json(assessment: Assessment | None, questionnaire: Questionnaire, locale: str) -> Any:
    if assessment is None:
        return None
    labels = {a.level: a.label.get(locale) for a in questionnaire.assessment_scale}
    return {
        "level": assessment.level,
        "label": labels.get(assessment.level, assessment.level),
        "comment": mask(assessment.comment),
        "set_at": assessment.set_at.isoformat(),
        "escalated": assessment.escalated,
    }


def _question(
    inputs: DigestInputs, question: Question, submitted: Sequence[Submission], places: PlaceMatcher
) -> tuple[dict[str, Any], list[list[int]]]:
    n = question.number
    counts = {"observations": 0, "nothing": 0, "not_answered": 0}
    current: list[Observation] = []
    scores: list[int] = []
    for submission in submitted:
        answer = submission.answers.get(n)
        if _reported(answer):
            assert answer is not None
            counts["observations"] += 1
            member = inputs.members.get(submission.member_id)
            agency = member.agency.strip().lower() if member else ""
            current.extend(_observations(answer, submission.id, agency, places))
            if answer.impact is not None:
                scores.append(answer.impact)
        elif answer is not None and answer.nothing_to_report:
            counts["nothing"] += 1
        else:
            counts["not_answered"] += 1

    earlier_docs: list[tuple[int, dict[str, float]]] = []
    earlier = EarlierObservations()
    for cycle in inputs.earlier:
        earlier.add_cycle(cycle.cycle_id)
        for rec in cycle.answers:
            if rec.question != n or rec.nothing_to_report:
                continue
            source = rec.observations.strip() or rec.places_times.strip()
            if not source:
                continue
            shared = _answer_places(places, "", rec.places_times) if rec.places_times else []
            for part in split_observations(source):
                obs = Observation(part, 0, "", tuple(dict.fromkeys(places.places_in(part) + shared)))
                earlier_docs.append((cycle.cycle_id, obs.counts()))

    current_counts = [o.counts() for o in current]
    idf = Idf([*current_counts, *(doc for _, doc in earlier_docs)])
    for cycle_id, doc in earlier_docs:
        earlier.add(cycle_id, idf.vector(doc))

    groups = group_observations(current, idf)
    recurring: list[Recurring | None] = [earlier.recurring(g.vector) for g in groups]
    seen = [r.cycles_seen if r is not None else 0 for r in recurring]
    order = sorted(range(len(groups)), key=lambda i: (-groups[i].sources, -seen[i], i))
    items = []
    sources = []
    for i in order:
        group, again = groups[i], recurring[i]
        items.append(
            {
                "summary": group.summary,
                "agencies": group.agencies,
                "sources": group.sources,
                "places": group.places,
                "times": group.times,
                "recurring": again.as_json() if again else None,
            }
        )
        sources.append(group.source_ids)

    earlier_scores = [_scores(c) for c in inputs.earlier if c.answers]
    impact = impact_of(scores, history_means(earlier_scores, n, HISTORY_CYCLES))
    suggestion = suggest(
        observations=counts["observations"],
        mean=impact.mean,
        max_impact=impact.max,
        items=items,
        scores=len(scores),
        locale=inputs.locale,
    )
    return (
        {
            "question": n,
            "theme": question.theme.get(inputs.locale),
            "counts": counts,
            "impact": impact.as_json(),
            "items": items,
            "suggested_assessment": suggestion.as_json(),
            "assessment": assessment_json(inputs.assessments.get(n), inputs.questionnaire, inputs.locale),
        },
        sources,
    )


def _scores(cycle: EarlierCycle) -> dict[str, list[int]]:
    scores: dict[str, list[int]] = {}
    for rec in cycle.answers:
        if rec.impact is not None and not rec.nothing_to_report:
            scores.setdefault(rec.question, []).append(rec.impact)
    return scores


def _positive(inputs: DigestInputs, submitted: Sequence[Submission]) -> list[str]:
    numbers = [q.number for q in inputs.questionnaire.questions if not q.observations]
    texts = []
    for submission in submitted:
        for n in numbers:
            answer = submission.answers.get(n)
            if answer is None or answer.nothing_to_report:
                continue
            for text in (answer.observations, answer.comment):
                texts.extend(split_observations(mask(text.strip())))
    return list(dict.fromkeys(texts))


def chart_series(points: Sequence[ChartPoint], questionnaire: Questionnaire, locale: str) -> dict[str, Any]:
    """The chart's data: per cycle its label and, per question, mean impact and count."""
    numbers = [q.number for q in questionnaire.questions if q.observations]
    return {
        "metric": "impact" if questionnaire.impact_scale is not None else "observations",
        "questions": {q.number: q.theme.get(locale) for q in questionnaire.questions if q.observations},
        "cycles": [
            {
                "cycle": p.cycle_id,
                "from": p.period_from.isoformat(),
                "to": p.period_to.isoformat(),
                "label": format_period(p.period_from, p.period_to, locale).split(",")[0],
                "means": {n: p.means[n] for n in numbers if n in p.means},
                "observations": {n: p.observations.get(n, 0) for n in numbers},
            }
            for p in points
        ],
    }


def build_digest(inputs: DigestInputs) -> BuiltDigest:
    submitted = sorted(
        (s for s in inputs.submissions if s.state is SubmissionState.SUBMITTED),
        key=lambda s: (s.submitted_at or dt.datetime.min.replace(tzinfo=dt.UTC), s.id),
    )
    response = response_of(list(inputs.reporters), list(inputs.submissions), on=inputs.on)
    places = matcher(tuple(inputs.places))
    questions = []
    sources: dict[str, list[list[int]]] = {}
    for question in inputs.questionnaire.questions:
        if not question.observations:
            continue
        data, item_sources = _question(inputs, question, submitted, places)
        questions.append(data)
        sources[question.number] = item_sources
    data = {
        "group": inputs.group_name,
        "cycle": inputs.cycle.id,
        "period": {"from": inputs.cycle.period_from.isoformat(), "to": inputs.cycle.period_to.isoformat()},
        "response": {
            "reported": len(response.reported),
            "nothing": len(response.nothing),
            "not_answered": [m.email for m in response.not_answered],
            "away": [m.email for m in response.away],
        },
        "questions": questions,
        "positive": _positive(inputs, submitted),
        "decisions": {"open": [], "overdue": []},
        "priorities": [],
    }
    return BuiltDigest(data, chart_series(inputs.chart, inputs.questionnaire, inputs.locale), sources)
