"""What the reflections unit holds about a person: the reflections they wrote, shared or not, deleted or
not, and which reflections were shared with them.

Erasure deletes them and keeps only how many were written at the person's station each year; anyone
else's reflection that names them loses the name. The text of a reflection its author deleted goes after
`LDBOT_RETENTION_DELETED_REFLECTION_DAYS`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Moment
from bot.personal_data import AuditTrail, Erase, Expiry, Holding, Holdings, Link, Subject
from storage.models import Person, Reflection
from storage.tallies import add_to_tallies, tally_key

TEXT = ("what_happened", "so_what", "now_what", "share_summary")


async def count_reflections(db: AsyncSession, subject: Subject, at: Moment) -> dict[str, int]:
    rows = await db.execute(
        select(Reflection.created_at, Person.station)
        .join(Person, Person.id == Reflection.person_id)
        .where(Reflection.person_id == subject.id)
    )
    counted = await add_to_tallies(db, (tally_key("reflection", created.year, station) for created, station in rows))
    return {"reflections": counted}


async def expire_deleted(db: AsyncSession, before: datetime, *, apply: bool) -> int:
    """A reflection its author deleted keeps its row (the audit trail points at it) but not its words."""
    old = and_(
        Reflection.deleted.is_(True),
        Reflection.updated_at < before,
        or_(Reflection.what_happened != "", Reflection.so_what != "", Reflection.now_what != "",
            Reflection.share_summary.is_not(None)),
    )
    if not apply:
        return int(await db.scalar(select(func.count()).select_from(Reflection).where(old)) or 0)
    result = await db.execute(
        update(Reflection).where(old)
        .values(what_happened="", so_what="", now_what="", share_summary=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


HOLDS = Holdings(
    owner="reflections",
    tables=(
        Holding(
            "reflections", "Reflections",
            links=(
                Link("written by you", Erase.DELETE, column="person_id"),
                # A line manager's export lists what was shared with them, not its words; erasing them
                # leaves the reflection with its author, shared with nobody.
                Link("shared with you", Erase.DETACH, column="shared_with_id", columns=("id", "created_at"),
                     set={"shared_with_manager": False, "share_summary": None}),
            ),
            scrub=TEXT,
            audit=(AuditTrail("reflection"),),
            before_erase="handlers.reflections.holds:count_reflections",
            expiry=(Expiry("deleted_reflection_days", "reflections their authors deleted lose their text",
                           "handlers.reflections.holds:expire_deleted"),),
        ),
    ),
)
