"""Outbox delivery: `python -m bench.outbox_bench [--messages 10000] [--rate 100] [--throttle 0.005] [--pg URL]`.

Queues one message for each of N distinct people (half reached on Slack, half on Teams) in one statement,
then runs the real sender (the one `ldbot serve` runs) against loopback fakes of Slack's Web API and the
Bot Connector that refuse a share of calls with 429 and Retry-After: 1. Prints messages per second against
the configured per-platform limits (goal: at least 95 % of them), and how many messages were lost (goal 0)
or arrived twice (goal 0), on SQLite and, with --pg or LDBOT_TEST_DATABASE_URL, PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from bench.delivery import Rig, deliver_all, reach_half_each, rig, run_from_command_line
from bot.clock import system_clock
from scheduler.outbox import Notice, enqueue
from storage.db import unit_of_work
from storage.models import Person


async def fill(on: Rig, count: int) -> None:
    now = datetime.now(UTC)
    async with unit_of_work(on.services.sessions) as db:
        await db.execute(insert(Person), [
            {"id": n, "email": f"person{n}@bench.example", "name": f"Person {n}", "role": "firefighter",
             "active": True, "created_at": now}
            for n in range(1, count + 1)
        ])
        await reach_half_each(db, count, on.connector.url, now)
        await enqueue(db, [Notice(n, "core.cancelled", dedupe_key=f"bench:{n}") for n in range(1, count + 1)], now=now)


async def measure(url: str, label: str, *, count: int, rate: float, throttle: float) -> None:
    async with rig(url, rate=rate, throttle=throttle, clock=system_clock) as on:
        await fill(on, count)
        done = await deliver_all(on, count)
        print(f"{label}: {count} messages to {count} people (Slack and Teams, {rate:g}/s each, limit {done.limit:g}/s): "
              f"{done.elapsed:.1f}s, {done.summary()}", flush=True)


def main() -> None:
    run_from_command_line(__doc__, measure, "outbox", count_flag="messages", count_option="count")


if __name__ == "__main__":
    main()
