"""Small helpers for tests: build people and competences, and talk to the core as a user would."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from sqlalchemy import select, update

from bot.core import Bot
from bot.services import Services
from bot.types import Action, FormSubmission, Incoming, Outcome, Reply
from scheduler.outbox import DeliveryReport, Notice, OutboxSender, enqueue
from storage.db import unit_of_work
from storage.models import AuditEvent, Competence, OutgoingMessage, Person, PlatformIdentity


async def add_person(
    services: Services, email: str, name: str, *, role: str = "firefighter", manager: str | None = None, **extra
) -> int:
    from sqlalchemy import select

    async with unit_of_work(services.sessions) as db:
        manager_id = None
        if manager:
            manager_id = await db.scalar(select(Person.id).where(Person.email == manager))
        person = Person(email=email, name=name, role=role, line_manager_id=manager_id, **extra)
        db.add(person)
        await db.flush()
        return person.id


async def add_competence(
    services: Services, code: str, title: str, *, risk_critical: bool = False, months: int | None = None, description: str = ""
) -> int:
    async with unit_of_work(services.sessions) as db:
        c = Competence(code=code, title=title, description=description, risk_critical=risk_critical, revalidation_months=months)
        db.add(c)
        await db.flush()
        return c.id


@dataclass
class Chat:
    """One user's console-style conversation with the core (no SDK, no terminal)."""

    bot: Bot
    email: str
    platform: str = "console"
    conversation: str = "console"
    last: list[Reply] = field(default_factory=list)

    def _incoming(self, **kw) -> Incoming:
        return Incoming(platform=self.platform, user_id=self.email, conversation_id=self.conversation, email=self.email, **kw)

    async def send(self, text: str) -> str:
        outcome = await self.bot.handle(self._incoming(text=text))
        return self._keep(outcome)

    async def click(self, action_id: str, value: str = "") -> str:
        outcome = await self.bot.handle(self._incoming(action=Action(action_id, value)))
        return self._keep(outcome)

    async def submit(self, form_id: str, values: dict[str, str], context: str = "") -> Outcome:
        outcome = await self.bot.handle(self._incoming(form=FormSubmission(form_id, values, context)))
        self._keep(outcome)
        return outcome

    def _keep(self, outcome: Outcome) -> str:
        self.last = outcome.replies
        return "\n".join(r.text for r in outcome.replies)

    def buttons(self) -> list[tuple[str, str, str]]:
        return [(b.label, b.action_id, b.value) for r in self.last for b in r.buttons]


@dataclass
class Served:
    base: str  # http://127.0.0.1:<port>
    output: str = ""  # what the process printed, once it has stopped
    pid: int = 0


@asynccontextmanager
async def serve_process(env: dict[str, str], cwd: Path) -> AsyncIterator[Served]:
    """A real `ldbot serve` process on a free 127.0.0.1 port, with no Slack, Teams or LDBOT_ settings but
    `env`; entered once GET /healthz answers 200, stopped (and its output kept) on leaving."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "LDBOT_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=clean | env, cwd=str(cwd),
    )
    served = Served(f"http://127.0.0.1:{port}", pid=proc.pid)
    try:
        status = None
        async with aiohttp.ClientSession() as http:
            for _ in range(150):
                try:
                    async with http.get(served.base + "/healthz") as response:
                        status = response.status
                        break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.2)
        assert status == 200, f"ldbot serve did not come up (health {status})"
        yield served
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
        try:
            served.output = (await asyncio.wait_for(proc.communicate(), 20))[0].decode()
        except TimeoutError:  # say what it was doing: what it printed, then stop it for good
            proc.kill()
            printed = (await proc.communicate())[0].decode()
            raise AssertionError(f"ldbot serve did not stop within 20 s of SIGTERM; it printed:\n{printed}") from None


async def queue(services: Services, recipient_id: int, template: str, context: dict | None = None, **notice) -> int:
    """One message in the outbox, written the way use cases write them; its id."""
    async with unit_of_work(services.sessions) as db:
        [message_id] = await enqueue(db, [Notice(recipient_id, template, context or {}, **notice)], now=services.now())
        return message_id


async def parked(services: Services, recipient_id: int, error: str, *, context: dict | None = None,
                 platform: str | None = None, attempts: int = 15) -> int:
    """A message the sender gave up on: queued as use cases queue them, then left as the sender parks it."""
    message_id = await queue(services, recipient_id, "outbox.unreachable", context or {"name": "A", "email": "a@b"})
    async with unit_of_work(services.sessions) as db:
        await db.execute(update(OutgoingMessage).where(OutgoingMessage.id == message_id).values(
            status="parked", attempts=attempts, last_error=error, platform=platform))
    return message_id


async def deliver(services: Services, deliverers: list) -> DeliveryReport:
    """One pass of the real outbox sender over what is due now."""
    return await OutboxSender(services, deliverers).deliver_due()


async def linked_accounts(services: Services, platform: str) -> list[tuple[str, int]]:
    """(platform user id, person id) of every account linked on a platform."""
    async with services.sessions() as db:
        rows = await db.execute(select(PlatformIdentity.platform_user_id, PlatformIdentity.person_id)
                                .where(PlatformIdentity.platform == platform))
        return [(r[0], r[1]) for r in rows]


async def audit_details(services: Services, entity: str, action: str) -> list[dict]:
    async with services.sessions() as db:
        events = await db.scalars(select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.action == action)
                                  .order_by(AuditEvent.id))
        return [e.detail for e in events]

