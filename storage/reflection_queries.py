"""Reflections are private to their author; these are the only ways they are read.

The author reads their own. Their line manager reads only what the author chose to share with them — the
whole reflection, or just the summary the author wrote for sharing; sharing is with a person, so a new line
manager reads nothing shared with the one before (the author is asked to share again). Nobody else reads
them at all, and someone else's reflection looks exactly like a missing one.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person, Reflection


async def reflections_for(db: AsyncSession, person_id: int, *, limit: int | None = None) -> list[Reflection]:
    """The author's own reflections, newest first, without deleted ones."""
    query = (
        select(Reflection)
        .where(Reflection.person_id == person_id, Reflection.deleted.is_(False))
        .order_by(Reflection.created_at.desc(), Reflection.id.desc())
    )
    if limit:
        query = query.limit(limit)
    return list(await db.scalars(query))


async def count_reflections(db: AsyncSession, person_id: int) -> int:
    query = select(func.count(Reflection.id)).where(
        Reflection.person_id == person_id, Reflection.deleted.is_(False)
    )
    return int(await db.scalar(query) or 0)


async def own_reflection(db: AsyncSession, person_id: int, reflection_id: int) -> Reflection | None:
    """The author's own reflection, or None — the same answer for someone else's as for a missing one."""
    reflection = await db.get(Reflection, reflection_id)
    if reflection is None or reflection.person_id != person_id or reflection.deleted:
        return None
    return reflection


async def shared_reflections_for_manager(
    db: AsyncSession, manager_id: int
) -> list[tuple[Person, Reflection]]:
    """Reflections the manager's direct reports chose to share, newest first.

    When the author shared only a summary, read `manager_view(reflection)` (or `share_summary`), never the
    reflection's own text.
    """
    rows = await db.execute(
        select(Person, Reflection)
        .join(Reflection, Reflection.person_id == Person.id)
        .where(
            Person.line_manager_id == manager_id,
            Reflection.shared_with_manager.is_(True),
            Reflection.shared_with_id == manager_id,
            Reflection.deleted.is_(False),
        )
        .order_by(Reflection.created_at.desc(), Reflection.id.desc())
    )
    return [(person, reflection) for person, reflection in rows.all()]


async def shared_reflection_for_manager(
    db: AsyncSession, manager_id: int, reflection_id: int
) -> tuple[Person, Reflection] | None:
    """One reflection a direct report shared with this manager, or None (unshared looks like missing)."""
    reflection = await db.get(Reflection, reflection_id)
    if reflection is None or reflection.deleted or not reflection.shared_with_manager:
        return None
    if reflection.shared_with_id != manager_id:
        return None
    author = await db.get(Person, reflection.person_id)
    if author is None or author.line_manager_id != manager_id:
        return None
    return author, reflection


def manager_view(reflection: Reflection) -> dict[str, str]:
    """What the line manager may read of a shared reflection: the author's summary, or the whole text."""
    if reflection.share_summary:
        return {"summary": reflection.share_summary, "what_happened": "", "so_what": "", "now_what": ""}
    return {
        "summary": "",
        "what_happened": reflection.what_happened,
        "so_what": reflection.so_what,
        "now_what": reflection.now_what,
    }
