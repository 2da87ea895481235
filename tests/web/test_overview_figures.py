"""The overview's figures agree with what each person's own record says, and the benchmark still runs."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from handlers.people.sample import load_everything
from handlers.reports import figures
from handlers.reports.figures import Filters
from storage.models import Person
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
