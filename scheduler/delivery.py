"""The contract between the outbox sender and each platform adapter.

An adapter's deliverer sends one rendered Reply to one person and says how it went by raising:
`RetryLater` for throttling and transient faults (429, 5xx), `Unreachable` when the person cannot be
reached on that platform at all (no account, never talked to the bot). Returning normally means delivered.
"""

from __future__ import annotations

from typing import Protocol

from bot.types import Reply
from storage.models import Person


class RetryLater(Exception):
    def __init__(self, reason: str, *, after_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.after_seconds = after_seconds


class Unreachable(Exception):
    """This platform cannot reach the person; the sender tries another platform or parks the message."""


class Deliverer(Protocol):
    platform: str

    async def can_reach(self, person: Person) -> bool:
        """Cheap check (a stored identity or conversation reference) before trying to send."""
        ...

    async def deliver(self, person: Person, reply: Reply) -> None: ...
