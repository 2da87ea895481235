"""Benchmark of the nudge scan on a generated organisation: `python -m bench.nudges_bench [--people 50000] [--pg URL]`.

Generates people in a tree of line managers (about ten reports each), a yearly appraisal record for
everyone, and ten competences each with one verified assessment (five risk-critical on a 12-month cycle,
five on a 36-month cycle), plus a sprinkling of evidence awaiting verification, snoozes and bookings.
Dates are spread so that roughly one item in six is overdue or due soon, as in a real service.

Then it times the scan (the plan for a Monday: digests, escalations, expiry reminders, hand-overs) on
SQLite and, when --pg is given, on a fresh PostgreSQL database created on that server (dropped after).
Peak memory is the scan's own Python allocations (tracemalloc, measured on a separate run so it does
not slow the timed one) and the peak resident size of the process that scans (a fresh one, so the
generator's memory is not counted). Target: under 2 s and under 300 MB.

Last it times a whole first run on that database (`ldbot nudges run` minus delivery): the scan, then
every nudge claimed and written to the outbox — the heaviest write a new deployment makes. No target;
printed so a change that slows it shows.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import resource
import sqlite3
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.clock import SettableClock
from bot.services import Services
from bot.settings import Settings
from handlers.nudges.job import run_nudges
from handlers.nudges.rules import load_rules
from handlers.nudges.scan import add_months, build_plan
from storage.db import make_engine, make_sessionmaker, scratch_postgres
from storage.migrate import upgrade
from storage.standing import REBUILD_SQL

DAY = date(2026, 11, 16)  # a Monday
COMPETENCES = [(f"C{n:02d}", f"Competence {n}", n <= 5, 12 if n <= 5 else 36) for n in range(1, 11)]


def people_rows(count: int) -> Iterator[tuple]:
    for pid in range(1, count + 1):
        manager = None if pid == 1 else max(1, pid // 10)
        yield (pid, f"person{pid}@bench.example", f"Person {pid}", "firefighter", manager, True, "2026-01-01 00:00:00")


def appraisal_rows(count: int, rng: random.Random) -> Iterator[tuple]:
    for pid in range(1, count + 1):
        last = DAY - timedelta(days=rng.randint(0, 420))
        yield (pid, pid, last.isoformat(), "import", "2026-01-01 00:00:00")


def evidence_rows(count: int, rng: random.Random) -> Iterator[tuple[tuple, tuple]]:
    """(evidence row, link row) pairs: one verified assessment per person and competence."""
    evidence_id = 0
    for pid in range(1, count + 1):
        for cid, (_, _, _, months) in enumerate(COMPETENCES, start=1):
            evidence_id += 1
            activity = DAY - timedelta(days=rng.randint(0, months * 30 + 40))
            submitted = rng.random() < 0.01
            status = "submitted" if submitted else "competent"
            valid = None if submitted else add_months(activity, months).isoformat()
            yield (
                (evidence_id, pid, "workplace_assessment", activity.isoformat(), "Generated", "[]", status, valid,
                 "bench", "2026-01-01 00:00:00", "2026-01-01 00:00:00"),
                (evidence_id, cid),
            )


EVIDENCE_COLUMNS = ("id, person_id, kind, activity_date, description, links, status, valid_until, source, "
                    "created_at, updated_at")


def fill_sqlite(path: Path, count: int) -> None:
    rng = random.Random(6)
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO competences (id, code, title, description, risk_critical, revalidation_months, active) "
            "VALUES (?, ?, ?, '', ?, ?, 1)",
            [(i, c, t, rc, m) for i, (c, t, rc, m) in enumerate(COMPETENCES, start=1)],
        )
        conn.executemany(
            "INSERT INTO people (id, email, name, role, line_manager_id, active, created_at) VALUES (?,?,?,?,?,?,?)",
            people_rows(count),
        )
        conn.executemany(
            "INSERT INTO appraisal_records (id, person_id, last_appraisal_date, source, updated_at) VALUES (?,?,?,?,?)",
            appraisal_rows(count, rng),
        )
        links: list[tuple] = []

        def evidence() -> Iterator[tuple]:
            for row, link in evidence_rows(count, rng):
                links.append(link)
                yield row

        conn.executemany(f"INSERT INTO evidence ({EVIDENCE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)", evidence())
        conn.executemany("INSERT INTO evidence_competences (evidence_id, competence_id) VALUES (?, ?)", links)
        extras(conn.executemany, count, rng, "?")
        conn.execute(REBUILD_SQL)  # the standing a running service keeps as evidence is decided
    conn.execute("ANALYZE")
    conn.close()


def extras(executemany, count: int, rng: random.Random, mark: str) -> None:  # noqa: ANN001
    """Snoozes, bookings and ownership rows, as a service that has been running for a while has."""
    p = ", ".join([mark] * 4)
    executemany(
        f"INSERT INTO nudge_snoozes (person_id, item, until, created_at) VALUES ({p})",
        [(pid, "appraisal", (DAY + timedelta(days=3)).isoformat(), "2026-11-10 00:00:00")
         for pid in rng.sample(range(1, count + 1), count // 100)],
    )
    executemany(
        f"INSERT INTO assessment_bookings (person_id, competence_id, booked_for, created_at) VALUES ({p})",
        [(pid, rng.randint(1, 10), (DAY + timedelta(days=10)).isoformat(), "2026-11-10 00:00:00")
         for pid in rng.sample(range(1, count + 1), count // 100)],
    )
    owners = [(pid, None if pid == 1 else max(1, pid // 10), "2026-01-01") for pid in range(1, count + 1)]
    # A few hundred people have a new line manager since the last scan.
    for index in rng.sample(range(1, count), count // 200):
        owners[index] = (owners[index][0], None, "2026-01-01")
    p3 = ", ".join([mark] * 3)
    executemany(f"INSERT INTO item_owners (person_id, manager_id, since) VALUES ({p3})", owners)


def fill_postgres(url: str, count: int) -> None:
    import psycopg

    rng = random.Random(6)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO competences (id, code, title, description, risk_critical, revalidation_months, active) "
            "VALUES (%s, %s, %s, '', %s, %s, true)",
            [(i, c, t, rc, m) for i, (c, t, rc, m) in enumerate(COMPETENCES, start=1)],
        )
        with cur.copy("COPY people (id, email, name, role, line_manager_id, active, created_at) FROM STDIN") as copy:
            for row in people_rows(count):
                copy.write_row(row)
        with cur.copy("COPY appraisal_records (id, person_id, last_appraisal_date, source, updated_at) FROM STDIN") as copy:
            for row in appraisal_rows(count, rng):
                copy.write_row(row)
        links: list[tuple] = []
        with cur.copy(f"COPY evidence ({EVIDENCE_COLUMNS}) FROM STDIN") as copy:
            for row, link in evidence_rows(count, rng):
                links.append(link)
                copy.write_row(row)
        with cur.copy("COPY evidence_competences (evidence_id, competence_id) FROM STDIN") as copy:
            for link in links:
                copy.write_row(link)
        extras(cur.executemany, count, rng, "%s")
        cur.execute(REBUILD_SQL)  # the standing a running service keeps as evidence is decided
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")  # what autovacuum does for a database that has been running a while


def scan_in_a_fresh_process(url: str) -> tuple[float, float, float, int, dict[str, int], float]:
    """time_scan's figures from a process that does nothing but scan."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_scan, url).result()


def _scan(url: str) -> tuple[float, float, float, int, dict[str, int], float]:
    return asyncio.run(time_scan(url))


async def time_scan(url: str) -> tuple[float, float, float, int, dict[str, int], float]:
    """(seconds for the scan, this process's CPU seconds, peak MB of its allocations, items, nudges by kind,
    the process's peak RSS in MB after two scans; read before tracemalloc, whose own records are large)."""
    rules = load_rules(_env_file=None)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as db:  # warm the connection and the page cache, as a running service has
            await build_plan(db, DAY, rules)
        async with sessions() as db:
            started, cpu = time.perf_counter(), time.process_time()
            plan = await build_plan(db, DAY, rules)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        tracemalloc.start()
        async with sessions() as db:
            await build_plan(db, DAY, rules)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    finally:
        await engine.dispose()
    kinds: dict[str, int] = {}
    for nudge in plan.nudges:
        kinds[nudge.kind] = kinds.get(nudge.kind, 0) + 1
    return seconds, cpu, peak, sum(len(n.items) for n in plan.nudges), kinds, rss


async def time_first_run(url: str) -> tuple[float, int]:
    """(seconds, nudges queued) for one run on the database as generated: nothing decided before."""
    clock = SettableClock(datetime.combine(DAY, dt_time(10, 0), tzinfo=UTC))  # Monday 10:00 in London
    services = Services.create(Settings(database_url=url, _env_file=None), clock=clock)
    try:
        started = time.perf_counter()
        result = await run_nudges(services, rules=load_rules(_env_file=None))
        return time.perf_counter() - started, sum(result.queued.values())
    finally:
        await services.close()


def report_first_run(name: str, result: tuple[float, int]) -> None:
    seconds, queued = result
    print(f"{name}: first run (scan, claim and queue) {seconds:.1f}s for {queued} nudges")


def report(name: str, fill_seconds: float, result: tuple[float, float, float, int, dict[str, int], float]) -> bool:
    seconds, cpu, peak, items, kinds, rss = result
    ok = seconds < 2.0 and peak < 300 and rss < 300
    print(f"{name}: generated in {fill_seconds:.1f}s; scan {seconds:.2f}s (CPU here {cpu:.2f}s), peak {peak:.0f} MB "
          f"(scanning process peak RSS {rss:.0f} MB); {sum(kinds.values())} nudges {kinds}, {items} items listed "
          f"— {'within' if ok else 'OVER'} target (< 2 s, < 300 MB)")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--pg", default=os.environ.get("LDBOT_TEST_DATABASE_URL"),
                        help="PostgreSQL server URL; a fresh database is created on it and dropped after")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        started = time.perf_counter()
        upgrade(url)
        fill_sqlite(path, args.people)
        ok &= report(f"SQLite, {args.people} people", time.perf_counter() - started, scan_in_a_fresh_process(url))
        report_first_run("SQLite", asyncio.run(time_first_run(url)))
    if args.pg:
        with scratch_postgres(args.pg, "ldbot_bench") as url:
            started = time.perf_counter()
            upgrade(url)
            fill_postgres(url, args.people)
            ok &= report(f"PostgreSQL, {args.people} people", time.perf_counter() - started,
                         scan_in_a_fresh_process(url))
            report_first_run("PostgreSQL", asyncio.run(time_first_run(url)))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
