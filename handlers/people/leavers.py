"""Leavers and rejoiners: what happens to someone's open items when they leave the service, and after.

A leaver can no longer chat (the core refuses people who are not active), is never nudged and drops out of
digests and audiences (every one of those reads active people only). What they had open moves on, in the
same transaction as the leaving:
- people who reported to them report, for now, to the leaver's own line manager (the next one up who is
  still here); with nobody above, they have no line manager in ldbot and their evidence goes to the
  assessors. The next people import that names a new manager settles it;
- evidence waiting for the leaver's decision goes to its owner's (new) line manager, or the assessors;
- their own evidence still waiting for a decision is withdrawn, and whoever was asked to decide it is told;
- messages waiting for them are cancelled;
- their places on courses still to come go to the next person waiting, and bookings waiting for their
  approval are asked of whoever approves now (handlers.learning.bookings.release_leaver);
- whoever takes over (the acting manager, or the L&D team when there is none) is told once.
Rejoining makes them active again; what moved on stays where it went.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.access import Act
from bot.clock import Moment
from bot.usecase import Refused, Result
from handlers.evidence.usecases import active_line_manager, request_key
from handlers.learning.bookings import release_leaver
from handlers.learning.config import LearningConfig
from handlers.policy.usecases import ld_team
from handlers.verification.usecases import request_notices
from scheduler.outbox import Notice, cancel, cancel_to
from storage.audit import record_audit
from storage.evidence_queries import assessors, change_if_submitted
from storage.models import Evidence, Person

log = logging.getLogger("ldbot.people")

MAX_CHAIN = 25


@dataclass
class Left(Result):
    person: Person
    acting_manager: Person | None
    reports_moved: list[Person] = field(default_factory=list)
    evidence_withdrawn: list[int] = field(default_factory=list)
    evidence_moved: list[int] = field(default_factory=list)
    messages_cancelled: int = 0
    bookings_released: list[int] = field(default_factory=list)


async def _allowed(db: AsyncSession, actor: Person | None) -> None:
    """The command line and jobs act for the service (no actor); a person must be allowed to manage people."""
    if actor is not None and not await access.may(db, actor, Act.MANAGE_PEOPLE):
        raise Refused("not_allowed")


async def acting_manager_for(db: AsyncSession, person: Person) -> Person | None:
    """The first line manager above `person` who is still here."""
    current = person.line_manager_id
    for _ in range(MAX_CHAIN):
        if current is None:
            return None
        manager = await db.get(Person, current)
        if manager is None:
            return None
        if manager.active:
            return manager
        current = manager.line_manager_id
    return None


async def leave(
    db: AsyncSession, actor: Person | None, at: Moment, *, person: Person, on: date, source: str,
    learning: LearningConfig, tell: bool = True,
) -> Left:
    """Mark `person` as having left on `on` and move their open items on (see the module docstring).

    `tell=False` moves everything without telling anyone (an erasure, which must not name them).
    """
    await _allowed(db, actor)
    # A conditional UPDATE: of two processes (or an import and the daily job) only one sees them leave.
    claimed = await db.execute(
        update(Person).where(Person.id == person.id, Person.active.is_(True)).values(active=False, left_on=on)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise Refused("already_left")
    person.active, person.left_on = False, on
    actor_id = actor.id if actor else None
    record_audit(db, actor_id, "person", person.id, "left", now=at.now, on=on.isoformat(), source=source)
    result = Left(person, await acting_manager_for(db, person))
    result.messages_cancelled = await cancel_to(db, person.id, now=at.now)
    acting = result.acting_manager

    result.reports_moved = list(await db.scalars(
        select(Person).where(Person.line_manager_id == person.id, Person.active.is_(True)).order_by(Person.name)
    ))
    for report in result.reports_moved:
        report.line_manager_id = acting.id if acting else None
        record_audit(db, actor_id, "person", report.id, "updated", now=at.now, fields=["line_manager"],
                     reason="manager_left")
    await db.flush()
    # After the reports have moved: an approval they were waiting for is asked of their new manager.
    released = await release_leaver(db, at, person=person, config=learning)
    result.bookings_released = released.released
    result.notices += released.notices

    for evidence in await db.scalars(
        select(Evidence).where(Evidence.person_id == person.id, Evidence.status == "submitted").order_by(Evidence.id)
    ):
        if not await change_if_submitted(db, evidence.id, status="withdrawn", updated_at=at.now):
            continue  # decided a moment ago: it stands
        result.evidence_withdrawn.append(evidence.id)
        record_audit(db, actor_id, "evidence", evidence.id, "withdrawn", now=at.now, reason="left")
        code = evidence.competences[0].code if evidence.competences else ""
        if tell:
            result.notices += [
                Notice(verifier_id, "people.evidence_withdrawn_left",
                       {"staff_name": person.name, "number": evidence.id, "code": code},
                       dedupe_key=f"evidence:{evidence.id}:withdrawn:{verifier_id}")
                for verifier_id in await cancel(db, request_key(evidence.id), now=at.now)
            ]
        else:
            await cancel(db, request_key(evidence.id), now=at.now)

    waiting = list(await db.scalars(
        select(Evidence)
        .where(Evidence.verifier_id == person.id, Evidence.status == "submitted", Evidence.person_id != person.id)
        .order_by(Evidence.id)
    ))
    for evidence in waiting:
        owner = await db.get(Person, evidence.person_id)
        if owner is None or not owner.active:
            continue
        manager = await active_line_manager(db, owner)
        verifiers = [manager] if manager else [a for a in await assessors(db, exclude_id=owner.id) if a.id != person.id]
        evidence.verifier_id = manager.id if manager else None
        await cancel(db, request_key(evidence.id), now=at.now)  # the leaver's request, if not sent yet
        result.notices += request_notices(evidence, owner, verifiers, to_manager=manager is not None,
                                          key=f"{request_key(evidence.id)}:after:{person.id}")
        result.evidence_moved.append(evidence.id)
        record_audit(db, actor_id, "evidence", evidence.id, "verifier_changed", now=at.now, reason="verifier_left")

    if tell and (result.reports_moved or result.evidence_moved):
        takers = [acting] if acting else await ld_team(db)
        context = {
            "name": person.name,
            "on": on.isoformat(),
            "acting": acting is not None,
            "people": [p.name for p in result.reports_moved],
            "evidence": len(result.evidence_moved),
        }
        result.notices += [
            Notice(taker.id, "people.left_handover", context, kind="handover",
                   dedupe_key=f"left:{person.id}:{on.isoformat()}:{taker.id}")
            for taker in takers if taker.id != person.id
        ]
    log.info(
        "person left person=%s source=%s reports=%s evidence_withdrawn=%s evidence_moved=%s messages=%s",
        person.id, source, len(result.reports_moved), len(result.evidence_withdrawn), len(result.evidence_moved),
        result.messages_cancelled,
    )
    return result


@dataclass
class Rejoined(Result):
    person: Person


async def rejoin(db: AsyncSession, actor: Person | None, at: Moment, *, person: Person, source: str) -> Rejoined:
    """Active again: they can chat and are nudged again. A leaving date still ahead (from the file) stays."""
    await _allowed(db, actor)
    if person.active:
        raise Refused("not_left")
    person.active = True
    if person.left_on is not None and person.left_on <= at.today:
        person.left_on = None
    record_audit(db, actor.id if actor else None, "person", person.id, "rejoined", now=at.now, source=source)
    log.info("person rejoined person=%s source=%s", person.id, source)
    return Rejoined(person)


@dataclass
class LeaversDue(Result):
    left: list[Left] = field(default_factory=list)


async def leavers_due(db: AsyncSession, actor: Person | None, at: Moment, *, learning: LearningConfig) -> LeaversDue:
    """People whose leaving date (given ahead, in a people import) has come."""
    await _allowed(db, actor)
    result = LeaversDue()
    for person in await db.scalars(
        select(Person).where(Person.active.is_(True), Person.left_on.is_not(None), Person.left_on <= at.today)
        .order_by(Person.id)
    ):
        left = await leave(db, actor, at, person=person, on=person.left_on, source="left_on", learning=learning)
        result.left.append(left)
        result.notices += left.notices
    return result


@dataclass
class Leavers(Result):
    people: list[Person]
    more: bool


async def list_leavers(db: AsyncSession, actor: Person | None, at: Moment, *, query: str = "", limit: int = 100) -> Leavers:
    """People who have left, the most recent first (name, email or team matching `query`, in part)."""
    await _allowed(db, actor)
    statement = select(Person).where(Person.active.is_(False))
    if query.strip():
        like = f"%{query.strip().lower()}%"
        statement = statement.where(func.lower(Person.name).like(like) | func.lower(Person.email).like(like)
                                    | func.lower(func.coalesce(Person.team, "")).like(like))
    found = list(await db.scalars(
        statement.order_by(Person.left_on.is_(None), Person.left_on.desc(), func.lower(Person.name)).limit(limit + 1)))
    return Leavers(found[:limit], len(found) > limit)
