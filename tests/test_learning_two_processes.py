"""20 people sign up for 5 seats at the same moment from two ldbot processes on one PostgreSQL database:
exactly 5 are confirmed and 15 wait, in the order they clicked; then the offer chain works as people
cancel (two at once, from the two processes) and offers lapse.

To make "at the same moment" and "the order they clicked" both exact, the test holds the session's lock
(the advisory lock every seat change takes first) while the clicks arrive, one after another, alternating between the processes; it waits until each
click's transaction is queued on the lock before sending the next, so all 20 are in flight together when
the lock is released, and the order they reached it is known.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select, text

from bot.app import make_bot
from handlers.learning.jobs import tick
from handlers.learning.records import SESSION_LOCK_CLASS
from storage.models.learning import LearningBooking, LearningSession
from tests.learning_org import ISSUE_YAML, add, email, inbox
from tests.support import Chat, add_person

ROOT = Path(__file__).resolve().parents[1]
PEOPLE = [f"p{n:02d}" for n in range(20)]


class Clicker:
    """Another ldbot process, clicking through the real core."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.results: list[dict] = []

    @classmethod
    async def start(cls, url: str, now: str) -> Clicker:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LDBOT_")}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.learning_clicker", url, now, cwd=str(ROOT), env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        clicker = cls(proc)
        assert (await clicker.line()) == "ready"
        return clicker

    async def line(self) -> str:
        assert self.proc.stdout is not None
        return (await asyncio.wait_for(self.proc.stdout.readline(), 60)).decode().strip()

    async def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((command + "\n").encode())
        await self.proc.stdin.drain()

    async def finish(self) -> list[dict]:
        await self.send("wait")
        results = []
        while (line := await self.line()) != "done":
            results.append(json.loads(line))
        return results

    async def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        await asyncio.wait_for(self.proc.wait(), 30)


async def waiting_on_locks(conn) -> int:  # noqa: ANN001
    return int((await conn.execute(text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    ))).scalar())


async def until(conn, n: int) -> None:  # noqa: ANN001
    deadline = time.monotonic() + 30
    while await waiting_on_locks(conn) < n:
        assert time.monotonic() < deadline, f"only {await waiting_on_locks(conn)} of {n} clicks reached the lock"
        await asyncio.sleep(0.01)


async def signups(services, session_id: int) -> dict[str, list[str]]:
    async with services.sessions() as db:
        rows = await db.execute(
            select(LearningBooking.status, LearningBooking.person_id).where(LearningBooking.session_id == session_id)
            .order_by(LearningBooking.seq))
        names = {pid: name for name, pid in PEOPLE_IDS.items()}
        found: dict[str, list[str]] = {}
        for status, person_id in rows:
            found.setdefault(status, []).append(names[person_id])
        return found


PEOPLE_IDS: dict[str, int] = {}


async def test_twenty_people_five_seats_two_processes(services, clock):
    if not services.settings.database_url.startswith("postgresql"):
        pytest.skip("two processes on one database is a PostgreSQL deployment (set LDBOT_TEST_DATABASE_URL)")
    await add_person(services, email("ld"), "Lee Learning", role="ld")
    for name in PEOPLE:
        PEOPLE_IDS[name] = await add_person(services, email(name), f"Person {name}", team="Red Watch")
    session = yaml.safe_load(ISSUE_YAML)["sessions"][0]
    opportunity = await add(services, competences=[], sessions=[{**session, "capacity": 5}],
                            audience={"team": "Red Watch"})
    bot = make_bot(services)
    for name in PEOPLE:  # each has talked to the bot before (their identity is linked)
        await Chat(bot, email(name)).send("my bookings")
    async with services.sessions() as db:
        session_id = await db.scalar(select(LearningSession.id).where(LearningSession.opportunity_id == opportunity))

    url, now = services.settings.database_url, clock().isoformat()
    a, b = await asyncio.gather(Clicker.start(url, now), Clicker.start(url, now))
    try:
        async with services.engine.connect() as holder, services.engine.connect() as watcher:
            await watcher.execution_options(isolation_level="AUTOCOMMIT")
            transaction = await holder.begin()
            await holder.execute(text("SELECT pg_advisory_xact_lock(:kind, :id)"),
                                 {"kind": SESSION_LOCK_CLASS, "id": session_id})
            for n, name in enumerate(PEOPLE):
                await (a if n % 2 == 0 else b).send(f"click {email(name)} learning.signup:{opportunity} {opportunity}")
                await until(watcher, n + 1)
            await transaction.commit()  # all twenty go at once
        results = {r["email"]: r["text"] for r in await a.finish() + await b.finish()}
        assert len(results) == 20

        taken = await signups(services, session_id)
        assert taken == {"confirmed": PEOPLE[:5], "waitlisted": PEOPLE[5:]}
        for n, name in enumerate(PEOPLE):
            if n < 5:
                assert results[email(name)].startswith("You're booked"), results[email(name)]
            else:
                assert f"on the waitlist: number {n - 4}." in results[email(name)], results[email(name)]

        # p00 cancels: p05, first in the queue, is offered the seat; it lapses after 48 hours, so p06 is.
        p00 = Chat(bot, email("p00"))
        [item] = [r for r in [await p00.send("my bookings")] if r]
        assert "booked" in item
        await p00.click(*next((x[1], x[2]) for x in p00.buttons() if x[1].startswith("learning.cancel")))
        await p00.click(*next((x[1], x[2]) for x in p00.buttons() if x[1].startswith("learning.cancel_yes")))
        assert (await signups(services, session_id))["offered"] == ["p05"]
        clock.advance(hours=49)
        assert (await tick(services)).lapsed == 1
        taken = await signups(services, session_id)
        assert (taken["offered"], taken["lapsed"], taken["waitlisted"][0]) == (["p06"], ["p05"], "p07")
        [offer] = [r for r in await inbox(services, "p06") if "come free" in r.text]
        accept = next(btn for btn in offer.buttons if btn.action_id.startswith("learning.accept"))
        assert "You're booked" in await Chat(bot, email("p06")).click(accept.action_id, accept.value)

        # p01 and p02 cancel at the same moment, one in each process: two seats, offered to p07 and p08.
        bookings = {}
        async with services.sessions() as db:
            for name in ("p01", "p02"):
                bookings[name] = await db.scalar(select(LearningBooking.id).where(
                    LearningBooking.person_id == PEOPLE_IDS[name]))
        for clicker in (a, b):
            await clicker.send(f"clock {clock().isoformat()}")
        await a.send(f"click {email('p01')} learning.cancel_yes:{bookings['p01']} {bookings['p01']}")
        await b.send(f"click {email('p02')} learning.cancel_yes:{bookings['p02']} {bookings['p02']}")
        cancelled = await a.finish() + await b.finish()
        assert all(r["text"].startswith("Cancelled:") for r in cancelled), cancelled
        taken = await signups(services, session_id)
        assert taken["confirmed"] == ["p03", "p04", "p06"]
        assert taken["offered"] == ["p07", "p08"] and taken["waitlisted"] == PEOPLE[9:]
        seats = len(taken["confirmed"]) + len(taken["offered"])
        assert seats == 5  # never more than the capacity
    finally:
        await a.close()
        await b.close()
