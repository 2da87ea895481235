"""Outbox delivery: `python -m bench.outbox_bench [--messages 10000] [--rate 100] [--throttle 0.005] [--pg URL]`.

Queues one message for each of N distinct people (half reached on Slack, half on Teams) in one statement,
then runs the real sender (the one `ldbot serve` runs) against loopback fakes of Slack's Web API and the
Bot Connector that refuse a share of calls with 429 and Retry-After: 1. Prints messages per second against
the configured per-platform limits (goal: at least 95 % of them), and how many messages were lost (goal 0)
or arrived twice (goal 0), on SQLite and, with --pg or LDBOT_TEST_DATABASE_URL, PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime

from sqlalchemy import func, insert, select

from bench.databases import add_pg_option, on_each_database
from bench.fakes import FakeConnector, FakeSlackApi
from bot.app import make_catalogue
from bot.clock import system_clock
from bot.services import Services
from bot.settings import load_settings
from bot.slack.platform import PLATFORM as SLACK
from bot.teams.platform import PLATFORM as TEAMS
from scheduler.outbox import Notice, OutboxSender, enqueue
from storage.db import make_engine, make_sessionmaker, unit_of_work
from storage.models import ConversationRef, OutgoingMessage, Person, PlatformIdentity

TENANT = "bench-tenant"


def teams_reference(n: int, service_url: str) -> dict:
    return {
        "activityId": f"act{n}", "channelId": "msteams", "serviceUrl": service_url + "/",
        "user": {"id": f"29:user{n}", "name": f"Person {n}"}, "bot": {"id": "28:ldbot", "name": "ldbot"},
        "conversation": {"id": f"a:conv{n}", "conversationType": "personal", "tenantId": TENANT},
    }


async def fill(services: Services, count: int, connector_url: str) -> None:
    now = datetime.now(UTC)
    async with unit_of_work(services.sessions) as db:
        await db.execute(insert(Person), [
            {"id": n, "email": f"person{n}@bench.example", "name": f"Person {n}", "role": "firefighter",
             "active": True, "created_at": now}
            for n in range(1, count + 1)
        ])
        half = count // 2
        await db.execute(insert(PlatformIdentity), [
            {"platform": "slack", "platform_user_id": f"U{n:07d}", "person_id": n, "created_at": now}
            for n in range(1, half + 1)
        ])
        await db.execute(insert(ConversationRef), [
            {"platform": "teams", "person_id": n, "reference": teams_reference(n, connector_url), "updated_at": now}
            for n in range(half + 1, count + 1)
        ])
        await enqueue(db, [Notice(n, "core.cancelled", dedupe_key=f"bench:{n}") for n in range(1, count + 1)], now=now)


async def measure(url: str, label: str, *, count: int, rate: float, throttle: float) -> None:
    slack, connector = FakeSlackApi(throttle_share=throttle), FakeConnector(throttle_share=throttle, seed=8)
    await slack.start()
    await connector.start()
    settings = load_settings(
        database_url=url, _env_file=None, slack_bot_token="xoxb-bench", slack_signing_secret="bench",
        slack_api_url=slack.api_url, teams_enabled=True, outbox_slack_per_second=rate, outbox_teams_per_second=rate,
    )
    engine = make_engine(settings.database_url, pool_size=20) if url.startswith("postgresql") else make_engine(url)
    services = Services(settings, engine, make_sessionmaker(engine), make_catalogue(), system_clock)
    try:
        await fill(services, count, connector.url)
        sender = OutboxSender(services, [SLACK.deliverer(services), TEAMS.deliverer(services)], poll_seconds=0.2)
        started = time.perf_counter()
        task = asyncio.ensure_future(sender.run())
        pending = count
        while pending and time.perf_counter() - started < count / rate + 120:
            await asyncio.sleep(0.25)
            async with services.sessions() as db:
                pending = await db.scalar(
                    select(func.count()).select_from(OutgoingMessage).where(OutgoingMessage.status != "delivered")
                )
        elapsed = time.perf_counter() - started
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        received = slack.received + connector.received
        lost = count - len(received)
        duplicated = sum(n - 1 for n in received.values() if n > 1)
        limit = 2 * rate
        achieved = (count - lost) / elapsed
        print(f"{label}: {count} messages to {count} people (Slack and Teams, {rate:g}/s each, limit {limit:g}/s): "
              f"{elapsed:.1f}s, {achieved:.1f} msg/s = {achieved / limit:.1%} of the limit; "
              f"429s answered {slack.throttled + connector.throttled}; lost {lost}, duplicated {duplicated}",
              flush=True)
    finally:
        await engine.dispose()
        await slack.close()
        await connector.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=100.0, help="messages per second allowed per platform")
    parser.add_argument("--throttle", type=float, default=0.005, help="share of calls the fakes answer with 429")
    add_pg_option(parser)
    args = parser.parse_args()
    options = {"count": args.messages, "rate": args.rate, "throttle": args.throttle}
    on_each_database(measure, args.pg, "outbox", **options)


if __name__ == "__main__":
    main()
