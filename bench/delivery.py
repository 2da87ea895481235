"""What the two delivery benchmarks share: people reached half on Slack and half on Teams, the loopback
fakes and settings paced at a rate, and running the real outbox sender until every message is delivered,
counting what arrived, what was lost and what arrived twice."""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bench.databases import add_pg_option, on_each_database
from bench.fakes import FakeConnector, FakeSlackApi
from bot.app import make_catalogue
from bot.services import Services
from bot.settings import load_settings
from bot.slack.platform import PLATFORM as SLACK
from bot.teams.platform import PLATFORM as TEAMS
from scheduler.outbox import OutboxSender
from storage.db import make_engine, make_sessionmaker
from storage.models import ConversationRef, OutgoingMessage, PlatformIdentity

TENANT = "bench-tenant"


def teams_reference(n: int, service_url: str) -> dict:
    return {
        "activityId": f"act{n}", "channelId": "msteams", "serviceUrl": service_url + "/",
        "user": {"id": f"29:user{n}", "name": f"Person {n}"}, "bot": {"id": "28:ldbot", "name": "ldbot"},
        "conversation": {"id": f"a:conv{n}", "conversationType": "personal", "tenantId": TENANT},
    }


async def reach_half_each(db: AsyncSession, count: int, connector_url: str, now: datetime) -> None:
    """People 1..count/2 on Slack, the rest up to `count` on Teams."""
    half = count // 2
    await db.execute(insert(PlatformIdentity), [
        {"platform": "slack", "platform_user_id": f"U{n:07d}", "person_id": n, "created_at": now}
        for n in range(1, half + 1)
    ])
    await db.execute(insert(ConversationRef), [
        {"platform": "teams", "person_id": n, "reference": teams_reference(n, connector_url), "updated_at": now}
        for n in range(half + 1, count + 1)
    ])


@dataclass
class Rig:
    services: Services
    slack: FakeSlackApi
    connector: FakeConnector
    rate: float


@asynccontextmanager
async def rig(url: str, *, rate: float, throttle: float, clock: Callable[[], datetime]) -> AsyncIterator[Rig]:
    """Both fakes started (refusing `throttle` of calls with 429) and services whose sender is paced at
    `rate` messages a second on each platform; all closed afterwards."""
    slack, connector = FakeSlackApi(throttle_share=throttle), FakeConnector(throttle_share=throttle, seed=8)
    await slack.start()
    await connector.start()
    settings = load_settings(
        database_url=url, _env_file=None, slack_bot_token="xoxb-bench", slack_signing_secret="bench",
        slack_api_url=slack.api_url, teams_enabled=True, outbox_slack_per_second=rate, outbox_teams_per_second=rate,
    )
    engine = make_engine(settings.database_url, pool_size=20) if url.startswith("postgresql") else make_engine(url)
    try:
        yield Rig(Services(settings, engine, make_sessionmaker(engine), make_catalogue(), clock), slack, connector, rate)
    finally:
        await engine.dispose()
        await slack.close()
        await connector.close()


@dataclass
class Delivered:
    elapsed: float
    cpu: float
    lost: int
    duplicated: int
    throttled: int
    limit: float
    arrived: int

    @property
    def per_second(self) -> float:
        return self.arrived / self.elapsed

    def summary(self) -> str:
        return (f"{self.per_second:.1f} msg/s = {self.per_second / self.limit:.1%} of the limit; 429s answered "
                f"{self.throttled}; lost {self.lost}, duplicated {self.duplicated}")


async def deliver_all(on: Rig, count: int) -> Delivered:
    """Run the real sender (the one `ldbot serve` runs) until nothing is left undelivered, or give up a
    couple of minutes after the rate says it should have finished."""
    services = on.services
    sender = OutboxSender(services, [SLACK.deliverer(services), TEAMS.deliverer(services)], poll_seconds=0.2)
    started, cpu = time.perf_counter(), time.process_time()
    task = asyncio.ensure_future(sender.run())
    pending = count
    while pending and time.perf_counter() - started < count / on.rate + 120:
        await asyncio.sleep(0.25)
        async with services.sessions() as db:
            pending = await db.scalar(
                select(func.count()).select_from(OutgoingMessage).where(OutgoingMessage.status != "delivered"))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    received = on.slack.received + on.connector.received
    lost = count - len(received)
    return Delivered(
        elapsed=elapsed, cpu=cpu, lost=lost, duplicated=sum(n - 1 for n in received.values() if n > 1),
        throttled=on.slack.throttled + on.connector.throttled, limit=2 * on.rate, arrived=count - lost,
    )


def run_from_command_line(doc: str, measure: Callable[..., Awaitable[None]], name: str, *, count_flag: str,
                          count_option: str) -> None:
    """The options both benchmarks take (how many, the rate, the share of 429s, --pg), then `measure` on
    each database, with the count passed as `count_option`."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(f"--{count_flag}", type=int, default=10_000, dest="count")
    parser.add_argument("--rate", type=float, default=100.0, help="messages per second allowed per platform")
    parser.add_argument("--throttle", type=float, default=0.005, help="share of calls the fakes answer with 429")
    add_pg_option(parser)
    args = parser.parse_args()
    on_each_database(measure, args.pg, name, **{count_option: args.count, "rate": args.rate, "throttle": args.throttle})
