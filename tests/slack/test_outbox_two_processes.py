"""Two real `ldbot serve` processes deliver one outbox to a slow Slack (issue 16 item 2): 200 messages
arrive exactly once each. And when the sending process is killed outright (SIGKILL) mid-delivery, the other
takes over: nothing is lost, and only a message that was in flight at the crash can arrive twice — at most
one per person (a sender sends to one person at a time, to up to CONCURRENCY people at once), never twice
more (README "Reliability")."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from collections import Counter

from sqlalchemy import func, select

from scheduler.outbox.sender import CONCURRENCY
from storage.db import unit_of_work
from storage.models import OutgoingMessage, PlatformIdentity
from tests.slack.slack_support import BOT_TOKEN, SIGNING_SECRET
from tests.support import add_person, queue, serve_process

MESSAGES, PEOPLE = 200, 20


def _env(database_url: str, fake_slack) -> dict[str, str]:
    return {"LDBOT_DATABASE_URL": database_url, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake_slack.api_url, "LDBOT_OUTBOX_SLACK_PER_SECOND": "200",
            "LDBOT_OUTBOX_LEADER_SECONDS": "2", "LDBOT_OUTBOX_LEASE_SECONDS": "4"}


async def _people(services) -> list[int]:
    ids = []
    for n in range(PEOPLE):
        person = await add_person(services, f"p{n}@example.org", f"Person {n}")
        async with unit_of_work(services.sessions) as db:
            db.add(PlatformIdentity(platform="slack", platform_user_id=f"U0P{n:03d}", person_id=person))
        ids.append(person)
    return ids


async def _queue_all(services, people: list[int]) -> None:
    for number in range(1, MESSAGES + 1):
        await queue(services, people[number % PEOPLE], "reflection.shared_notice",
                    {"name": "Alex", "number": number, "summary_only": False})


def _arrivals(fake_slack) -> Counter:
    found = Counter()
    for body in fake_slack.of("chat.postMessage"):
        match = re.search(r"reflection #(\d+)", str(body.get("text", "")))
        if match:
            found[int(match.group(1))] += 1
    return found


async def _until_delivered(services, *, timeout: float = 90) -> int:
    for _ in range(int(timeout * 5)):
        async with services.sessions() as db:
            left = await db.scalar(select(func.count(OutgoingMessage.id)).where(OutgoingMessage.status != "delivered"))
        if left == 0:
            return 0
        await asyncio.sleep(0.2)
    return left


async def test_two_processes_deliver_every_message_exactly_once(services, fake_slack, database_url, tmp_path):
    people = await _people(services)
    fake_slack.delay = 0.05  # a slow Slack: every post takes 50 ms
    env = _env(database_url, fake_slack)
    async with serve_process(env, tmp_path) as one, serve_process(env, tmp_path):
        await _queue_all(services, people)
        assert await _until_delivered(services) == 0
        await asyncio.sleep(1)  # anything sent twice would have arrived by now
    arrivals = _arrivals(fake_slack)
    assert sorted(arrivals) == list(range(1, MESSAGES + 1))  # none lost
    assert [n for n, times in arrivals.items() if times > 1] == []  # none twice
    assert "Traceback" not in one.output


async def test_a_killed_sender_loses_nothing_and_repeats_at_most_the_one_in_flight(
    services, fake_slack, database_url, tmp_path
):
    people = await _people(services)
    fake_slack.delay = 0.05
    env = _env(database_url, fake_slack)
    async with serve_process(env, tmp_path) as first:
        await _queue_all(services, people)
        for _ in range(300):  # until it is part-way through
            if fake_slack.count("chat.postMessage") >= MESSAGES // 4:
                break
            await asyncio.sleep(0.05)
        async with serve_process(env, tmp_path):
            os.kill(first.pid, signal.SIGKILL)  # no clean stop: no hand-over, claims left as they were
            assert await _until_delivered(services) == 0
            await asyncio.sleep(1)
    arrivals = _arrivals(fake_slack)
    assert sorted(arrivals) == list(range(1, MESSAGES + 1))
    repeated = [n for n, times in arrivals.items() if times > 1]
    assert max(arrivals.values()) <= 2 and len(repeated) <= CONCURRENCY
    assert len({n % PEOPLE for n in repeated}) == len(repeated)  # at most the one in flight to each person
    print(f"killed mid-delivery: {MESSAGES} messages, lost 0, repeated {len(repeated)} (in flight at the kill)")
