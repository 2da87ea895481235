"""Benchmark of subject access, erasure and retention on a generated service:
`python -m bench.privacy_bench [--people 50000] [--leavers 200] [--pg URL]`.

Builds the nudge benchmark's organisation (a tree of line managers, ten competences each with verified
evidence, appraisals, snoozes, bookings) and adds what a service that has run for a few years holds about
people: two reflections each, three delivered messages each naming them (digests name their reports), a linked
chat account each, and an audit entry per piece of evidence. Then it times, on SQLite and (with --pg or
LDBOT_TEST_DATABASE_URL) on a fresh PostgreSQL database:
- `export`: everything held about one line manager (the JSON `ldbot privacy export` writes);
- `erase`: erasing that manager while still here, in one transaction (their reports handed up the line,
  every declared table searched for their name);
- `retention`: the daily job with `--leavers` people whose six years have run out (each erased in its own
  transaction) and as many again whose reflection year has, and the dry run that lists them.
No targets: the figures are printed so a change that slows them shows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from datetime import time as dt_time
from pathlib import Path

from dateutil.relativedelta import relativedelta
from sqlalchemy.engine import make_url

from bench.nudges_bench import DAY, fill_postgres, fill_sqlite
from bot.clock import SettableClock
from bot.services import Services
from bot.settings import Settings
from bot.usecase import apply
from handlers.learning.config import config_for
from handlers.privacy.retention import run_retention
from handlers.privacy.rules import RetentionRules
from handlers.privacy.usecases import erase_person, export_person
from storage.db import scratch_postgres, unit_of_work
from storage.migrate import upgrade
from storage.models import Person

MANAGER = 12  # reports to person 1, manages people 120-129
CREATED = "2026-01-01 00:00:00"


def reflection_rows(count: int) -> Iterator[tuple]:
    for pid in range(1, count + 1):
        for n in range(2):
            yield (pid, f"Drill {n} with Person {max(1, pid // 10)} watching; learnt a lot.", "", "", False, False,
                   CREATED, CREATED)


def message_rows(count: int) -> Iterator[tuple]:
    for pid in range(1, count + 1):
        reports = [f"Person {r}" for r in range(pid * 10, min(pid * 10 + 10, count + 1))]
        for week in range(3):
            context = json.dumps({"name": f"Person {pid}", "items": [{"person": r} for r in reports[:3]]})
            yield (pid, "nudges.digest", context, '{"buttons": []}', "nudge_digest", f"nudge:digest:{pid}:{week}",
                   "delivered", "slack", 1, CREATED, CREATED, CREATED)


def audit_rows(count: int) -> Iterator[tuple]:
    for evidence_id in range(1, count * 10 + 1):
        pid = (evidence_id - 1) // 10 + 1
        yield (CREATED, max(1, pid // 10), "evidence", evidence_id, "decided", '{"decision": "competent"}')


def leaver_updates(count: int, leavers: int) -> list[tuple[str, int]]:
    """(left_on, person id): `leavers` past six years, as many again past one; none of them a manager."""
    rng = random.Random(15)
    chosen = rng.sample(range(count // 10 + 1, count + 1), min(2 * leavers, count - count // 10))
    long_ago, a_while = DAY - relativedelta(years=7), DAY - relativedelta(years=2)
    return [((long_ago if i < leavers else a_while).isoformat(), pid) for i, pid in enumerate(chosen)]


MESSAGE_COLUMNS = ("recipient_id, template, context, elements, kind, dedupe_key, status, platform, attempts, "
                   "next_attempt_at, created_at, delivered_at")
REFLECTION_COLUMNS = "person_id, what_happened, so_what, now_what, shared_with_manager, deleted, created_at, updated_at"


def add_sqlite(path: Path, count: int, leavers: int) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(f"INSERT INTO reflections ({REFLECTION_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)", reflection_rows(count))
        conn.executemany(f"INSERT INTO outgoing_messages ({MESSAGE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                         message_rows(count))
        conn.executemany("INSERT INTO audit_events (at, actor_id, entity, entity_id, action, detail) VALUES (?,?,?,?,?,?)",
                         audit_rows(count))
        conn.executemany("INSERT INTO platform_identities (platform, platform_user_id, person_id, created_at) "
                         "VALUES ('slack', ?, ?, ?)", ((f"U{pid:08d}", pid, CREATED) for pid in range(1, count + 1)))
        conn.executemany("UPDATE people SET active = 0, left_on = ? WHERE id = ?", leaver_updates(count, leavers))
    conn.execute("ANALYZE")
    conn.close()


def add_postgres(url: str, count: int, leavers: int) -> None:
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        for table, columns, rows in (
            ("reflections", REFLECTION_COLUMNS, reflection_rows(count)),
            ("outgoing_messages", MESSAGE_COLUMNS, message_rows(count)),
            ("audit_events", "at, actor_id, entity, entity_id, action, detail", audit_rows(count)),
            ("platform_identities", "platform, platform_user_id, person_id, created_at",
             (("slack", f"U{pid:08d}", pid, CREATED) for pid in range(1, count + 1))),
        ):
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cur.executemany("UPDATE people SET active = false, left_on = %s WHERE id = %s", leaver_updates(count, leavers))
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")


async def timed(url: str) -> dict[str, float]:
    clock = SettableClock(datetime.combine(DAY, dt_time(10, 0), tzinfo=UTC))
    services = Services.create(Settings(database_url=url, _env_file=None), clock=clock)
    rules = RetentionRules.load(_env_file=None)
    figures: dict[str, float] = {}
    try:
        at = services.at()
        async with unit_of_work(services.sessions) as db:
            manager = await db.get(Person, MANAGER)
            started = time.perf_counter()
            exported = await export_person(db, None, at, person=manager, via="bench")
            json.dumps(exported.document)
            figures["export"] = time.perf_counter() - started
            figures["export_rows"] = sum(len(s.rows) for s in exported.sections)
        started = time.perf_counter()
        async with unit_of_work(services.sessions) as db:
            manager = await db.get(Person, MANAGER)
            erased = await apply(db, await erase_person(db, None, at, person=manager, reason="bench", via="bench",
                                                     learning=config_for(services)), at)
        figures["erase"] = time.perf_counter() - started
        figures["erase_rows"] = sum(erased.outcome.removed.values()) + sum(erased.outcome.anonymised.values())
        started = time.perf_counter()
        dry = await run_retention(services, rules=rules, apply_now=False)
        figures["dry_run"] = time.perf_counter() - started
        figures["due"] = sum(len(step.people) for step in dry.steps)
        started = time.perf_counter()
        await run_retention(services, rules=rules, apply_now=True)
        figures["retention"] = time.perf_counter() - started
    finally:
        await services.close()
    return figures


def report(name: str, fill: float, f: dict[str, float], leavers: int) -> None:
    print(f"{name}: generated in {fill:.1f}s; export {f['export'] * 1000:.0f} ms ({f['export_rows']:.0f} rows); "
          f"erase a manager {f['erase']:.2f}s ({f['erase_rows']:.0f} rows removed or kept without them); "
          f"retention dry run {f['dry_run']:.2f}s ({f['due']:.0f} leavers due); retention run {f['retention']:.1f}s "
          f"({leavers} erased, {leavers} lose their reflections; {f['retention'] / max(1, 2 * leavers) * 1000:.0f} ms "
          "a leaver)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--leavers", type=int, default=200)
    parser.add_argument("--pg", default=os.environ.get("LDBOT_TEST_DATABASE_URL"),
                        help="PostgreSQL server URL; a fresh database is created on it and dropped after")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        started = time.perf_counter()
        upgrade(url)
        fill_sqlite(path, args.people)
        add_sqlite(path, args.people, args.leavers)
        report(f"SQLite, {args.people} people", time.perf_counter() - started, asyncio.run(timed(url)), args.leavers)
    if args.pg:
        with scratch_postgres(args.pg, "ldbot_bench") as url:
            started = time.perf_counter()
            upgrade(url)
            fill_postgres(url, args.people)
            add_postgres(url, args.people, args.leavers)
            report(f"PostgreSQL, {args.people} people", time.perf_counter() - started, asyncio.run(timed(url)),
                   args.leavers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
