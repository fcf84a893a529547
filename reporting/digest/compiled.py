"""The compiled lägesbild: the frozen digest with the group's assessments laid over it.

The stored digest is never changed; what the group decides in the meeting is stored
apart and joined here, so `lagesbild digest` and the exports after the meeting show the
Sammanställd bedömning and Kommentar/åtgärd, while a delivery resends what was built.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from reporting.digest.build import assessment_json
from reporting.digest.records import Assessment
from reporting.questionnaire import Questionnaire


def compiled(
    data: Mapping[str, Any],
    assessments: Mapping[str, Assessment],
    questionnaire: Questionnaire,
    locale: str = "sv",
) -> dict[str, Any]:
    """A copy of the digest JSON whose questions carry the group's current assessments."""
    result = copy.deepcopy(dict(data))
    for question in result["questions"]:
        found = assessments.get(str(question["question"]))
        if found is not None:
            question["assessment"] = assessment_json(found, questionnaire, locale)
    return result
