"""Who would be invited (and why), sending the invitations, and how their delivery is going.

The audience is fixed when L&D send: each person it holds then is written down as an invitation (unique per
opportunity and person, so nobody is ever invited twice to the same thing, whoever sends and however often)
and their message goes into the outbox in the same transaction, in one statement for the whole audience,
to arrive in their working time on or after the chosen moment. Someone already booked (by L&D) is not
invited. People who join the audience later hear
only if L&D send again, and then only they do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import String, and_, cast, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Moment
from bot.usecase import Refused, Result
from handlers.learning import audience as aud
from handlers.learning import messages
from handlers.learning import records as rec
from handlers.learning.config import LearningConfig
from handlers.learning.describe import opportunity_context
from handlers.learning.opportunities import check_audience
from storage.audit import record_audit
from storage.models import OutgoingMessage, Person
from storage.models.learning import (
    LearningBooking,
    LearningBroadcast,
    LearningInvitation,
    LearningOpportunity,
)

log = logging.getLogger("ldbot.learning")

CHUNK = 2000  # invitations per INSERT


@dataclass
class Preview(Result):
    opportunity: LearningOpportunity
    members: list[aud.Member]
    invited_before: set[int] = field(default_factory=set)

    @property
    def new(self) -> list[aud.Member]:
        return [m for m in self.members if m.person.id not in self.invited_before]


async def preview(
    db: AsyncSession, actor: Person | None, at: Moment, *, opportunity_id: int, config: LearningConfig
) -> Preview:
    """Who the audience holds today, with why, and who of them was invited already."""
    await rec.require(db, actor)
    found = await rec.opportunity(db, opportunity_id)
    facts = await aud.gather(db, found.audience, at.today, appraisal_months=config.appraisal_months)
    return Preview(found, aud.members(found.audience, facts), await _already(db, found.id))


async def _already(db: AsyncSession, opportunity_id: int) -> set[int]:
    """Who need not hear: invited before, or booked already (L&D may have booked them)."""
    invited = set(await db.scalars(
        select(LearningInvitation.person_id).where(LearningInvitation.opportunity_id == opportunity_id)))
    booked = set(await db.scalars(select(LearningBooking.person_id).where(
        LearningBooking.opportunity_id == opportunity_id, LearningBooking.status.in_(rec.LIVE))))
    return invited | booked


@dataclass
class Sent(Result):
    opportunity: LearningOpportunity
    broadcast: LearningBroadcast | None
    audience: int
    invited: int
    already: int
    deliver_from: datetime


def _insert(db: AsyncSession):  # noqa: ANN202 - the dialect's INSERT with ON CONFLICT
    return postgresql.insert if db.bind.dialect.name == "postgresql" else sqlite.insert


def sendable(found: LearningOpportunity, at: Moment) -> str | None:
    """Why it cannot be sent now, or None."""
    if found.status != "open":
        return "opportunity_cancelled"
    if not found.audience:
        return "no_audience"
    if found.is_elearning and not found.sessions:
        return None if found.link else "no_link"
    if not any(s.status == "open" and s.closes_at() > at.now for s in found.sessions):
        return "nothing_to_book"
    return None


async def send(
    db: AsyncSession, actor: Person | None, at: Moment, *, opportunity_id: int, deliver_from: datetime | None = None,
    config: LearningConfig,
) -> Sent:
    """Invite everyone in the audience not invited before; their messages wait for their working time."""
    await rec.require(db, actor)
    found = await rec.opportunity(db, opportunity_id)
    problem = sendable(found, at)
    if problem:
        raise Refused(problem, title=found.title, number=found.id)
    start = deliver_from or at.now
    if start < at.now:
        raise Refused("past_send", title=found.title)
    codes = [c.code for c in found.competences]
    facts = await aud.gather(db, found.audience, at.today, appraisal_months=config.appraisal_months,
                             competence_codes_too=codes)
    members = aud.members(found.audience, facts)
    broadcast = LearningBroadcast(opportunity_id=found.id, sent_by_id=actor.id if actor else None,
                                  deliver_from=start, audience_size=len(members), created_at=at.now)
    db.add(broadcast)
    await db.flush()
    # A gap is judged as the audience judged it: "running out within 90 days" counts as one if it said so.
    windows = aud.windows(found.audience)
    gaps = {}
    for member in members:
        gaps[member.person.id] = {
            str(facts.competences[c]): aud.standing_status(facts, member.person.id, facts.competences[c],
                                                           windows.get(c))[0]
            for c in codes if c in facts.competences
        }
    # Claimed in the database: a person invited before (by this send or another at the same moment) is
    # skipped by the unique key, and only those written now are messaged.
    fresh: set[int] = set()
    insert = _insert(db)
    booked = await _already(db, found.id)
    rows = [{"opportunity_id": found.id, "broadcast_id": broadcast.id, "person_id": m.person.id,
             "gaps": gaps[m.person.id], "created_at": at.now} for m in members if m.person.id not in booked]
    for start_at in range(0, len(rows), CHUNK):
        chunk = rows[start_at:start_at + CHUNK]
        fresh.update(await db.scalars(
            insert(LearningInvitation).on_conflict_do_nothing().returning(LearningInvitation.person_id), chunk))
    context = opportunity_context(found, config.tz)
    slots: dict[tuple[str | None, str | None], datetime] = {}
    notices = []
    for member in members:
        if member.person.id not in fresh:
            continue
        key = (member.person.working_pattern, member.person.timezone)
        if key not in slots:
            slots[key] = config.deliver_at(key[0], key[1], start)
        notices.append(messages.invitation(found, context, member.person.id, member.person.name, member.reasons,
                                           broadcast_id=broadcast.id, not_before=slots[key]))
    broadcast.invited = len(notices)
    record_audit(db, actor.id if actor else None, "learning_broadcast", broadcast.id, "sent", now=at.now,
                 opportunity_id=found.id, audience=len(members), invited=len(notices),
                 deliver_from=start.isoformat())
    log.info("learning broadcast id=%s opportunity=%s audience=%s invited=%s", broadcast.id, found.id,
             len(members), len(notices))
    return Sent(found, broadcast, len(members), len(notices), len(members) - len(notices), start, notices=notices)


@dataclass
class Unreached:
    person: Person
    why: str


@dataclass
class Progress(Result):
    opportunity: LearningOpportunity
    invited: int = 0
    queued: int = 0  # due now, not yet delivered
    scheduled: int = 0  # waiting for the time chosen, or the person's working time
    delivered: int = 0
    cancelled: int = 0
    unreachable: list[Unreached] = field(default_factory=list)
    not_for_me: int = 0
    signed_up: int = 0


def _message_key():  # noqa: ANN202 - the invitation's outbox key, as SQL
    return (
        literal("learning:") + cast(LearningInvitation.opportunity_id, String) + literal(":invite:")
        + cast(LearningInvitation.broadcast_id, String) + literal(":") + cast(LearningInvitation.person_id, String)
    )


async def progress(db: AsyncSession, actor: Person | None, at: Moment, *, opportunity_id: int) -> Progress:
    """Every invitation's message as the outbox has it: queued, scheduled, delivered, or unreachable and why."""
    await rec.require(db, actor)
    found = await rec.opportunity(db, opportunity_id)
    result = Progress(found)
    rows = await db.execute(
        select(LearningInvitation.person_id, LearningInvitation.response, OutgoingMessage.status,
               OutgoingMessage.next_attempt_at, OutgoingMessage.last_error)
        .outerjoin(OutgoingMessage, and_(OutgoingMessage.dedupe_key == _message_key(),
                                         OutgoingMessage.recipient_id == LearningInvitation.person_id))
        .where(LearningInvitation.opportunity_id == found.id)
    )
    unreachable: list[tuple[int, str]] = []
    for person_id, response, status, next_at, error in rows:
        result.invited += 1
        result.not_for_me += response == "not_for_me"
        if status == "delivered":
            result.delivered += 1
        elif status in ("cancelled", "dropped"):
            result.cancelled += 1
        elif status == "parked":
            unreachable.append((person_id, error or ""))
        elif status == "pending" and next_at is not None and next_at > at.now:
            result.scheduled += 1
        else:
            result.queued += 1
    if unreachable:
        people = {p.id: p for p in await db.scalars(select(Person).where(Person.id.in_([p for p, _ in unreachable])))}
        result.unreachable = [Unreached(people[p], why) for p, why in unreachable if p in people]
        result.unreachable.sort(key=lambda u: u.person.name.lower())
    result.signed_up = int(await db.scalar(
        select(func.count()).select_from(LearningInvitation)
        .join(LearningBooking, and_(LearningBooking.opportunity_id == LearningInvitation.opportunity_id,
                                         LearningBooking.person_id == LearningInvitation.person_id))
        .where(LearningInvitation.opportunity_id == found.id, LearningBooking.status.in_(rec.LIVE))
    ) or 0)
    return result


@dataclass
class Reach(Result):
    """Who an audience not saved yet would hold today: how many, and the first few in name order."""

    count: int
    first: list[aud.Member]
    problems: list[str] = field(default_factory=list)


async def reach(
    db: AsyncSession, actor: Person | None, at: Moment, *, audience: dict, config: LearningConfig, limit: int = 50
) -> Reach:
    """The audience builder's live count and list (the web console's "Show who this reaches"): the same
    rules `preview` and `send` apply, to a tree that is only being tried, so nothing is saved or sent.
    Competences or people the tree names that do not exist are listed in `problems` (reaching nobody)."""
    await rec.require(db, actor)
    problems: list[str] = []
    await check_audience(db, audience, problems)
    if problems:
        return Reach(0, [], problems)
    facts = await aud.gather(db, audience, at.today, appraisal_months=config.appraisal_months)
    found = aud.members(audience, facts)
    return Reach(len(found), found[:limit])
