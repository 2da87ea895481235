"""The contract between the outbox sender and each platform adapter.

The sender reads, once per batch, everything it needs to reach each recipient (their platform accounts
and stored conversation references) and hands an adapter's deliverer a `Recipient`. The deliverer sends
one rendered Reply and says how it went by raising: `RetryLater` for throttling and transient faults
(429, 5xx) — with `throttled` set for a 429, which is waited out and never counted as a failure — and
`Unreachable` when the person cannot be reached on that platform at all. Returning normally means
delivered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.types import Reply


@dataclass(frozen=True, slots=True)
class Recipient:
    person_id: int
    name: str
    email: str
    # platform -> that platform's user id for the person (the newest link)
    accounts: dict[str, str] = field(default_factory=dict)
    # platform -> where the bot can reach them first (a Teams conversation reference, a Slack DM channel)
    references: dict[str, dict[str, Any]] = field(default_factory=dict)


class RetryLater(Exception):
    def __init__(self, reason: str, *, after_seconds: float | None = None, throttled: bool = False) -> None:
        super().__init__(reason)
        self.after_seconds = after_seconds
        self.throttled = throttled


class Unreachable(Exception):
    """This platform cannot reach the person; the sender tries another platform or parks the message."""


class Deliverer(Protocol):
    platform: str
    # Who it can reach, for the sender to claim their messages: "account" (a PlatformIdentity on this
    # platform), "reference" (a stored ConversationRef), or "anyone".
    reach: str

    def can_reach(self, recipient: Recipient) -> bool:
        """From what the sender loaded: is there an account or reference to send to?"""
        ...

    async def deliver(self, recipient: Recipient, reply: Reply) -> None: ...
