"""The overview's figures, each a small table (rows of labelled counts) worked out in a few set-based
queries, never one per person, so the page stays quick for an organisation of tens of thousands.

Competence standing is read from `competence_standings` (each person's newest competent evidence per
competence and when it runs out), the same rows the nudge scan reads; "never evidenced" is everyone
else. The rules match storage/status.py: running out means within 30 days, today and day 30 included.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Competence, CompetenceStanding, Evidence, Person
from storage.models.competence import evidence_competences
from storage.models.nudges import AppraisalRecord
from storage.policy.models import PolicyQuestion
from storage.status import EXPIRING_WINDOW_DAYS

NO_STATION, NO_TEAM = "No station", "No team"


@dataclass(frozen=True, slots=True)
class Filters:
    station: str = ""
    team: str = ""
    competence: str = ""  # a competence code
    since: date | None = None  # evidence submitted and questions asked from this day...
    until: date | None = None  # ...to this day, inclusive


@dataclass
class Figure:
    key: str  # the CSV's name: /admin/overview/<key>.csv
    title: str
    label: str  # the first column's heading
    columns: list[str]
    rows: list[tuple[str, list[int]]] = field(default_factory=list)
    stacked: bool = True

    @property
    def total(self) -> int:
        return sum(sum(values) for _, values in self.rows)


def _people(filters: Filters) -> list:
    conditions = [Person.active.is_(True)]
    if filters.station:
        conditions.append(func.coalesce(Person.station, NO_STATION) == filters.station)
    if filters.team:
        conditions.append(func.coalesce(Person.team, NO_TEAM) == filters.team)
    return conditions


def _competences(filters: Filters) -> list:
    conditions = [Competence.active.is_(True)]
    if filters.competence:
        conditions.append(Competence.code == filters.competence)
    return conditions


async def standing(db: AsyncSession, today: date, filters: Filters) -> tuple[Figure, Figure]:
    """Competence standing by station and by competence, from one grouped query."""
    soon = today + timedelta(days=EXPIRING_WINDOW_DAYS)
    valid = CompetenceStanding.valid_until
    station = func.coalesce(Person.station, NO_STATION)
    rows = await db.execute(
        select(
            station, CompetenceStanding.competence_id,
            func.sum(case((or_(valid.is_(None), valid > soon), 1), else_=0)),
            func.sum(case((and_(valid >= today, valid <= soon), 1), else_=0)),
            func.sum(case((valid < today, 1), else_=0)),
        )
        .join(Person, Person.id == CompetenceStanding.person_id)
        .join(Competence, Competence.id == CompetenceStanding.competence_id)
        .where(*_people(filters), *_competences(filters))
        .group_by(station, CompetenceStanding.competence_id)
    )
    people = dict((await db.execute(select(station, func.count(Person.id)).where(*_people(filters))
                                    .group_by(station))).all())
    competences = {c.id: c for c in await db.scalars(select(Competence).where(*_competences(filters))
                                                      .order_by(Competence.code))}
    by_station: dict[str, list[int]] = {s: [0, 0, 0] for s in people}
    by_competence: dict[int, list[int]] = {cid: [0, 0, 0] for cid in competences}
    for where, competence_id, *counts in rows:
        for target in (by_station.setdefault(where, [0, 0, 0]), by_competence.setdefault(competence_id, [0, 0, 0])):
            for i, n in enumerate(counts):
                target[i] += int(n or 0)
    columns = ["In date", "Running out", "Expired", "Never evidenced"]
    stations = Figure("standing-by-station", "Competence standing by station", "Station", columns)
    for where in sorted(by_station):
        counts = by_station[where]
        stations.rows.append((where, [*counts, max(0, people.get(where, 0) * len(competences) - sum(counts))]))
    everyone = sum(people.values())
    by_code = Figure("standing-by-competence", "Competence standing by competence", "Competence", columns)
    for competence_id, competence in competences.items():
        counts = by_competence[competence_id]
        by_code.rows.append((f"{competence.code} {competence.title}", [*counts, max(0, everyone - sum(counts))]))
    return stations, by_code


async def appraisals(db: AsyncSession, today: date, filters: Filters, *, months: int, due_soon_days: int) -> Figure:
    """Appraisals (IPDR/PDR) by team: overdue, due soon, in date, none recorded."""
    team = func.coalesce(Person.team, NO_TEAM)
    last, next_due = AppraisalRecord.last_appraisal_date, AppraisalRecord.next_due_date
    overdue_before, soon_until = today - relativedelta(months=months), today + timedelta(days=due_soon_days)
    overdue = or_(and_(next_due.is_not(None), next_due < today), and_(next_due.is_(None), last < overdue_before))
    soon = or_(
        and_(next_due.is_not(None), next_due >= today, next_due <= soon_until),
        and_(next_due.is_(None), last >= overdue_before, last <= soon_until - relativedelta(months=months)),
    )
    rows = await db.execute(
        select(team, func.count(Person.id), func.count(AppraisalRecord.id),
               func.sum(case((overdue, 1), else_=0)), func.sum(case((soon, 1), else_=0)))
        .outerjoin(AppraisalRecord, AppraisalRecord.person_id == Person.id)
        .where(*_people(filters))
        .group_by(team)
    )
    figure = Figure("appraisals-by-team", "Appraisals by team", "Team", ["Overdue", "Due soon", "In date", "None recorded"])
    for name, people, recorded, late, due in sorted(rows.all(), key=lambda r: r[0]):
        late, due = int(late or 0), int(due or 0)
        figure.rows.append((name, [late, due, int(recorded) - late - due, int(people) - int(recorded)]))
    return figure


async def assessments(db: AsyncSession, today: date, filters: Filters, *, due_soon_days: int) -> Figure:
    """Workplace assessments of risk-critical competences by team: overdue (run out) and due soon."""
    team, valid = func.coalesce(Person.team, NO_TEAM), CompetenceStanding.valid_until
    rows = await db.execute(
        select(team, func.sum(case((valid < today, 1), else_=0)),
               func.sum(case((and_(valid >= today, valid <= today + timedelta(days=due_soon_days)), 1), else_=0)))
        .join(Person, Person.id == CompetenceStanding.person_id)
        .join(Competence, Competence.id == CompetenceStanding.competence_id)
        .where(*_people(filters), *_competences(filters), Competence.risk_critical.is_(True))
        .group_by(team)
    )
    figure = Figure("assessments-by-team", "Workplace assessments by team (risk-critical competences)", "Team",
                    ["Overdue", "Due soon"])
    for name, late, due in sorted(rows.all(), key=lambda r: r[0]):
        if late or due:
            figure.rows.append((name, [int(late or 0), int(due or 0)]))
    return figure


AGES = (("Under a week", 0, 7), ("1 to 2 weeks", 7, 14), ("2 to 4 weeks", 14, 28), ("Over 4 weeks", 28, None))


def _day_range(column, filters: Filters) -> list:  # noqa: ANN001 - a datetime column
    conditions = []
    if filters.since:
        conditions.append(column >= datetime.combine(filters.since, time(0), tzinfo=UTC))
    if filters.until:
        conditions.append(column < datetime.combine(filters.until + timedelta(days=1), time(0), tzinfo=UTC))
    return conditions


async def evidence_waiting(db: AsyncSession, now: datetime, filters: Filters) -> Figure:
    """Evidence waiting for a decision, by how long it has waited."""
    statement = (
        select(Evidence.created_at)
        .join(Person, Person.id == Evidence.person_id)
        .where(Evidence.status == "submitted", *_people(filters), *_day_range(Evidence.created_at, filters))
    )
    if filters.competence:
        statement = statement.where(Evidence.id.in_(
            select(evidence_competences.c.evidence_id)
            .join(Competence, Competence.id == evidence_competences.c.competence_id)
            .where(Competence.code == filters.competence)))
    counts = [0] * len(AGES)
    for (created,) in await db.execute(statement):
        days = (now - created).days
        for i, (_, low, high) in enumerate(AGES):
            if days >= low and (high is None or days < high):
                counts[i] += 1
    figure = Figure("evidence-waiting", "Evidence waiting for a decision, by age", "Waiting", ["Pieces of evidence"],
                    stacked=False)
    figure.rows = [(label, [n]) for (label, _, _), n in zip(AGES, counts, strict=True)]
    return figure


async def questions_per_week(db: AsyncSession, today: date, filters: Filters) -> Figure:
    """Policy questions asked each week (weeks start on Monday), answered and not; off-topic ones left out."""
    until = filters.until or today
    since = filters.since or until - timedelta(weeks=11, days=until.weekday())
    first_monday = since - timedelta(days=since.weekday())
    statement = select(PolicyQuestion.asked_at, PolicyQuestion.answered).where(
        PolicyQuestion.off_topic.is_(False),
        *_day_range(PolicyQuestion.asked_at, Filters(since=first_monday, until=until)))
    if filters.station or filters.team:
        statement = statement.join(Person, Person.id == PolicyQuestion.person_id).where(*_people(filters))
    weeks: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for asked, answered in await db.execute(statement):
        day = asked.date()
        weeks[day - timedelta(days=day.weekday())][0 if answered else 1] += 1
    figure = Figure("questions-per-week", "Policy questions per week", "Week beginning", ["Answered", "Unanswered"])
    monday = first_monday
    while monday <= until:
        figure.rows.append((f"{monday.day} {monday:%b %Y}", weeks[monday]))
        monday += timedelta(weeks=1)
    return figure


async def choices(db: AsyncSession) -> dict[str, list[str]]:
    """What the filters offer: stations, teams and competence codes in use."""
    stations = sorted(s or NO_STATION for s in await db.scalars(
        select(Person.station).where(Person.active.is_(True)).distinct()))
    teams = sorted(t or NO_TEAM for t in await db.scalars(select(Person.team).where(Person.active.is_(True)).distinct()))
    codes = list(await db.execute(select(Competence.code, Competence.title).where(Competence.active.is_(True))
                                  .order_by(Competence.code)))
    return {"stations": stations, "teams": teams, "competences": [f"{c}|{c} {t}" for c, t in codes]}
