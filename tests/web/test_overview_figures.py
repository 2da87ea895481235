"""The overview's figures agree with what each person's own record (and each opportunity's own report) says,
and the benchmark still runs."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from bot.usecase import apply
from handlers.learning.attendance import record_attendance
from handlers.learning.config import config_for
from handlers.learning.reports import places_by_month, report
from handlers.people.sample import load_everything
from handlers.reports import figures
from handlers.reports.figures import Filters
from storage.db import unit_of_work
from storage.models import Person
from storage.models.learning import HOLDS_SEAT, LearningBooking, LearningOpportunity, LearningSession
from storage.status import competence_status
from tests.nudge_org import MONDAY, build_station

ROOT = Path(__file__).resolve().parents[2]
LABELS = {"in_date": 0, "expiring": 1, "expired": 2, "never": 3}


async def _by_station_from_records(db, today):
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for person in await db.scalars(select(Person).where(Person.active.is_(True))):
        for status in await competence_status(db, person.id, today):
            counts[person.station or figures.NO_STATION][LABELS[status.status]] += 1
    return dict(counts)


async def test_standing_by_station_is_the_sum_of_everyones_record(services):
    await load_everything(services.sessions, services.today())
    for offset in (0, 200, 400):  # as time passes, standings run out and expire
        today = services.today() + timedelta(days=offset)
        async with services.sessions() as db:
            stations, competences, _ = await figures.standing(db, today, Filters())
            assert dict(stations.rows) == await _by_station_from_records(db, today), offset
            totals = [sum(values[i] for _, values in competences.rows) for i in range(4)]
            assert totals == [sum(v[i] for _, v in stations.rows) for i in range(4)]


async def test_appraisals_and_workplace_assessments_by_team(services):
    await build_station(services)
    async with services.sessions() as db:
        appraisals = await figures.appraisals(db, MONDAY, Filters(), months=12, due_soon_days=30)
    # Sam's is overdue, Priya's due soon, Lee's in date; the three managers have none recorded (tests/nudge_org.py).
    assert appraisals.rows == [(figures.NO_TEAM, [1, 1, 1, 3])]
    await _assessments_match(services)


async def _assessments_match(services):
    async with services.sessions() as db:
        _, _, teams = await figures.standing(db, MONDAY, Filters(), due_soon_days=30)
        expected: Counter = Counter()
        for person in await db.scalars(select(Person)):
            for s in await competence_status(db, person.id, MONDAY):
                if s.risk_critical and s.status in ("expired", "expiring"):
                    expected[(person.team or figures.NO_TEAM, s.status)] += 1
    found = Counter({(team, "expired"): late for team, (late, _) in teams.rows} |
                    {(team, "expiring"): soon for team, (_, soon) in teams.rows})
    assert +found == +expected


def test_overview_benchmark_runs_on_a_small_organisation():
    done = subprocess.run([sys.executable, "-m", "bench.web_bench", "--people", "300"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert re.search(r"SQLite, 300 people: GET /admin/overview median \d+ ms", done.stdout), done.stdout + done.stderr


async def test_learning_places_and_attendance_by_month_add_up_to_each_opportunitys_report(services):
    """The overview's learning figure, counted for every session at once, says what the learning unit's
    own report says opportunity by opportunity (with attendance marked, a station filter and a date range)."""
    await load_everything(services.sessions, services.today())
    at, tz = services.at(), services.tz
    async with unit_of_work(services.sessions) as db:
        refresher = await db.scalar(select(LearningOpportunity).where(LearningOpportunity.title == "Breathing apparatus refresher"))
        await db.execute(update(LearningSession).where(LearningSession.opportunity_id == refresher.id,
                                                        LearningSession.number == 1).values(
            starts_at=at.now - timedelta(hours=8), ends_at=at.now - timedelta(hours=1)))
    async with unit_of_work(services.sessions) as db:
        await apply(db, await record_attendance(db, None, at, opportunity_id=refresher.id, session_number=1, marks={
            "chloe.adams@northvale-fire.example": "attended", "ben.hughes@northvale-fire.example": "no_show"},
            config=config_for(services)), at)

    async def expected(station: str = "") -> dict[str, list[int]]:
        months: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        async with services.sessions() as db:
            for opportunity in await db.scalars(select(LearningOpportunity)):
                found = await report(db, None, at, opportunity_id=opportunity.id, tz=tz)
                for session, row in zip(opportunity.sessions, found.sessions, strict=True):
                    month = months[f"{session.starts_at.astimezone(tz):%B %Y}"]
                    month[0] += row.capacity
                    if station:  # counted again for that station's people only
                        people = {p.id for p in await db.scalars(select(Person).where(Person.station == station))}
                        mine = [b for b in await db.scalars(select(LearningBooking).where(
                            LearningBooking.session_id == session.id)) if b.person_id in people]
                        month[1] += sum(b.status in HOLDS_SEAT for b in mine)
                        month[2] += sum(b.attendance == "attended" for b in mine)
                        month[3] += sum(b.attendance == "no_show" for b in mine)
                    else:
                        month[1:] = [month[1] + row.signed_up, month[2] + row.attended, month[3] + row.no_shows]
        return dict(months)

    async with services.sessions() as db:
        everything = await places_by_month(db, at.today, Filters(), tz=tz)
        assert dict(everything.rows) == await expected()
        assert sum(v[2] for _, v in everything.rows) == 1 and sum(v[3] for _, v in everything.rows) == 1
        assert "% of places taken; 50% of those marked attended." in everything.note
        carrow = await places_by_month(db, at.today, Filters(station="Carrow"), tz=tz)
        assert dict(carrow.rows) == await expected("Carrow")
        later = await places_by_month(db, at.today, Filters(since=at.today + timedelta(days=1)), tz=tz)
        assert sum(v[2] for _, v in later.rows) == 0  # the session that took place is before the range
        coded = await places_by_month(db, at.today, Filters(competence="FFHM7"), tz=tz)
        assert coded.rows == []  # the e-learning linked to FFHM7 has no sessions
        assert (await places_by_month(db, at.today, Filters(competence="FFBA1"), tz=tz)).rows == everything.rows
