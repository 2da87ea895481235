"""Queries about competence evidence, and who may see or decide it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Evidence, Person
from storage.standing import record_competent


def may_decide(decider: Person, owner: Person) -> bool:
    """Only the owner's line manager, an assessor or an admin — and never on your own evidence."""
    if decider.id == owner.id:
        return False
    return owner.line_manager_id == decider.id or decider.is_verifier


def may_view_record(viewer: Person, owner: Person) -> bool:
    return viewer.id == owner.id or owner.line_manager_id == viewer.id or viewer.is_verifier


async def evidence_for(db: AsyncSession, person_id: int, *, limit: int | None = None) -> list[Evidence]:
    query = (
        select(Evidence)
        .where(Evidence.person_id == person_id)
        .order_by(Evidence.activity_date.desc(), Evidence.id.desc())
    )
    if limit:
        query = query.limit(limit)
    return list(await db.scalars(query))


def _awaiting(decider: Person) -> Select:
    query = (
        select(Evidence, Person)
        .join(Person, Person.id == Evidence.person_id)
        .where(Evidence.status == "submitted", Person.id != decider.id)
    )
    if not decider.is_verifier:
        query = query.where(Person.line_manager_id == decider.id)
    return query


async def awaiting_decision(
    db: AsyncSession, decider: Person, *, limit: int = 20
) -> list[tuple[Evidence, Person]]:
    """Submitted evidence this person may decide, oldest first: their direct reports', or anyone's for
    assessors and admins."""
    query = _awaiting(decider).order_by(Evidence.created_at, Evidence.id).limit(limit)
    return [(e, p) for e, p in (await db.execute(query)).all()]


async def count_awaiting(db: AsyncSession, decider: Person) -> int:
    subquery = _awaiting(decider).with_only_columns(Evidence.id).subquery()
    return int(await db.scalar(select(func.count()).select_from(subquery)) or 0)


async def assessors(db: AsyncSession, *, exclude_id: int | None = None) -> list[Person]:
    """Active people with the assessor role: they verify for anyone without a line manager."""
    query = select(Person).where(Person.role == "assessor", Person.active.is_(True)).order_by(Person.name)
    if exclude_id is not None:
        query = query.where(Person.id != exclude_id)
    return list(await db.scalars(query))


async def change_if_submitted(db: AsyncSession, evidence_id: int, **values: Any) -> bool:
    """Change evidence only while it is still "submitted"; False when someone else got there first.

    A conditional UPDATE (checked by its row count) rather than read-then-write, so two decisions at the
    same moment — a double click, two assessors, a withdrawal racing a decision — cannot both land.
    """
    result = await db.execute(
        update(Evidence)
        .where(Evidence.id == evidence_id, Evidence.status == "submitted")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    changed = result.rowcount == 1
    if changed and values.get("status") == "competent":
        await record_competent(db, evidence_id)
    return changed
