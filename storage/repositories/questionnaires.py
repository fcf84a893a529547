"""Frozen, versioned copies of questionnaire definitions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.questionnaire import Questionnaire
from storage.errors import NotFound
from storage.models import QuestionnaireRow


class QuestionnaireRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def store(self, organisation_id: int, definition: dict[str, Any]) -> int:
        """The id of this definition for the organisation: the latest version when unchanged,
        else a new version."""
        preset = definition["preset"]
        latest = await self.session.scalar(
            select(QuestionnaireRow)
            .where(QuestionnaireRow.organisation_id == organisation_id, QuestionnaireRow.preset == preset)
            .order_by(QuestionnaireRow.version.desc())
            .limit(1)
        )
        if latest is not None and latest.definition == definition:
            return latest.id
        version = (latest.version + 1) if latest is not None else 1
        row = QuestionnaireRow(
            organisation_id=organisation_id, preset=preset, version=version, definition=definition
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def get(self, questionnaire_id: int) -> Questionnaire:
        row = await self.session.get(QuestionnaireRow, questionnaire_id)
        if row is None:
            raise NotFound(f"frågeformulär {questionnaire_id} finns inte")
        data = dict(row.definition)
        data["version"] = row.version
        return Questionnaire.from_dict(data)

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(QuestionnaireRow)) or 0)
