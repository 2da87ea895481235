"""Parked messages at scale: `python -m bench.parked_bench [--messages 200000] [--parked 20000] [--pg URL]`.

Fills the outbox with N messages to 10,000 people, most delivered and `--parked` of them parked with a
spread of errors (Slack and Teams faults, nobody reachable, held replies), and five admins. Then times,
through the real code: the daily report job (`delivery.parked_report`: the grouped summary and a notice per
admin; targets under 200 ms), a signed-in GET /admin/outbox (counts, summary, the first page; under 300
ms), and "Try all again" (one UPDATE for every parked message, and its audit entry; under 2 s per 20,000),
on SQLite and, with --pg or LDBOT_TEST_DATABASE_URL, PostgreSQL. Printed: the median of 5 runs of each read
after one to warm up, and the one retry.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, text

from bench.databases import add_pg_option, on_each_database
from bench.web_console import signed_in
from bot.app import make_catalogue
from bot.clock import SettableClock
from bot.services import Services
from bot.settings import Settings
from handlers.delivery import jobs
from handlers.delivery.usecases import retry_parked
from storage.db import unit_of_work
from storage.models import OutgoingMessage, Person

NOW = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)  # a Tuesday morning: the admins are at work
PEOPLE, ADMINS = 10_000, 5
ERRORS = (
    ("slack: slack: internal_error", None), ("slack: network: ConnectError", None),
    ("teams: Teams connector status 503", None), ("teams: Teams connector status 502", None),
    ("slack: unreachable (no Slack account linked); teams: unreachable (no Teams conversation with this person yet)",
     None),
    ("slack: slack: fatal_error", "slack"),
)
BATCH = 20_000


async def fill(services: Services, count: int, parked: int) -> None:
    async with unit_of_work(services.sessions) as db:
        await db.execute(insert(Person), [
            {"id": n, "email": f"person{n}@bench.example", "name": f"Person {n}",
             "role": "admin" if n <= ADMINS else "firefighter", "active": True, "created_at": NOW}
            for n in range(1, PEOPLE + 1)
        ])
    for start in range(0, count, BATCH):
        rows = []
        for n in range(start, min(start + BATCH, count)):
            stuck = n % (count // parked) == 0 if parked else False
            error, platform = ERRORS[n % len(ERRORS)]
            created = NOW - timedelta(days=30) + timedelta(seconds=n * 10)
            rows.append({
                "recipient_id": ADMINS + 1 + n % (PEOPLE - ADMINS), "template": "core.cancelled", "context": {},
                "elements": {}, "kind": "notice", "status": "parked" if stuck else "delivered",
                "platform": platform if stuck else "slack", "attempts": 15 if stuck else 1, "deferrals": 0,
                "last_error": error if stuck else None, "created_at": created, "next_attempt_at": created,
                "delivered_at": None if stuck else created,
            })
        async with unit_of_work(services.sessions) as db:
            await db.execute(insert(OutgoingMessage), rows)
    async with services.engine.connect() as conn:
        if services.engine.dialect.name == "postgresql":
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE outgoing_messages"))
        else:
            await conn.execute(text("ANALYZE"))


def median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


async def measure(url: str, label: str, *, count: int, parked: int) -> bool:
    clock = SettableClock(NOW)
    services = Services.create(Settings(database_url=url, _env_file=None), catalogue=make_catalogue(), clock=clock)
    try:
        await fill(services, count, parked)
        async with services.sessions() as db:
            really = await db.scalar(select(func.count()).where(OutgoingMessage.status == "parked"))
        report_times = []
        for run in range(6):
            clock.at = NOW + timedelta(days=7 * run)  # a new Tuesday each time: a report is written every run
            started = time.perf_counter()
            done = await jobs.parked_report(services)
            report_times.append(time.perf_counter() - started)
            assert done.admins == ADMINS and done.summary.count == really, done
        clock.at = NOW

        async with signed_in(services, Person.id == 1) as client:
            page_times = []
            for _ in range(6):
                started = time.perf_counter()
                response = await client.get("/admin/outbox")
                body = await response.text()
                page_times.append(time.perf_counter() - started)
                assert response.status == 200 and f"Try all {really} again" in body, response.status

        started = time.perf_counter()
        async with unit_of_work(services.sessions) as db:
            retried = await retry_parked(db, None, services.at(), every=True)
        retry_seconds = time.perf_counter() - started
        assert len(retried.changed) == really

        report, page = median_ms(report_times[1:]), median_ms(page_times[1:])
        retry_target = 2.0 * max(really, 1) / 20_000
        ok = report < 200 and page < 300 and retry_seconds < max(retry_target, 0.5)
        print(f"{label}: {count} messages, {really} parked: daily report (summary + {ADMINS} notices) median "
              f"{report:.0f} ms; GET /admin/outbox median {page:.0f} ms; try all {really} again "
              f"{retry_seconds * 1000:.0f} ms — {'within' if ok else 'OVER'} targets (< 200 ms, < 300 ms, "
              f"< {max(retry_target, 0.5):.1f} s)", flush=True)
        return ok
    finally:
        await services.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--parked", type=int, default=20_000)
    add_pg_option(parser)
    args = parser.parse_args()
    options = {"count": args.messages, "parked": min(args.parked, args.messages)}
    ok = all(on_each_database(measure, args.pg, "parked", **options))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
