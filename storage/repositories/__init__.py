"""Repositories: one per aggregate, each working inside the caller's session (unit of work)
and returning `reporting.model` dataclasses, never ORM rows."""

from storage.repositories.cycles import CycleRepository
from storage.repositories.groups import GroupRepository
from storage.repositories.members import MemberRepository
from storage.repositories.organisations import OrganisationRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.questionnaires import QuestionnaireRepository
from storage.repositories.submissions import SubmissionRepository
from storage.repositories.teams import TeamsRepository

__all__ = [
    "CycleRepository",
    "GroupRepository",
    "MemberRepository",
    "OrganisationRepository",
    "OutboxRepository",
    "QuestionnaireRepository",
    "SubmissionRepository",
    "TeamsRepository",
]
