"""Queries about competence evidence, and who may see or decide it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Evidence, Person


def may_decide(decider: Person, owner: Person) -> bool:
    """Only the owner's line manager, an assessor or an admin — and never on your own evidence."""
    if decider.id == owner.id:
        return False
    return owner.line_manager_id == decider.id or decider.is_verifier


def may_view_record(viewer: Person, owner: Person) -> bool:
    return viewer.id == owner.id or owner.line_manager_id == viewer.id or viewer.is_verifier


async def evidence_for(db: AsyncSession, person_id: int, *, limit: int | None = None) -> list[Evidence]:
    query = select(Evidence).where(Evidence.person_id == person_id).order_by(Evidence.activity_date.desc(), Evidence.id.desc())
    if limit:
        query = query.limit(limit)
    return list(await db.scalars(query))


async def awaiting_decision(db: AsyncSession, decider: Person, *, limit: int = 20) -> list[tuple[Evidence, Person]]:
    """Submitted evidence this person may decide: their direct reports', or everyone's for assessors/admins."""
    query = (
        select(Evidence, Person)
        .join(Person, Person.id == Evidence.person_id)
        .where(Evidence.status == "submitted", Person.id != decider.id)
        .order_by(Evidence.created_at, Evidence.id)
        .limit(limit)
    )
    if not decider.is_verifier:
        query = query.where(Person.line_manager_id == decider.id)
    return [(e, p) for e, p in (await db.execute(query)).all()]
