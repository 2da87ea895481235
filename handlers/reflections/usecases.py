"""CPD reflections: saved only when the author confirms, private by default, shared by the author's choice.

Someone else's reflection answers exactly like a missing one; the line manager may read only what the
author chose to share (the whole reflection, or a summary written for sharing). The audit log records
which fields changed, never their text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.access import Act
from bot.clock import Moment
from bot.usecase import Refused, Result
from scheduler.outbox import Notice
from storage.audit import record_audit
from storage.models import AuditEvent, Competence, Person, Reflection
from storage.reflection_queries import count_reflections, own_reflection, reflections_for

FIELDS = ("what_happened", "so_what", "now_what", "by_when", "competences", "cpd_hours")
MAX_SUMMARY = 1000


async def own(db: AsyncSession, actor: Person, reflection_id: int) -> Reflection:
    reflection = await own_reflection(db, actor.id, reflection_id)
    if reflection is None:
        raise Refused("not_found", number=reflection_id)
    return reflection


@dataclass
class Saved(Result):
    reflection: Reflection
    updated: bool


async def save_reflection(
    db: AsyncSession, actor: Person, at: Moment, *, draft: dict[str, Any], reflection_id: int | None = None
) -> Saved:
    """Create (or, with `reflection_id`, replace the text of) the author's reflection from a confirmed draft.

    The draft's values are already checked: ISO dates, competence codes separated by commas, hours as text.
    """
    if not await access.may(db, actor, Act.WRITE_OWN_RECORD, actor):
        raise Refused("not_allowed")
    if not (draft.get("what_happened") or "").strip():
        raise Refused("empty")
    codes = [c for c in (draft.get("competences") or "").split(",") if c]
    competences = list(await db.scalars(select(Competence).where(Competence.code.in_(codes)))) if codes else []
    values: dict[str, Any] = {
        "what_happened": draft["what_happened"],
        "so_what": draft.get("so_what", ""),
        "now_what": draft.get("now_what", ""),
        "by_when": date.fromisoformat(draft["by_when"]) if draft.get("by_when") else None,
        "cpd_hours": float(draft["cpd_hours"]) if draft.get("cpd_hours") else None,
    }
    if reflection_id:
        reflection = await own(db, actor, reflection_id)
        changed = [name for name, value in values.items() if getattr(reflection, name) != value]
        if sorted(c.code for c in reflection.competences) != sorted(codes):
            changed.append("competences")
        for name, value in values.items():
            setattr(reflection, name, value)
        reflection.competences = competences
        reflection.updated_at = at.now
        await db.flush()
        record_audit(db, actor.id, "reflection", reflection.id, "updated", now=at.now, fields=sorted(changed))
        return Saved(reflection, updated=True)
    reflection = Reflection(person_id=actor.id, competences=competences, created_at=at.now, updated_at=at.now, **values)
    db.add(reflection)
    await db.flush()
    filled = [name for name, value in values.items() if value] + (["competences"] if competences else [])
    record_audit(db, actor.id, "reflection", reflection.id, "created", now=at.now, fields=sorted(filled))
    return Saved(reflection, updated=False)


@dataclass
class Listed(Result):
    reflections: list[Reflection]
    total: int


async def list_own(db: AsyncSession, actor: Person, at: Moment, *, limit: int) -> Listed:
    items = await reflections_for(db, actor.id, limit=limit)
    total = await count_reflections(db, actor.id) if len(items) == limit else len(items)
    return Listed(items, total)


@dataclass
class Changed(Result):
    reflection: Reflection


async def delete_reflection(db: AsyncSession, actor: Person, at: Moment, *, reflection_id: int) -> Changed:
    """A soft delete: the row stays (hidden everywhere) so the audit trail still points at something."""
    reflection = await own(db, actor, reflection_id)
    reflection.deleted = True
    reflection.shared_with_manager = False
    reflection.share_summary = None
    reflection.updated_at = at.now
    record_audit(db, actor.id, "reflection", reflection.id, "deleted", now=at.now)
    return Changed(reflection)


@dataclass
class Shared(Result):
    reflection: Reflection
    manager: Person
    again: bool  # it was already shared this way: nothing changed, nobody told again


def summary_problem(summary: str) -> str | None:
    if not summary.strip():
        return "empty"
    if len(summary) > MAX_SUMMARY:
        return "too_long"
    return None


async def share_reflection(
    db: AsyncSession, actor: Person, at: Moment, *, reflection_id: int, summary: str | None = None
) -> Shared:
    """Share the whole reflection (summary None) or a summary with the line manager, telling them once."""
    reflection = await own(db, actor, reflection_id)
    manager = await db.get(Person, actor.line_manager_id) if actor.line_manager_id else None
    if manager is None:
        raise Refused("no_manager")
    if summary is not None:
        summary = summary.strip()
        if summary_problem(summary):
            raise Refused("bad_summary", limit=MAX_SUMMARY)
    if reflection.shared_with_manager and reflection.share_summary == summary:
        return Shared(reflection, manager, again=True)
    reflection.shared_with_manager = True
    reflection.share_summary = summary
    reflection.updated_at = at.now
    record_audit(db, actor.id, "reflection", reflection.id, "shared", now=at.now, summary_only=summary is not None)
    await db.flush()
    times = await db.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.entity == "reflection", AuditEvent.entity_id == reflection.id, AuditEvent.action == "shared"
        )
    )
    notice = Notice(
        manager.id,
        "reflection.shared_notice",
        {"name": actor.name, "number": reflection.id, "summary_only": summary is not None},
        kind="reflection_shared",
        dedupe_key=f"reflection:{reflection.id}:shared:{times}",
    )
    return Shared(reflection, manager, again=False, notices=[notice])


async def unshare_reflection(db: AsyncSession, actor: Person, at: Moment, *, reflection_id: int) -> Changed:
    reflection = await own(db, actor, reflection_id)
    if not reflection.shared_with_manager:
        raise Refused("not_shared", number=reflection.id)
    reflection.shared_with_manager = False
    reflection.share_summary = None
    reflection.updated_at = at.now
    record_audit(db, actor.id, "reflection", reflection.id, "unshared", now=at.now)
    return Changed(reflection)


@dataclass
class SharedWithMe(Result):
    author: Person
    reflection: Reflection


async def read_shared(db: AsyncSession, actor: Person, at: Moment, *, reflection_id: int) -> SharedWithMe:
    """A reflection someone shared that the actor may read; unshared, deleted or not theirs looks missing."""
    reflection = await db.get(Reflection, reflection_id)
    author = await db.get(Person, reflection.person_id) if reflection else None
    if (
        reflection is None or author is None or reflection.deleted or not reflection.shared_with_manager
        or not await access.may(db, actor, Act.READ_SHARED_REFLECTIONS, author)
    ):
        raise Refused("not_found", number=reflection_id)
    return SharedWithMe(author, reflection)
