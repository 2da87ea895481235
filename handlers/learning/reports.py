"""What an opportunity achieved: per session and overall (invited, signed up, waitlisted, attended, no-shows,
average rating, what people said), and per linked competence how many of the audience closed their gap.

Anonymity: respondents are never named, comments are listed in alphabetical order (not the order people
answered in), and a figure or a list of comments drawn from fewer than five answers is withheld, because
with so few someone could tell who said what.

A gap is a linked competence that was expired, running out or never evidenced when the person was invited
(recorded on the invitation); it is closed when competent evidence for it, dated within 90 days of the
invitation, is on their record.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Act
from bot.clock import Moment
from bot.usecase import Result
from handlers.learning import records as rec
from handlers.learning.times import when_context
from handlers.reports.figures import Figure, Filters, people_conditions
from storage.models import Competence, Evidence, Person
from storage.models.competence import evidence_competences
from storage.models.learning import (
    HOLDS_SEAT,
    LearningBooking,
    LearningEvaluation,
    LearningInvitation,
    LearningOpportunity,
    LearningSession,
    learning_competences,
)

MIN_ANSWERS = 5
GAP_DAYS = 90
ENDED = ("cancelled", "declined", "lapsed", "removed")


@dataclass
class Figures:
    signed_up: int = 0
    waitlisted: int = 0
    offered: int = 0
    pending_approval: int = 0
    cancelled: int = 0
    attended: int = 0
    no_shows: int = 0
    answered: int = 0
    average_rating: float | None = None  # None: nobody answered, or fewer than five (withheld)


@dataclass
class SessionReport(Figures):
    number: int = 0
    context: dict[str, str] = field(default_factory=dict)
    capacity: int = 0
    status: str = "open"


@dataclass
class CompetenceReport:
    code: str
    title: str
    with_gap: int
    closed: int


@dataclass
class Report(Result):
    opportunity: LearningOpportunity
    invited: int = 0
    not_for_me: int = 0
    total: Figures = field(default_factory=Figures)
    sessions: list[SessionReport] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    withheld: bool = False  # fewer than five answered: average and comments not shown
    follow_up: dict[str, int] | None = None
    follow_up_answered: int = 0
    managers: dict[str, int] | None = None
    managers_answered: int = 0
    competences: list[CompetenceReport] = field(default_factory=list)


def _average(ratings: list[int]) -> float | None:
    return round(sum(ratings) / len(ratings), 1) if len(ratings) >= MIN_ANSWERS else None


def _count(figures: Figures, booking: LearningBooking) -> None:
    if booking.status in HOLDS_SEAT:
        figures.signed_up += 1
        if booking.status == "offered":
            figures.offered += 1
        if booking.status == "pending_approval":
            figures.pending_approval += 1
    elif booking.status == "waitlisted":
        figures.waitlisted += 1
    elif booking.status in ENDED:
        figures.cancelled += 1
    if booking.attendance == "attended":
        figures.attended += 1
    elif booking.attendance == "no_show":
        figures.no_shows += 1


async def report(db: AsyncSession, actor: Person | None, at: Moment, *, opportunity_id: int, tz: ZoneInfo) -> Report:
    await rec.require(db, actor, Act.VIEW_REPORTS)
    found = await rec.opportunity(db, opportunity_id)
    result = Report(found)
    invitations = list(await db.scalars(select(LearningInvitation).where(LearningInvitation.opportunity_id == found.id)))
    result.invited = len(invitations)
    result.not_for_me = sum(i.response == "not_for_me" for i in invitations)
    bookings = list(await db.scalars(select(LearningBooking).where(LearningBooking.opportunity_id == found.id)))
    answers = list(await db.scalars(
        select(LearningEvaluation).where(LearningEvaluation.opportunity_id == found.id)
    ))
    after = [a for a in answers if a.stage == "after"]
    by_session: dict[int | None, list[int]] = {}
    for answer in after:
        by_session.setdefault(answer.session_id, []).append(answer.useful or 0)
    for session in found.sessions:
        row = SessionReport(number=session.number, context=when_context(session.starts_at, session.ends_at, tz),
                            capacity=session.capacity, status=session.status)
        for booking in bookings:
            if booking.session_id == session.id:
                _count(row, booking)
        ratings = by_session.get(session.id, [])
        row.answered, row.average_rating = len(ratings), _average(ratings)
        result.sessions.append(row)
    for booking in bookings:
        _count(result.total, booking)
    ratings = [a.useful or 0 for a in after]
    result.total.answered, result.total.average_rating = len(ratings), _average(ratings)
    result.withheld = 0 < len(after) < MIN_ANSWERS
    if len(after) >= MIN_ANSWERS:
        result.comments = sorted(
            text for a in after for text in (a.apply, a.comment) if text and text.strip()
        )
    for stage, attribute in (("follow_up", "follow_up"), ("manager", "managers")):
        given = [a.answer for a in answers if a.stage == stage and a.answer]
        setattr(result, f"{attribute}_answered", len(given))
        if len(given) >= MIN_ANSWERS:
            setattr(result, attribute, dict(Counter(given)))
    result.competences = await _gaps(db, found, invitations)
    return result


async def _gaps(
    db: AsyncSession, found: LearningOpportunity, invitations: list[LearningInvitation]
) -> list[CompetenceReport]:
    rows = []
    competences: list[Competence] = list(found.competences)
    if not competences:
        return rows
    gaps: dict[int, list[LearningInvitation]] = {c.id: [] for c in competences}
    for invitation in invitations:
        for key, status in (invitation.gaps or {}).items():
            if status != "in_date" and key.isdigit() and int(key) in gaps:
                gaps[int(key)].append(invitation)
    people = {i.person_id for group in gaps.values() for i in group}
    evidenced: dict[tuple[int, int], list] = {}
    if people:
        first_day = min(i.created_at for group in gaps.values() for i in group).date()
        ec = evidence_competences.c
        for person_id, competence_id, day in await db.execute(
            select(Evidence.person_id, ec.competence_id, Evidence.activity_date)
            .join(evidence_competences, ec.evidence_id == Evidence.id)
            .where(Evidence.status == "competent", Evidence.person_id.in_(people),
                   ec.competence_id.in_(list(gaps)), Evidence.activity_date >= first_day)
        ):
            evidenced.setdefault((person_id, competence_id), []).append(day)
    for competence in competences:
        closed = 0
        for invitation in gaps[competence.id]:
            invited = invitation.created_at.date()
            days = evidenced.get((invitation.person_id, competence.id), [])
            if any(invited <= d <= invited + timedelta(days=GAP_DAYS) for d in days):
                closed += 1
        rows.append(CompetenceReport(competence.code, competence.title, len(gaps[competence.id]), closed))
    return rows


def as_json(result: Report) -> dict[str, Any]:
    """`ldbot learning report ID --json`: one object; figures withheld for anonymity are null."""
    def figures(f: Figures) -> dict[str, Any]:
        return {"signed_up": f.signed_up, "waitlisted": f.waitlisted, "offered": f.offered,
                "pending_approval": f.pending_approval, "cancelled": f.cancelled, "attended": f.attended,
                "no_shows": f.no_shows, "answered": f.answered, "average_rating": f.average_rating}

    found = result.opportunity
    return {
        "id": found.id,
        "title": found.title,
        "kind": found.kind,
        "invited": result.invited,
        "not_for_me": result.not_for_me,
        **figures(result.total),
        "comments": result.comments,
        "withheld": result.withheld,
        "sessions": [
            {"id": s.number, "start": f"{s.context['date']} {s.context['start']}", "capacity": s.capacity,
             "status": s.status, **figures(s)}
            for s in result.sessions
        ],
        "follow_up": {"answered": result.follow_up_answered, "answers": result.follow_up},
        "managers": {"answered": result.managers_answered, "answers": result.managers},
        "competences": [
            {"code": c.code, "title": c.title, "audience_with_gap": c.with_gap, "closed_within_90_days": c.closed}
            for c in result.competences
        ],
    }


CSV_COLUMNS = ("row", "session", "start", "capacity", "invited", "signed_up", "waitlisted", "attended",
               "no_shows", "answered", "average_rating", "competence", "audience_with_gap", "closed_within_90_days")


def as_rows(result: Report) -> list[dict[str, Any]]:
    """`--csv`: the opportunity's line, one per session, one per linked competence."""
    def line(kind: str, f: Figures | None = None, **extra: Any) -> dict[str, Any]:
        row = dict.fromkeys(CSV_COLUMNS, "")
        row["row"] = kind
        if f is not None:
            row |= {"signed_up": f.signed_up, "waitlisted": f.waitlisted, "attended": f.attended,
                    "no_shows": f.no_shows, "answered": f.answered,
                    "average_rating": "" if f.average_rating is None else f.average_rating}
        return row | extra

    rows = [line("opportunity", result.total, invited=result.invited)]
    for s in result.sessions:
        rows.append(line("session", s, session=s.number, start=f"{s.context['date']} {s.context['start']}",
                         capacity=s.capacity))
    for c in result.competences:
        rows.append(line("competence", competence=c.code, audience_with_gap=c.with_gap, closed_within_90_days=c.closed))
    return rows



# --- the overview's learning figure -------------------------------------------------------------------------------
def _month(moment: datetime, tz: ZoneInfo) -> date:
    local = moment.astimezone(tz)
    return date(local.year, local.month, 1)


async def places_by_month(db: AsyncSession, today: date, filters: Filters, *, tz: ZoneInfo) -> Figure:
    """Places offered, taken, attended and missed, by the month sessions start in: the fill rate and the
    attendance the overview charts. Counted as `report` counts one opportunity (a place is taken by a
    booking holding a seat; attendance as L&D marked it), for every session in a few set-based queries.

    Sessions (not cancelled, of opportunities not cancelled) starting from `since` to `until`, or from
    eleven months back to three ahead; a competence keeps opportunities linked to it; a station or team
    counts only its people's bookings (the places stay every place the sessions have)."""
    first = filters.since or (today.replace(day=1) - timedelta(days=320)).replace(day=1)
    last = filters.until or (today.replace(day=28) + timedelta(days=100)).replace(day=1) - timedelta(days=1)
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    statement = (
        select(LearningSession.id, LearningSession.starts_at, LearningSession.capacity)
        .join(LearningOpportunity, LearningOpportunity.id == LearningSession.opportunity_id)
        .where(LearningSession.status == "open", LearningOpportunity.status == "open",
               LearningSession.starts_at >= start, LearningSession.starts_at < end)
    )
    if filters.competence:
        statement = statement.where(LearningOpportunity.id.in_(
            select(learning_competences.c.opportunity_id)
            .join(Competence, Competence.id == learning_competences.c.competence_id)
            .where(Competence.code == filters.competence)))
    sessions = {sid: (starts, capacity) for sid, starts, capacity in await db.execute(statement)}
    months: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for starts, capacity in sessions.values():
        months[_month(starts, tz)][0] += capacity
    if sessions:
        counted = (
            select(LearningBooking.session_id,
                   func.sum(case((LearningBooking.status.in_(HOLDS_SEAT), 1), else_=0)),
                   func.sum(case((LearningBooking.attendance == "attended", 1), else_=0)),
                   func.sum(case((LearningBooking.attendance == "no_show", 1), else_=0)))
            .where(LearningBooking.session_id.in_(list(sessions)))
            .group_by(LearningBooking.session_id)
        )
        if filters.station or filters.team:
            counted = counted.join(Person, Person.id == LearningBooking.person_id).where(*people_conditions(filters))
        for sid, taken, attended, missed in await db.execute(counted):
            row = months[_month(sessions[sid][0], tz)]
            row[1] += int(taken or 0)
            row[2] += int(attended or 0)
            row[3] += int(missed or 0)
    figure = Figure("learning-by-month", "Learning opportunities: places filled and attendance, by month",
                    "Month sessions start", ["Places", "Places taken", "Attended", "Did not attend"], stacked=False)
    figure.rows = [(f"{m:%B %Y}", months[m]) for m in sorted(months)]
    places, taken, attended, missed = (sum(values[i] for _, values in figure.rows) for i in range(4))
    if places:
        marked = attended + missed
        figure.note = (f"{round(100 * taken / places)}% of places taken"
                       + (f"; {round(100 * attended / marked)}% of those marked attended." if marked else
                          "; no attendance recorded yet."))
    return figure
