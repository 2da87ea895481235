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
    note: str = ""  # a sentence under the table (the rates a chart of counts does not say)

    @property
    def total(self) -> int:
        return sum(sum(values) for _, values in self.rows)


def people_conditions(filters: Filters, *, active: bool = False) -> list:
    """The station and team filters on people, for other units' figures (leavers included by default:
    what they did while here still counts)."""
    return _people(filters, active=active)


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


@dataclass
class _Counts:
    """Standings counted: totals, and those running out (index 0) or expired (index 1)."""

    station_total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    competence_total: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    by_station: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_competence: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_team: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))  # overdue, due soon


async def standing(
    db: AsyncSession, today: date, filters: Filters, *, due_soon_days: int = 30
) -> tuple[Figure, Figure, Figure]:
    """Competence standing by station and by competence, and workplace assessments due by team.

    In date is what is left of a group's standings once those running out and expired are taken away;
    never evidenced is everyone times every competence, less those with a standing. The counting takes the
    shape each database is quick at (see `_counted_together` and `_counted_apart`).
    """
    competences = {c.id: c for c in await db.scalars(select(Competence).where(*_competences(filters))
                                                      .order_by(Competence.code))}
    station = func.coalesce(Person.station, NO_STATION)
    headcount = dict((await db.execute(select(station, func.count(Person.id)).where(*_people(filters))
                                       .group_by(station))).all())
    counting = _counted_together if db.bind.dialect.name == "postgresql" else _counted_apart
    counts = await counting(db, today, filters, competences, due_soon_days)
    columns = ["In date", "Running out", "Expired", "Never evidenced"]
    people = sum(headcount.values())
    stations = Figure("standing-by-station", "Competence standing by station", "Station", columns)
    for where in sorted(headcount):
        total, (running_out, expired) = int(counts.station_total[where]), counts.by_station[where]
        stations.rows.append((where, [total - running_out - expired, running_out, expired,
                                      max(0, headcount[where] * len(competences) - total)]))
    by_code = Figure("standing-by-competence", "Competence standing by competence", "Competence", columns)
    for competence_id, competence in competences.items():
        total, (running_out, expired) = int(counts.competence_total[competence_id]), counts.by_competence[competence_id]
        by_code.rows.append((f"{competence.code} {competence.title}",
                             [total - running_out - expired, running_out, expired, max(0, people - total)]))
    teams = Figure("assessments-by-team", "Workplace assessments by team (risk-critical competences)", "Team",
                   ["Overdue", "Due soon"], shown=TEAMS_SHOWN)
    teams.rows = sorted(((who, c) for who, c in counts.by_team.items() if any(c)),
                        key=lambda row: (-row[1][0], -row[1][1], row[0]))
    return stations, by_code, teams


def _flags(today: date, due_soon_days: int) -> tuple:
    window, soon = today + timedelta(days=EXPIRING_WINDOW_DAYS), today + timedelta(days=due_soon_days)
    valid = CompetenceStanding.valid_until
    return (case((valid < today, 1), else_=0), case((valid <= window, 1), else_=0),
            case((valid <= soon, 1), else_=0)), max(window, soon)


def _tally(counts: _Counts, competences: dict[int, Competence], where: str, who: str, competence_id: int,
           expired: int, running_out: int, due_soon: int, n: int) -> None:
    """Add `n` standings ending soon or ended (by their flags) to the figures' counts."""
    if expired or running_out:
        counts.by_station[where][1 if expired else 0] += n
        counts.by_competence[competence_id][1 if expired else 0] += n
    if competences[competence_id].risk_critical and (expired or due_soon):
        counts.by_team[who][0 if expired else 1] += n


async def _counted_together(
    db: AsyncSession, today: date, filters: Filters, competences: dict[int, Competence], due_soon_days: int
) -> _Counts:
    """PostgreSQL: every standing joined with its person, grouped by station and competence with each flag
    summed (a parallel hash join and hash aggregate); then, for the teams, only the risk-critical standings
    ending soon or ended. Grouping everything by team as well makes the planner sort on disk instead."""
    station, team = func.coalesce(Person.station, NO_STATION), func.coalesce(Person.team, NO_TEAM)
    (expired_flag, running_flag, due_flag), until = _flags(today, due_soon_days)
    counts = _Counts()
    for where, competence_id, total, expired, running_out in await db.execute(
        select(station, CompetenceStanding.competence_id, func.count(), func.sum(expired_flag), func.sum(running_flag))
        .join(Person, Person.id == CompetenceStanding.person_id)
        .where(CompetenceStanding.competence_id.in_(list(competences)), *_people(filters))
        .group_by(station, CompetenceStanding.competence_id)
    ):
        counts.station_total[where] += int(total)
        counts.competence_total[competence_id] += int(total)
        expired, running_out = int(expired or 0), int(running_out or 0)  # running out includes the expired
        for target in (counts.by_station[where], counts.by_competence[competence_id]):
            target[0] += running_out - expired
            target[1] += expired
    risk_critical = [cid for cid, c in competences.items() if c.risk_critical]
    for who, expired, due_soon in await db.execute(
        select(team, func.sum(expired_flag), func.sum(due_flag))
        .join(Person, Person.id == CompetenceStanding.person_id)
        .where(CompetenceStanding.valid_until <= until, CompetenceStanding.competence_id.in_(risk_critical),
               *_people(filters))
        .group_by(team)
    ):
        counts.by_team[who][0] += int(expired or 0)
        counts.by_team[who][1] += int(due_soon or 0) - int(expired or 0)
    return counts


async def _counted_apart(
    db: AsyncSession, today: date, filters: Filters, competences: dict[int, Competence], due_soon_days: int
) -> _Counts:
    """SQLite: four narrow queries rather than one join of every standing with its person (which takes a
    second there at 50,000 people): standings per person (an index-only scan), then per station; standings
    per competence (the competence index); and the few ending soon or ended, with station and team."""
    standings_of = CompetenceStanding.competence_id.in_(list(competences))
    station, team = func.coalesce(Person.station, NO_STATION), func.coalesce(Person.team, NO_TEAM)
    counts = _Counts()
    per_person = (select(CompetenceStanding.person_id.label("person_id"), func.count().label("n"))
                  .where(standings_of).group_by(CompetenceStanding.person_id)
                  .cte("per_person").prefix_with("MATERIALIZED"))
    for where, n in await db.execute(
        select(station, func.sum(per_person.c.n)).join(Person, Person.id == per_person.c.person_id)
        .where(*_people(filters)).group_by(station)
    ):
        counts.station_total[where] += int(n or 0)
    per_competence = select(CompetenceStanding.competence_id, func.count()).where(standings_of)
    if filters.station or filters.team:
        per_competence = per_competence.join(Person, Person.id == CompetenceStanding.person_id).where(*_people(filters))
    for competence_id, n in await db.execute(per_competence.group_by(CompetenceStanding.competence_id)):
        counts.competence_total[competence_id] += int(n)
    # "Still here" is grouped by, not filtered on: given it, SQLite's planner reads every person first.
    flags, until = _flags(today, due_soon_days)
    for active, where, who, competence_id, expired, running_out, due_soon, n in await db.execute(
        select(Person.active, station, team, CompetenceStanding.competence_id, *flags, func.count())
        .join(Person, Person.id == CompetenceStanding.person_id)
        .where(CompetenceStanding.valid_until <= until, standings_of, *_people(filters, active=False))
        .group_by(Person.active, station, team, CompetenceStanding.competence_id, *flags)
    ):
        if active:
            _tally(counts, competences, where, who, competence_id, expired, running_out, due_soon, int(n))
    return counts


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
