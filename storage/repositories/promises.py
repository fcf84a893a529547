"""Citizen promises with their items and follow-ups."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.bra.promises import PromiseInput
from reporting.bra.records import FollowUp, Indicator, Promise, PromiseItem, Responsible
from storage.errors import AlreadyExists, NotFound
from storage.models import PromiseFollowUpRow, PromiseItemRow, PromiseRow
from storage.upsert import insert_for


def _indicators(raw: list[dict[str, Any]]) -> tuple[Indicator, ...]:
    return tuple(Indicator(str(i["name"]), i.get("target"), str(i.get("unit") or "")) for i in raw)


def _to_domain(row: PromiseRow) -> Promise:
    return Promise(
        id=row.id,
        organisation_id=row.organisation_id,
        title=row.title,
        period_from=row.period_from,
        period_to=row.period_to,
        background=row.background,
        validity=row.validity,
        signed_at=row.signed_at,
        signed_place=row.signed_place,
        signatories=tuple((str(s["name"]), str(s.get("title") or "")) for s in row.signatories),
        items=tuple(
            PromiseItem(
                number=i.number,
                heading=i.heading,
                text=i.text,
                responsible=Responsible(i.responsible),
                questions=tuple(q for q in i.questions.split(",") if q),
                indicators=_indicators(i.indicators),
            )
            for i in row.items
        ),
        follow_ups=tuple(
            FollowUp(i.number, f.month, f.text, f.value, f.at, f.by_name, f.indicator)
            for i in row.items
            for f in i.follow_ups
        ),
        created_at=row.created_at,
    )


class PromiseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, organisation_id: int, promise: PromiseInput, *, member_id: int | None, now: dt.datetime
    ) -> Promise:
        row = PromiseRow(
            organisation_id=organisation_id,
            title=promise.title,
            period_from=promise.period_from,
            period_to=promise.period_to,
            background=promise.background,
            validity=promise.validity,
            signed_at=promise.signed_at,
            signed_place=promise.signed_place,
            signatories=[{"name": n, "title": t} for n, t in promise.signatories],
            created_by_member_id=member_id,
            created_at=now,
            items=[
                PromiseItemRow(
                    number=i.number,
                    heading=i.heading,
                    text=i.text,
                    responsible=i.responsible.value,
                    questions=",".join(i.questions),
                    indicators=[{"name": x.name, "target": x.target, "unit": x.unit} for x in i.indicators],
                    follow_ups=[],
                )
                for i in promise.items
            ],
        )
        try:
            async with self.session.begin_nested():
                self.session.add(row)
                await self.session.flush()
        except IntegrityError as exc:
            raise AlreadyExists(
                f"Medborgarlöftet ”{promise.title}” från {promise.period_from.isoformat()} finns redan"
            ) from exc
        return await self.get(row.id)

    async def get(self, promise_id: int) -> Promise:
        row = await self.session.scalar(
            select(PromiseRow).where(PromiseRow.id == promise_id).execution_options(populate_existing=True)
        )
        if row is None:
            raise NotFound(f"Medborgarlöfte {promise_id} finns inte")
        return _to_domain(row)

    async def all(self, organisation_id: int | None = None) -> list[Promise]:
        stmt = select(PromiseRow).order_by(PromiseRow.period_from, PromiseRow.id)
        if organisation_id is not None:
            stmt = stmt.where(PromiseRow.organisation_id == organisation_id)
        return [
            _to_domain(r) for r in await self.session.scalars(stmt.execution_options(populate_existing=True))
        ]

    async def follow_up(
        self,
        promise_id: int,
        item_number: int,
        *,
        month: str,
        indicator: int,
        text: str,
        value: float | None,
        member_id: int | None,
        by_name: str,
        now: dt.datetime,
    ) -> bool:
        """Store the item's follow-up for the month (replacing one written before); True if new."""
        item_id = await self.session.scalar(
            select(PromiseItemRow.id).where(
                PromiseItemRow.promise_id == promise_id, PromiseItemRow.number == item_number
            )
        )
        if item_id is None:
            raise NotFound(f"Medborgarlöfte {promise_id} har ingen punkt {item_number}")
        existing = await self.session.scalar(
            select(PromiseFollowUpRow.id).where(
                PromiseFollowUpRow.item_id == item_id,
                PromiseFollowUpRow.month == month,
                PromiseFollowUpRow.indicator == indicator,
            )
        )
        values = {"text": text, "value": value, "by_member_id": member_id, "by_name": by_name, "at": now}
        stmt = insert_for(self.session, PromiseFollowUpRow).values(
            item_id=item_id, month=month, indicator=indicator, **values
        )
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=["item_id", "month", "indicator"], set_=values)
        )
        return existing is None
