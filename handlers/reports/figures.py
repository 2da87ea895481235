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
TEAMS_SHOWN = 25


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
    # Teams can number thousands: the page shows the most urgent this many (the CSV has every row).
    shown: int | None = None

    @property
    def total(self) -> int:
        return sum(sum(values) for _, values in self.rows)


def _people(filters: Filters, *, active: bool = True) -> list:
    """Conditions on people. `active=False` leaves out "only people still here", for a query that groups by
    it instead: SQLite's planner, given it, reads every person first rather than the few rows wanted."""
    conditions = [Person.active.is_(True)] if active else []
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


async def standing(
    db: AsyncSession, today: date, filters: Filters, *, due_soon_days: int = 30
) -> tuple[Figure, Figure, Figure]:
    """Competence standing by station and by competence, and workplace assessments due by team.

    Four cheap queries rather than one join of every standing with every person (which takes a second on
    SQLite at 50,000 people): how many standings each person has (an index-only scan), the people, how
    many standings each competence has (the competence index), and the few standings that run out soon or
    have run out, with their person's station and team. In date is what is left; never evidenced is
    everyone times every competence, less those with a standing.
    """
    competences = {c.id: c for c in await db.scalars(select(Competence).where(*_competences(filters))
                                                      .order_by(Competence.code))}
    ids = list(competences)
    standings_of = CompetenceStanding.competence_id.in_(ids)
    station, team = func.coalesce(Person.station, NO_STATION), func.coalesce(Person.team, NO_TEAM)
    headcount = dict((await db.execute(select(station, func.count(Person.id)).where(*_people(filters))
                                       .group_by(station))).all())
    # Standings per person first (an index-only scan), then per station: a join of every standing with its
    # person costs four times as much.
    per_person = (select(CompetenceStanding.person_id.label("person_id"), func.count().label("n"))
                  .where(standings_of).group_by(CompetenceStanding.person_id)
                  .cte("per_person").prefix_with("MATERIALIZED"))
    station_total = dict((await db.execute(
        select(station, func.sum(per_person.c.n)).join(Person, Person.id == per_person.c.person_id)
        .where(*_people(filters)).group_by(station))).all())
    per_competence = select(CompetenceStanding.competence_id, func.count()).where(standings_of)
    if filters.station or filters.team:
        per_competence = per_competence.join(Person, Person.id == CompetenceStanding.person_id).where(*_people(filters))
    competence_total = dict((await db.execute(per_competence.group_by(CompetenceStanding.competence_id))).all())
    # The standings that run out soon or have run out: few, found from the competence index.
    window, soon_days = today + timedelta(days=EXPIRING_WINDOW_DAYS), today + timedelta(days=due_soon_days)
    valid = CompetenceStanding.valid_until
    flags = (case((valid < today, 1), else_=0), case((valid <= window, 1), else_=0),
             case((valid <= soon_days, 1), else_=0))
    ending = await db.execute(
        select(Person.active, station, team, CompetenceStanding.competence_id, *flags, func.count())
        .join(Person, Person.id == CompetenceStanding.person_id)
        .where(valid <= max(window, soon_days), standings_of, *_people(filters, active=False))
        .group_by(Person.active, station, team, CompetenceStanding.competence_id, *flags))
    by_station: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # running out, expired
    by_competence: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    by_team: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # overdue, due soon (risk-critical only)
    for active, where, who, competence_id, expired, running_out, due_soon, n in ending:
        if not active:
            continue
        n = int(n)
        if expired or running_out:
            by_station[where][1 if expired else 0] += n
            by_competence[competence_id][1 if expired else 0] += n
        if competences[competence_id].risk_critical and (expired or due_soon):
            by_team[who][0 if expired else 1] += n
    columns = ["In date", "Running out", "Expired", "Never evidenced"]
    people = sum(headcount.values())
    stations = Figure("standing-by-station", "Competence standing by station", "Station", columns)
    for where in sorted(headcount):
        total, (running_out, expired) = int(station_total.get(where) or 0), by_station[where]
        stations.rows.append((where, [total - running_out - expired, running_out, expired,
                                      max(0, headcount[where] * len(ids) - total)]))
    by_code = Figure("standing-by-competence", "Competence standing by competence", "Competence", columns)
    for competence_id, competence in competences.items():
        total, (running_out, expired) = int(competence_total.get(competence_id, 0)), by_competence[competence_id]
        by_code.rows.append((f"{competence.code} {competence.title}",
                             [total - running_out - expired, running_out, expired, max(0, people - total)]))
    teams = Figure("assessments-by-team", "Workplace assessments by team (risk-critical competences)", "Team",
                   ["Overdue", "Due soon"], shown=TEAMS_SHOWN)
    teams.rows = sorted(((who, counts) for who, counts in by_team.items() if any(counts)),
                        key=lambda row: (-row[1][0], -row[1][1], row[0]))
    return stations, by_code, teams


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
    figure = Figure("appraisals-by-team", "Appraisals by team", "Team", ["Overdue", "Due soon", "In date", "None recorded"],
                    shown=TEAMS_SHOWN)
    for name, people, recorded, late, due in sorted(rows.all(), key=lambda r: (-int(r[3] or 0), -int(r[4] or 0), r[0])):
        late, due = int(late or 0), int(due or 0)
        figure.rows.append((name, [late, due, int(recorded) - late - due, int(people) - int(recorded)]))
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
    """Evidence waiting for a decision, by how long it has waited (counted by the database)."""
    buckets = [func.sum(case((and_(Evidence.created_at <= now - timedelta(days=low),
                                   *([Evidence.created_at > now - timedelta(days=high)] if high else [])), 1), else_=0))
               for _, low, high in AGES]
    waiting = Evidence.status == "submitted"
    if db.bind.dialect.name == "sqlite":  # its statistics cannot tell that few are waiting: say so
        waiting = func.unlikely(waiting)
    statement = (
        select(Person.active, *buckets)
        .join(Person, Person.id == Evidence.person_id)
        .where(waiting, *_people(filters, active=False), *_day_range(Evidence.created_at, filters))
        .group_by(Person.active)
    )
    if filters.competence:
        statement = statement.where(Evidence.id.in_(
            select(evidence_competences.c.evidence_id)
            .join(Competence, Competence.id == evidence_competences.c.competence_id)
            .where(Competence.code == filters.competence)))
    counts = next((row[1:] for row in await db.execute(statement) if row[0]), [0] * len(AGES))
    figure = Figure("evidence-waiting", "Evidence waiting for a decision, by age", "Waiting", ["Pieces of evidence"],
                    stacked=False)
    figure.rows = [(label, [int(n or 0)]) for (label, _, _), n in zip(AGES, counts, strict=True)]
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
