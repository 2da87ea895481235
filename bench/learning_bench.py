"""A learning broadcast to 10,000 people: `python -m bench.learning_bench [--people 10000] [--rate 100]
[--throttle 0.005] [--pg URL]`.

Builds an organisation where the audience (one station, whoever's competence is not in date) holds
`--people` people, half reached on Slack and half on Teams, and a further fifth who are in date (so the
query has people to leave out). Times the audience query (the preview L&D see) and the send (invitations
and their outbox rows, one statement each), then runs the real outbox sender against the loopback fakes of
Slack's Web API and the Bot Connector (bench/fakes.py, as bench/outbox_bench.py does), which answer a share
of calls with 429 and Retry-After. Prints messages per second against the configured platform limits (goal:
at least 95 %), and how many were lost (goal 0) or arrived twice (goal 0), on SQLite and, with --pg or
LDBOT_TEST_DATABASE_URL, PostgreSQL.

The clock runs at real speed from a Tuesday at 10:00 UK time, so everyone is at work and is messaged now.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from bench.delivery import Rig, deliver_all, reach_half_each, rig, run_from_command_line
from bot.usecase import run_use_case
from handlers.learning import broadcasts, opportunities
from handlers.learning.config import config_for
from handlers.learning.spec import parse_spec
from storage.db import unit_of_work
from storage.models import Competence, CompetenceStanding, Evidence, Person

START = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)  # a Tuesday, 10:00 in London


def clock_from(start: datetime):  # noqa: ANN201 - a Clock
    offset = start - datetime.now(UTC)
    return lambda: datetime.now(UTC) + offset


async def fill(on: Rig, audience: int) -> None:
    """`audience` people who need the competence (a third never evidenced, a third expired, a third running
    out), half on Slack and half on Teams, and a fifth as many again who are in date."""
    now = on.services.now()
    in_date = audience // 5
    total = audience + in_date
    async with unit_of_work(on.services.sessions) as db:
        competence = Competence(code="BNC1", title="Bench competence", risk_critical=True, revalidation_months=12)
        db.add(competence)
        await db.flush()
        await db.execute(insert(Person), [
            {"id": n, "email": f"person{n}@bench.example", "name": f"Person {n:05d}", "role": "firefighter",
             "team": f"Watch {n % 4}", "station": "Bench", "active": True, "created_at": now}
            for n in range(1, total + 1)
        ])
        await reach_half_each(db, audience, on.connector.url, now)
        # Evidence behind each standing: expired (a third), running out within 30 days (a third), or in date.
        today = now.date()
        rows = []
        for n in range(1, total + 1):
            if n <= audience // 3:
                continue  # never evidenced
            until = today - timedelta(days=20) if n <= 2 * audience // 3 else (
                today + timedelta(days=10) if n <= audience else today + timedelta(days=200))
            rows.append((n, until))
        ids = list(await db.scalars(insert(Evidence).returning(Evidence.id), [
            {"person_id": n, "kind": "observed", "activity_date": until - timedelta(days=365), "description": "bench",
             "links": [], "status": "competent", "valid_until": until, "source": "bench", "created_at": now,
             "updated_at": now}
            for n, until in rows
        ]))
        await db.execute(insert(CompetenceStanding), [
            {"person_id": n, "competence_id": competence.id, "evidence_id": evidence_id,
             "activity_date": until - timedelta(days=365), "valid_until": until}
            for (n, until), evidence_id in zip(rows, ids, strict=True)
        ])


async def measure(url: str, label: str, *, people: int, rate: float, throttle: float) -> None:
    async with rig(url, rate=rate, throttle=throttle, clock=clock_from(START)) as on:
        services = on.services
        await fill(on, people)
        config = config_for(services)
        spec = parse_spec({
            "title": "Bench refresher", "competences": ["BNC1"],
            "sessions": [{"start": "2026-12-15 09:00", "end": "17:00", "venue": "Bench", "capacity": 30}],
            "audience": {"all": [{"station": "Bench"}, {"competence": "BNC1"}]},
        }, tz=services.tz, now=services.now())
        opportunity = (await run_use_case(services, opportunities.create_opportunity, None, spec=spec)).opportunity.id

        started = time.perf_counter()
        preview = await run_use_case(services, broadcasts.preview, None, opportunity_id=opportunity, config=config)
        query = time.perf_counter() - started
        assert len(preview.members) == people, (len(preview.members), people)
        started = time.perf_counter()
        sent = await run_use_case(services, broadcasts.send, None, opportunity_id=opportunity, config=config)
        queue = time.perf_counter() - started
        assert sent.invited == people

        done = await deliver_all(on, people)
        print(f"{label}: audience of {people} from {people + people // 5} people: query {query * 1000:.0f} ms; "
              f"invitations and outbox rows written in {queue:.2f}s; delivered in {done.elapsed:.1f}s at "
              f"{done.summary()} (Slack and Teams, {rate:g}/s each; this process, fakes included, used "
              f"{done.cpu / done.elapsed:.0%} of a core)", flush=True)


def main() -> None:
    run_from_command_line(__doc__, measure, "learning", count_flag="people", count_option="people")


if __name__ == "__main__":
    main()
