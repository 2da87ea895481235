"""Reflections are private to their author; these are the only ways they are read."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person, Reflection


async def reflections_for(db: AsyncSession, person_id: int, *, limit: int | None = None) -> list[Reflection]:
    query = (
        select(Reflection)
        .where(Reflection.person_id == person_id, Reflection.deleted.is_(False))
        .order_by(Reflection.created_at.desc(), Reflection.id.desc())
    )
    if limit:
        query = query.limit(limit)
    return list(await db.scalars(query))


async def own_reflection(db: AsyncSession, person_id: int, reflection_id: int) -> Reflection | None:
    """The author's own reflection, or None — the same answer for someone else's as for a missing one."""
    reflection = await db.get(Reflection, reflection_id)
    if reflection is None or reflection.person_id != person_id or reflection.deleted:
        return None
    return reflection


async def shared_reflections_for_manager(db: AsyncSession, manager_id: int) -> list[tuple[Person, Reflection]]:
    rows = await db.execute(
        select(Person, Reflection)
        .join(Reflection, Reflection.person_id == Person.id)
        .where(Person.line_manager_id == manager_id, Reflection.shared_with_manager.is_(True),
               Reflection.deleted.is_(False))
        .order_by(Reflection.created_at.desc())
    )
    return [(p, r) for p, r in rows.all()]
