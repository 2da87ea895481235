"""Benchmark of the web console's overview page on the 50,000-person benchmark organisation:
`python -m bench.web_bench [--people 50000] [--pg URL]`.

The organisation is bench/nudges_bench.py's (people in a tree of line managers, ten competences each with
a verified assessment, appraisal records, some evidence waiting), given stations and teams (50 stations of
four watches), an admin, and 300 learning opportunities of two sessions each spread over 14 months
(about 11,000 bookings, attendance marked on those past). Then a signed-in GET /admin/overview through the real aiohttp application,
in this process, is timed: the figures' queries, the template and the response. Target: under 300 ms of
server time on SQLite and PostgreSQL. Printed: the median and slowest of 10 requests after 2 to warm up.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.databases import add_pg_option
from bench.nudges_bench import DAY, fill_postgres, fill_sqlite
from bench.web_console import signed_in
from bot.app import make_catalogue
from bot.clock import SettableClock
from bot.services import Services
from bot.settings import Settings
from storage.db import scratch_postgres
from storage.migrate import upgrade
from storage.models import Person

STATIONS = "UPDATE people SET station = 'Station ' || (id % 50), team = 'Station ' || (id % 50) || ' ' || " \
           "(CASE id % 4 WHEN 0 THEN 'Red' WHEN 1 THEN 'Blue' WHEN 2 THEN 'Green' ELSE 'White' END) || ' Watch'"
ADMIN = "INSERT INTO people (id, email, name, role, active, created_at) VALUES " \
        "(999999, 'admin@bench.example', 'Bench Admin', 'admin', {true}, '2026-01-01 00:00:00')"


OPPORTUNITIES, BOOKED = 300, 18
CREATED = "2026-01-01 00:00:00"
LEARNING = (
    "INSERT INTO learning_opportunities (id, title, kind, description, provider, approval, status, created_at, "
    "updated_at) VALUES ({0}, {0}, 'course', '', '', 'none', 'open', {0}, {0})",
    "INSERT INTO learning_sessions (id, opportunity_id, number, starts_at, ends_at, venue, capacity, status, "
    "next_seq, created_at, updated_at) VALUES ({0}, {0}, {0}, {0}, {0}, {0}, {0}, 'open', {0}, {0}, {0})",
    "INSERT INTO learning_bookings (id, opportunity_id, session_id, person_id, status, seq, attendance, "
    "evidence_ids, created_at, updated_at) VALUES ({0}, {0}, {0}, {0}, {0}, {0}, {0}, '[]', {0}, {0})",
)


def learning_rows(people: int) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Opportunities, their sessions (months before and after the benchmark's day) and bookings."""
    opportunities, sessions, bookings = [], [], []
    for o in range(1, OPPORTUNITIES + 1):
        opportunities.append((o, f"Course {o}", CREATED, CREATED))
        for number in (1, 2):
            sid = o * 2 + number - 2
            starts = datetime.combine(DAY + timedelta(days=(o * 3 + number * 14) % 420 - 300), dt_time(9, 0))
            sessions.append((sid, o, number, f"{starts:%Y-%m-%d %H:%M:%S}", f"{starts + timedelta(hours=7):%Y-%m-%d %H:%M:%S}",
                             "Training centre", 20, BOOKED + 1, CREATED, CREATED))
            for k in range(BOOKED):
                person = ((o * 97 + number * BOOKED + k) * 7919) % people + 1
                past = starts.date() < DAY
                status = "confirmed" if past or k < 15 else "waitlisted"
                attendance = ("no_show" if k % 5 == 0 else "attended") if past else None
                bookings.append((len(bookings) + 1, o, sid, person, status, k + 1, attendance, CREATED, CREATED))
    return opportunities, sessions, bookings


def place_people_sqlite(path: Path, people: int) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(STATIONS)
        conn.execute(ADMIN.format(true=1))
        for statement, rows in zip(LEARNING, learning_rows(people), strict=True):
            conn.executemany(statement.replace("{0}", "?"), rows)
    conn.execute("ANALYZE")
    conn.close()


def place_people_postgres(url: str, people: int) -> None:
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(STATIONS)
        conn.execute(ADMIN.format(true="true"))
        with conn.cursor() as cur:
            for statement, rows in zip(LEARNING, learning_rows(people), strict=True):
                cur.executemany(statement.replace("{0}", "%s"), rows)
        conn.execute("VACUUM ANALYZE")


async def time_overview(url: str) -> list[float]:
    clock = SettableClock(datetime.combine(DAY, dt_time(10, 0), tzinfo=UTC))
    services = Services.create(Settings(database_url=url, _env_file=None), catalogue=make_catalogue(), clock=clock)
    try:
        async with signed_in(services, Person.email == "admin@bench.example") as client:
            times = []
            for _ in range(12):
                started = time.perf_counter()
                response = await client.get("/admin/overview")
                body = await response.text()
                times.append(time.perf_counter() - started)
                assert response.status == 200 and "Competence standing by station" in body, response.status
                assert "% of places taken" in body  # the learning figure has its sessions
            return times[2:]
    finally:
        await services.close()


def report(name: str, times: list[float]) -> bool:
    median, worst = statistics.median(times) * 1000, max(times) * 1000
    ok = median < 300
    print(f"{name}: GET /admin/overview median {median:.0f} ms, slowest {worst:.0f} ms over {len(times)} requests "
          f"— {'within' if ok else 'OVER'} target (< 300 ms)")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    add_pg_option(parser)  # a fresh database is created on that server and dropped after
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url)
        fill_sqlite(path, args.people)
        place_people_sqlite(path, args.people)
        ok &= report(f"SQLite, {args.people} people", asyncio.run(time_overview(url)))
    if args.pg:
        with scratch_postgres(args.pg, "ldbot_bench") as url:
            upgrade(url)
            fill_postgres(url, args.people)
            place_people_postgres(url, args.people)
            ok &= report(f"PostgreSQL, {args.people} people", asyncio.run(time_overview(url)))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
