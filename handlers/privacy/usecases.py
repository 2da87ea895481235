"""Personal data as the law expects: subject access, erasure, and the access log a person can read.

The command line acts for the service (no actor, like every `ldbot` command); a person calling these (the
web console, later) must be allowed to manage personal data. Opening someone's data is recorded in the
audit log as a look at their record, so it shows in their "who has looked at my record".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.access import Act
from bot.clock import Moment
from bot.usecase import Refused, Result
from handlers.learning.bookings import release_leaver
from handlers.learning.config import LearningConfig
from handlers.people.leavers import leave
from handlers.privacy import holdings as held
from storage.audit import record_audit
from storage.models import AuditEvent, Person

log = logging.getLogger("ldbot.privacy")

MAX_REASON = 500
VIEWED = "record_viewed"


async def _may_manage(db: AsyncSession, actor: Person | None) -> None:
    if actor is not None and not await access.may(db, actor, Act.MANAGE_PERSONAL_DATA):
        raise Refused("not_allowed")


def _by(actor: Person | None, via: str, account: str | None) -> dict[str, str]:
    """How an entry says who did it when there is no person to point at (the command line)."""
    return {"via": via, **({"account": account} if actor is None and account else {})}


# --- subject access ---------------------------------------------------------------------------------------
@dataclass
class Exported(Result):
    subject: held.Subject
    document: dict[str, Any]
    sections: list[held.Section]


async def export_person(
    db: AsyncSession, actor: Person | None, at: Moment, *, person: Person, via: str, account: str | None = None,
) -> Exported:
    """Everything every declaration says ldbot holds about `person`, as JSON-ready data."""
    await _may_manage(db, actor)
    subject = await held.subject_for(db, person)
    found = await held.sections(db, subject, held.declarations())
    if actor is None or actor.id != person.id:
        record_audit(db, actor.id if actor else None, "person", person.id, VIEWED, now=at.now,
                     what="personal_data_export", **_by(actor, via, account))
    log.info("personal data exported person=%s sections=%s via=%s", person.id, len(found), via)
    document = {
        "format": "ldbot personal data export, version 1",
        "generated_at": at.now.isoformat(),
        "person": {"name": person.name, "email": person.email},
        "sections": [section.as_json() for section in found],
    }
    return Exported(subject, document, found)


def summary_context(exported: Exported, today_iso: str) -> dict[str, Any]:
    """What the readable summary (template `privacy.export_summary`) is given."""
    return {
        "name": exported.subject.name,
        "email": exported.subject.email,
        "date": today_iso,
        "sections": [
            {"title": s.title, "relation": s.relation, "count": len(s.rows), "table": s.table}
            for s in exported.sections
        ],
    }


# --- erasure ----------------------------------------------------------------------------------------------
@dataclass
class ErasurePreview(Result):
    subject: held.Subject
    active: bool
    remove: dict[str, int]
    anonymise: dict[str, int]
    audit_entries: int


async def preview_erasure(db: AsyncSession, actor: Person | None, at: Moment, *, person: Person) -> ErasurePreview:
    """What erasing `person` would remove and anonymise, changing nothing."""
    await _may_manage(db, actor)
    subject = await held.subject_for(db, person)
    found = await held.plan(db, subject, held.declarations())
    return ErasurePreview(subject, person.active, found.count(held.Erase.DELETE), found.count(held.Erase.DETACH),
                          len(found.audit_ids))


@dataclass
class Erased(Result):
    outcome: held.Outcome
    was_active: bool


def clean_reason(reason: str, subject: held.Subject) -> str:
    """The reason as kept in the audit log: without the person's name, email or platform ids."""
    reason = " ".join(reason.split())
    if not reason:
        raise Refused("no_reason")
    if len(reason) > MAX_REASON:
        raise Refused("reason_too_long", limit=MAX_REASON)
    return held.scrub_value(reason, held.pattern_for(subject)) if subject.identifiers else reason


async def erase_person(
    db: AsyncSession, actor: Person | None, at: Moment, *, person: Person, reason: str, via: str,
    learning: LearningConfig, account: str | None = None,
) -> Erased:
    """Remove or irreversibly anonymise everything that identifies `person`, in the caller's transaction.

    Someone still here is first treated as having left (their reports and the evidence waiting for them
    move on, messages to them are cancelled), without anyone being told their name. What the service must
    keep stays as anonymous counts; the audit log keeps that an erasure happened, and why, not who.
    """
    await _may_manage(db, actor)
    if actor is not None and actor.id == person.id:
        raise Refused("not_yourself")
    subject = await held.subject_for(db, person)
    actor_id = actor.id if actor else None  # read now: erasure expires every loaded object
    kept_reason = clean_reason(reason, subject)
    was_active = person.active
    notices = []
    if was_active:  # what moves on is told to whoever takes it (never naming them): new verification requests
        notices = (await leave(db, actor, at, person=person, on=at.today, source="erasure", learning=learning,
                               tell=False)).notices
    else:  # someone who left before their places were released: a seat they still hold goes to the queue
        notices = (await release_leaver(db, at, person=person, config=learning)).notices
    await db.flush()
    found = await held.plan(db, subject, held.declarations())
    outcome = await held.carry_out(db, found, at)
    record_audit(db, actor_id, "person", 0, "erased", now=at.now, reason=kept_reason,
                 removed=outcome.removed, anonymised=outcome.anonymised, kept=outcome.kept_anonymously,
                 **_by(actor, via, account))
    log.info("person erased removed=%s anonymised=%s via=%s", sum(outcome.removed.values()),
             sum(outcome.anonymised.values()), via)
    return Erased(outcome, was_active, notices=notices)


@dataclass
class ReflectionsErased(Result):
    outcome: held.Outcome


async def erase_reflections(db: AsyncSession, actor: Person | None, at: Moment, *, person: Person, reason: str) -> ReflectionsErased:
    """A leaver's reflections only (their retention period is shorter than the rest of their record)."""
    await _may_manage(db, actor)
    subject = await held.subject_for(db, person)
    actor_id = actor.id if actor else None
    found = await held.plan(db, subject, held.declarations(), tables={"reflections"})
    outcome = await held.carry_out(db, found, at)
    record_audit(db, actor_id, "person", subject.id, "reflections_erased", now=at.now,
                 reason=reason, count=outcome.removed.get("reflections", 0))
    return ReflectionsErased(outcome)


# --- the access log ---------------------------------------------------------------------------------------
@dataclass
class View:
    at: datetime
    by: str  # the viewer's name, or "" for the command line or someone since erased
    via: str  # "chat", "command_line", ...
    account: str
    what: str  # "record", "export", "personal_data_export"


@dataclass
class Views(Result):
    views: list[View] = field(default_factory=list)
    total: int = 0


async def record_views(db: AsyncSession, actor: Person, at: Moment, *, limit: int = 20) -> Views:
    """Who has looked at the actor's record (anyone but themselves), newest first."""
    if not await access.may(db, actor, Act.SEE_RECORD_VIEWS, actor):
        raise Refused("not_allowed")
    viewer = Person.__table__.alias("viewer")
    about_me = (
        (AuditEvent.entity == "person") & (AuditEvent.entity_id == actor.id) & (AuditEvent.action == VIEWED)
        & or_(AuditEvent.actor_id.is_(None), AuditEvent.actor_id != actor.id)
    )
    rows = (await db.execute(
        select(AuditEvent.at, viewer.c.name, AuditEvent.actor_id, AuditEvent.detail)
        .outerjoin(viewer, viewer.c.id == AuditEvent.actor_id)
        .where(about_me)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit + 1)
    )).all()
    views = [
        View(when, name or "", str((detail or {}).get("via") or ("chat" if actor_id else "")),
             str((detail or {}).get("account") or ""), str((detail or {}).get("what") or "record"))
        for when, name, actor_id, detail in rows[:limit]
    ]
    total = len(rows)
    if total > limit:
        total = int(await db.scalar(select(func.count()).select_from(AuditEvent).where(about_me)) or 0)
    return Views(views=views, total=total)
