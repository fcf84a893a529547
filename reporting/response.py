"""Who answered a cycle: reported something, reported nothing, did not answer, away.

The same split feeds the coordinator's deadline summary and the digest's `response`.
A draft that was never submitted counts as not answered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reporting.model import Member, Role, Submission, SubmissionState


@dataclass(frozen=True, slots=True)
class Response:
    reported: tuple[Member, ...]
    nothing: tuple[Member, ...]
    not_answered: tuple[Member, ...]
    away: tuple[Member, ...]
    drafts: tuple[Member, ...]  # subset of not_answered: started but never sent


def response_of(reporters: list[Member], submissions: list[Submission], *, on: dt.date) -> Response:
    by_member = {s.member_id: s for s in submissions}
    reported, nothing, not_answered, away, drafts = [], [], [], [], []
    for member in sorted(reporters, key=lambda m: m.name):
        if Role.REPORTER not in member.roles:
            continue
        submission = by_member.get(member.id)
        if submission is not None and submission.state is SubmissionState.SUBMITTED:
            if any(a.has_observations or a.comment.strip() for a in submission.answers.values()):
                reported.append(member)
            else:
                nothing.append(member)
        elif member.is_away(on):
            away.append(member)
        else:
            not_answered.append(member)
            if submission is not None:
                drafts.append(member)
    return Response(tuple(reported), tuple(nothing), tuple(not_answered), tuple(away), tuple(drafts))
