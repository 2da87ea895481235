"""What every use case returns and raises, so chat, the command line, jobs and the web treat them alike.

A use case is a plain async function `(db, actor, at, ...) -> SomeResult`: it asks the access policy,
changes records in the caller's transaction, and returns what happened plus the notices to send. The
caller queues the notices in the same transaction (`Turn.apply`, `run_use_case`), so they go out only if
the change commits. A use case that will not do what was asked raises `Refused` with a reason a caller
can turn into words; "not found" and "not yours" are the same reason where telling them apart would
say what exists.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.access import Act
from bot.clock import Moment
from scheduler.outbox import Notice, enqueue
from storage.audit import record_audit
from storage.db import unit_of_work
from storage.models import Person

log = logging.getLogger("ldbot.access")

R = TypeVar("R", bound="Result")


@dataclass
class Result:
    notices: list[Notice] = field(default_factory=list, kw_only=True)


class Refused(Exception):
    """The use case declined. `reason` names why ("not_found", "not_allowed", "already_decided", ...)."""

    def __init__(self, reason: str, **detail: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


async def require(db: AsyncSession, actor: Person, act: Act, subject: Person | None = None, **detail: Any) -> None:
    """Refuse unless the access policy allows it; a refusal is logged and audited (in the caller's
    transaction, which a chat turn commits with its polite answer), so attempts are seen, not just stopped."""
    if await access.may(db, actor, act, subject):
        return
    subject_id = subject.id if subject is not None else 0
    log.warning("refused person=%s act=%s subject=%s", actor.id, act, subject_id or "-")
    record_audit(db, actor.id, "access", subject_id, "refused", now=datetime.now(UTC), act=str(act))
    raise Refused("not_allowed", **detail)


async def apply(db: AsyncSession, result: R, at: Moment) -> R:
    """Queue the result's notices in the caller's transaction."""
    if result.notices:
        await enqueue(db, result.notices, now=at.now)
    return result


async def run_use_case(
    services: Any, fn: Callable[..., Awaitable[R]], actor: Person | None, **kwargs: Any
) -> R:
    """One use case in its own transaction, notices included (the command line and jobs)."""
    at = services.at()
    async with unit_of_work(services.sessions) as db:
        if actor is not None:
            actor = await db.merge(actor, load=False)
        return await apply(db, await fn(db, actor, at, **kwargs), at)
