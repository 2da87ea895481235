"""Opportunities and their sessions: created and changed by L&D (chat, a YAML/JSON file, later the web).

A change to a session's time, place or link, and a cancellation, is told to everyone booked, offered,
waiting or awaiting approval, at once. More places go to the waitlist (offers); fewer places than are
already held are refused (remove someone first). Cancelling an opportunity withdraws invitations that
have not gone out yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Moment
from bot.usecase import Refused, Result
from handlers.learning import audience as aud
from handlers.learning import bookings, messages
from handlers.learning import records as rec
from handlers.learning.config import LearningConfig
from handlers.learning.spec import OpportunitySpec, SessionSpec
from scheduler.outbox import Notice, cancel
from storage.audit import record_audit
from storage.models import Competence, Person
from storage.models.learning import (
    HOLDS_SEAT,
    LearningBooking,
    LearningInvitation,
    LearningOpportunity,
    LearningSession,
)


async def _competences(db: AsyncSession, codes: list[str], problems: list[str]) -> list[Competence]:
    found = {c.code.upper(): c for c in await db.scalars(
        select(Competence).where(func.upper(Competence.code).in_([c.upper() for c in codes]),
                                 Competence.active.is_(True))
    )} if codes else {}
    for code in codes:
        if code.upper() not in found:
            problems.append(f"competences: no competence with code {code!r} in the framework")
    return [found[c.upper()] for c in codes if c.upper() in found]


async def check_audience(db: AsyncSession, tree: dict | None, problems: list[str]) -> None:
    """What the audience names must exist: competences in the framework, people in the organisation."""
    if not tree:
        return
    codes = aud.competence_codes(tree)
    if codes:
        known = {c.upper() for c in await db.scalars(
            select(Competence.code).where(func.upper(Competence.code).in_(codes), Competence.active.is_(True)))}
        problems += [f"audience: no competence with code {c!r} in the framework" for c in codes if c not in known]
    emails = aud.named_people(tree)
    if emails:
        known = set(await db.scalars(select(func.lower(Person.email)).where(func.lower(Person.email).in_(emails))))
        missing = [e for e in emails if e not in known]
        problems += [f"audience: nobody with the email {e} in the organisation" for e in missing[:20]]
        if len(missing) > 20:
            problems.append(f"audience: and {len(missing) - 20} more emails nobody in the organisation has")


@dataclass
class Saved(Result):
    opportunity: LearningOpportunity
    problems: list[str] = field(default_factory=list)


def _session_row(spec: SessionSpec, number: int, at: Moment) -> LearningSession:
    return LearningSession(
        number=number, starts_at=spec.starts_at, ends_at=spec.ends_at, venue=spec.venue,
        online_link=spec.online_link, capacity=spec.capacity, booking_cutoff=spec.booking_cutoff,
        status="open", next_seq=1, created_at=at.now, updated_at=at.now,
    )


async def create_opportunity(db: AsyncSession, actor: Person | None, at: Moment, *, spec: OpportunitySpec) -> Saved:
    """A new opportunity from a checked spec; competences and named people must exist (Refused "invalid")."""
    await rec.require(db, actor)
    problems: list[str] = []
    competences = await _competences(db, spec.competences, problems)
    await check_audience(db, spec.audience, problems)
    if problems:
        raise Refused("invalid", problems=problems)
    opportunity = LearningOpportunity(
        title=spec.title, kind=spec.kind, description=spec.description, provider=spec.provider,
        approval=spec.approval, link=spec.link, complete_by=spec.complete_by, audience=spec.audience,
        status="open", created_by_id=actor.id if actor else None, created_at=at.now, updated_at=at.now,
        competences=competences,
        sessions=[_session_row(s, n, at) for n, s in enumerate(spec.sessions, start=1)],
    )
    db.add(opportunity)
    await db.flush()
    record_audit(db, actor.id if actor else None, "learning_opportunity", opportunity.id, "created", now=at.now,
                 kind=opportunity.kind, sessions=len(spec.sessions), competences=[c.code for c in competences],
                 audience=spec.audience is not None)
    return Saved(opportunity)


async def update_details(
    db: AsyncSession, actor: Person | None, at: Moment, *, opportunity_id: int, title: str, kind: str,
    description: str, provider: str, competences: list[str], approval: str, link: str | None,
    complete_by: date | None,
) -> Saved:
    """The opportunity's own fields (not its sessions or audience). Nobody is messaged about these."""
    await rec.require(db, actor)
    found = await rec.opportunity(db, opportunity_id)
    if found.status != "open":
        raise Refused("opportunity_cancelled", title=found.title)
    problems: list[str] = []
    rows = await _competences(db, competences, problems)
    if problems:
        raise Refused("invalid", problems=problems)
    changed = []
    for name, value in (("title", title), ("kind", kind), ("description", description), ("provider", provider),
                        ("approval", approval), ("link", link), ("complete_by", complete_by)):
        if getattr(found, name) != value:
            setattr(found, name, value)
            changed.append(name)
    if [c.id for c in found.competences] != [c.id for c in rows]:
        found.competences = rows
        changed.append("competences")
    found.updated_at = at.now
    await db.flush()
    record_audit(db, actor.id if actor else None, "learning_opportunity", found.id, "updated", now=at.now,
                 fields=changed)
    return Saved(found)


async def set_audience(
    db: AsyncSession, actor: Person | None, at: Moment, *, opportunity_id: int, audience: dict
) -> Saved:
    await rec.require(db, actor)
    found = await rec.opportunity(db, opportunity_id)
    problems: list[str] = []
    await check_audience(db, audience, problems)
    if problems:
        raise Refused("invalid", problems=problems)
    found.audience, found.updated_at = audience, at.now
    await db.flush()
    record_audit(db, actor.id if actor else None, "learning_opportunity", found.id, "audience_set", now=at.now)
    return Saved(found)


@dataclass
class SessionSaved(Result):
    opportunity: LearningOpportunity
    session: LearningSession
    told: int = 0


async def add_session(
    db: AsyncSession, actor: Person | None, at: Moment, *, opportunity_id: int, session: SessionSpec
) -> SessionSaved:
    await rec.require(db, actor)
    found = await rec.opportunity(db, opportunity_id)
    if found.status != "open":
        raise Refused("opportunity_cancelled", title=found.title)
    number = max((s.number for s in found.sessions), default=0) + 1
    row = _session_row(session, number, at)
    row.opportunity_id = found.id
    db.add(row)
    await db.flush()
    await db.refresh(found, ["sessions"])
    record_audit(db, actor.id if actor else None, "learning_session", row.id, "added", now=at.now,
                 opportunity_id=found.id, number=number, capacity=row.capacity)
    return SessionSaved(found, row)


async def _everyone_on(db: AsyncSession, session_id: int) -> list[tuple[LearningBooking, Person]]:
    return [tuple(r) for r in (await db.execute(  # type: ignore[misc]
        select(LearningBooking, Person).join(Person, Person.id == LearningBooking.person_id)
        .where(LearningBooking.session_id == session_id, LearningBooking.status.in_(rec.LIVE))
        .order_by(LearningBooking.seq)
    )).all()]


async def change_session(
    db: AsyncSession, actor: Person | None, at: Moment, *, opportunity_id: int, number: int, session: SessionSpec,
    config: LearningConfig,
) -> SessionSaved:
    """New times, place, link, places or cut-off. Everyone on it hears of a change to when or where."""
    await rec.require(db, actor)
    found = await rec.opportunity(db, opportunity_id)
    row = rec.session_numbered(found, number)
    if row.status != "open" or found.status != "open":
        raise Refused("session_cancelled", title=found.title, session=number)
    row = await rec.lock_session(db, row.id)
    seats = await rec.held(db, row.id)
    if session.capacity < seats:
        raise Refused("below_held", title=found.title, session=number, held=seats, capacity=session.capacity)
    before = (row.starts_at, row.ends_at, row.venue, row.online_link, row.booking_cutoff)
    row.starts_at, row.ends_at, row.venue = session.starts_at, session.ends_at, session.venue
    row.online_link, row.booking_cutoff = session.online_link, session.booking_cutoff
    more = session.capacity > row.capacity
    row.capacity, row.updated_at = session.capacity, at.now
    await db.flush()
    saved = SessionSaved(found, row)
    moved = before != (row.starts_at, row.ends_at, row.venue, row.online_link, row.booking_cutoff)
    if moved:
        for booking, person in await _everyone_on(db, row.id):
            saved.notices.append(messages.about_booking(
                "learning.session_changed", booking, person, found, row, config,
                key=f"changed:{row.id}:{at.now.isoformat()}", status=booking.status,
            ))
            # reminders already queued name the old time: the job queues new ones under the new time's key
            await cancel(db, messages.booking_key(booking.id, "remind"), now=at.now)
        saved.told = len(saved.notices)
    if more:
        saved.notices += await bookings.promote(db, at, found, row, config)
    record_audit(db, actor.id if actor else None, "learning_session", row.id, "changed", now=at.now,
                 moved=moved, capacity=row.capacity)
    return saved


async def _cancel_bookings(
    db: AsyncSession, at: Moment, found: LearningOpportunity, row: LearningSession | None, config: LearningConfig,
    rows: list[tuple[LearningBooking, Person]],
) -> list[Notice]:
    notices = []
    for booking, person in rows:
        was = booking.status
        await bookings.release(db, at, booking, "cancelled", found, row, config, promote_next=False)
        notices.append(messages.about_booking(
            "learning.session_cancelled", booking, person, found, row, config, key=f"cancelled:{booking.seq}",
            was=was, whole=found.status == "cancelled",
        ))
    return notices


async def cancel_session(
    db: AsyncSession, actor: Person | None, at: Moment, *, opportunity_id: int, number: int, config: LearningConfig
) -> SessionSaved:
    await rec.require(db, actor)
    found = await rec.opportunity(db, opportunity_id)
    row = rec.session_numbered(found, number)
    if row.status != "open":
        raise Refused("session_cancelled", title=found.title, session=number)
    row = await rec.lock_session(db, row.id)
    row.status, row.updated_at = "cancelled", at.now
    saved = SessionSaved(found, row)
    saved.notices = await _cancel_bookings(db, at, found, row, config, await _everyone_on(db, row.id))
    saved.told = len(saved.notices)
    record_audit(db, actor.id if actor else None, "learning_session", row.id, "cancelled", now=at.now,
                 told=saved.told)
    return saved


async def cancel_opportunity(
    db: AsyncSession, actor: Person | None, at: Moment, *, opportunity_id: int, config: LearningConfig
) -> SessionSaved:
    """Everything off: every session, every booking; invitations not delivered yet are withdrawn."""
    await rec.require(db, actor)
    found = await rec.opportunity(db, opportunity_id)
    if found.status != "open":
        raise Refused("opportunity_cancelled", title=found.title)
    found.status, found.updated_at = "cancelled", at.now
    notices: list[Notice] = []
    for session in found.sessions:
        if session.status == "open":
            row = await rec.lock_session(db, session.id)
            row.status, row.updated_at = "cancelled", at.now
            notices += await _cancel_bookings(db, at, found, row, config, await _everyone_on(db, row.id))
    enrolled = [tuple(r) for r in (await db.execute(
        select(LearningBooking, Person).join(Person, Person.id == LearningBooking.person_id)
        .where(LearningBooking.opportunity_id == found.id, LearningBooking.session_id.is_(None),
               LearningBooking.status.in_(rec.LIVE))
    )).all()]
    notices += await _cancel_bookings(db, at, found, None, config, enrolled)  # type: ignore[arg-type]
    await cancel(db, messages.invite_prefix(found.id), now=at.now)
    record_audit(db, actor.id if actor else None, "learning_opportunity", found.id, "cancelled", now=at.now,
                 told=len(notices))
    first = found.sessions[0] if found.sessions else None
    saved = SessionSaved(found, first, notices=notices)  # type: ignore[arg-type]
    saved.told = len(notices)
    return saved


@dataclass
class Row:
    opportunity: LearningOpportunity
    invited: int
    booked: int
    waiting: int


@dataclass
class Listing(Result):
    rows: list[Row]


async def list_opportunities(db: AsyncSession, actor: Person | None, at: Moment, *, include_past: bool = False) -> Listing:
    """Open opportunities (newest first) with how many were invited, hold a place and wait."""
    await rec.require(db, actor)
    query = select(LearningOpportunity).order_by(LearningOpportunity.id.desc())
    if not include_past:
        query = query.where(LearningOpportunity.status == "open")
    found = list(await db.scalars(query))
    ids = [o.id for o in found]
    invited = dict((await db.execute(
        select(LearningInvitation.opportunity_id, func.count()).where(LearningInvitation.opportunity_id.in_(ids))
        .group_by(LearningInvitation.opportunity_id))).all()) if ids else {}
    counts: dict[tuple[int, str], int] = {}
    if ids:
        for opportunity_id, status, n in await db.execute(
            select(LearningBooking.opportunity_id, LearningBooking.status, func.count())
            .where(LearningBooking.opportunity_id.in_(ids)).group_by(LearningBooking.opportunity_id, LearningBooking.status)
        ):
            counts[(opportunity_id, status)] = n
    rows = []
    for o in found:
        if not include_past and o.sessions and all(s.ends_at <= at.now or s.status != "open" for s in o.sessions):
            continue
        rows.append(Row(o, invited.get(o.id, 0), sum(counts.get((o.id, s), 0) for s in HOLDS_SEAT),
                        counts.get((o.id, "waitlisted"), 0)))
    return Listing(rows)
