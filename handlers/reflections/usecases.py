"""CPD reflections: saved only when the author confirms, private by default, shared by the author's choice.

Someone else's reflection answers exactly like a missing one; the line manager may read only what the
author chose to share (the whole reflection, or a summary written for sharing). The audit log records
which fields changed, never their text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot import access
from bot.access import Act
from bot.clock import Moment
from bot.usecase import Refused, Result, require
from scheduler.outbox import Notice, NoticeButton
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
    await require(db, actor, Act.WRITE_OWN_RECORD, actor)
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
    reflection.shared_with_id = None
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
    if reflection.shared_with_manager and reflection.shared_with_id == manager.id and reflection.share_summary == summary:
        return Shared(reflection, manager, again=True)
    reflection.shared_with_manager = True
    reflection.shared_with_id = manager.id
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
    reflection.shared_with_id = None
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
        or reflection.shared_with_id != actor.id
        or not await access.may(db, actor, Act.READ_SHARED_REFLECTIONS, author)
    ):
        raise Refused("not_found", number=reflection_id)
    return SharedWithMe(author, reflection)


# --- when the line manager changes ------------------------------------------------------------------------
@dataclass
class MovedShares(Result):
    authors: int = 0


async def notice_moved_shares(db: AsyncSession, at: Moment) -> MovedShares:
    """Tell each author whose shared reflections were shared with someone who is no longer their line
    manager: those stay unread by the new manager (sharing is with a person) until the author says so."""
    former = aliased(Person)
    rows = await db.execute(
        select(Person, former, func.count(Reflection.id))
        .join(Reflection, Reflection.person_id == Person.id)
        .join(former, former.id == Reflection.shared_with_id)
        .where(
            Reflection.shared_with_manager.is_(True),
            Reflection.deleted.is_(False),
            Person.active.is_(True),
            or_(Person.line_manager_id.is_(None), Person.line_manager_id != Reflection.shared_with_id),
        )
        .group_by(Person.id, former.id)
    )
    found = rows.all()
    managers = {p.id: p for p in await db.scalars(
        select(Person).where(Person.id.in_({a.line_manager_id for a, _, _ in found if a.line_manager_id})))}
    notices = []
    for author, was, count in found:
        now_manager = managers.get(author.line_manager_id) if author.line_manager_id else None
        buttons = (NoticeButton("reflection.button_reshare", RESHARE, str(was.id), "primary",
                                {"manager": now_manager.name}),) if now_manager else ()
        notices.append(Notice(
            author.id, "reflection.shares_moved",
            {"count": count, "former": was.name, "manager": now_manager.name if now_manager else ""},
            buttons=(*buttons, NoticeButton("reflection.button_keep_private", KEEP_PRIVATE, str(was.id))),
            kind="reflection_shares_moved",
            dedupe_key=f"reflection:moved:{author.id}:{was.id}:{author.line_manager_id or 0}",
        ))
    return MovedShares(authors=len(notices), notices=notices)


RESHARE, KEEP_PRIVATE = "reflection.reshare", "reflection.keep_private"


@dataclass
class Reshared(Result):
    count: int
    manager: Person | None


def _shared_with(actor: Person, former_id: int):  # noqa: ANN202 - a SQLAlchemy condition
    return (Reflection.person_id == actor.id, Reflection.shared_with_manager.is_(True),
            Reflection.deleted.is_(False), Reflection.shared_with_id == former_id)


async def reshare_with_manager(db: AsyncSession, actor: Person, at: Moment, *, former_id: int) -> Reshared:
    """The author's choice: what they had shared with `former_id` is shared with their line manager now."""
    manager = await db.get(Person, actor.line_manager_id) if actor.line_manager_id else None
    if manager is None or manager.id == former_id:
        raise Refused("no_manager")
    moved = list(await db.scalars(select(Reflection).where(*_shared_with(actor, former_id))))
    for reflection in moved:
        reflection.shared_with_id = manager.id
        reflection.updated_at = at.now
        record_audit(db, actor.id, "reflection", reflection.id, "shared", now=at.now,
                     summary_only=reflection.share_summary is not None)
    notices = [Notice(manager.id, "reflection.shared_many_notice", {"name": actor.name, "count": len(moved)},
                      kind="reflection_shared", dedupe_key=f"reflection:reshared:{actor.id}:{former_id}:{manager.id}")]
    return Reshared(len(moved), manager, notices=notices if moved else [])


async def keep_private(db: AsyncSession, actor: Person, at: Moment, *, former_id: int) -> Reshared:
    """The author's other choice: what they had shared with someone no longer their manager is private again."""
    moved = list(await db.scalars(select(Reflection).where(*_shared_with(actor, former_id))))
    for reflection in moved:
        reflection.shared_with_manager, reflection.shared_with_id, reflection.share_summary = False, None, None
        reflection.updated_at = at.now
        record_audit(db, actor.id, "reflection", reflection.id, "unshared", now=at.now)
    return Reshared(len(moved), None)
