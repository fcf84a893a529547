"""Repositories: one per aggregate, each working inside the caller's session (unit of work)
and returning `reporting.model` dataclasses, never ORM rows."""

from storage.repositories.cycles import CycleRepository
from storage.repositories.groups import GroupRepository
from storage.repositories.members import MemberRepository
from storage.repositories.organisations import OrganisationRepository
from storage.repositories.questionnaires import QuestionnaireRepository
from storage.repositories.submissions import SubmissionRepository

__all__ = [
    "CycleRepository",
    "GroupRepository",
    "MemberRepository",
    "OrganisationRepository",
    "QuestionnaireRepository",
    "SubmissionRepository",
]
