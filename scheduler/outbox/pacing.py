"""Pacing sends to each platform's published rate limits, and waiting out what the platform asks.

Slack: chat.postMessage allows about one message per second per conversation and "several hundred per
minute" per workspace; Teams (Bot Framework): about 7 per second per conversation and 50 per second for a
bot across all conversations. Each platform gets a leaky bucket (aiolimiter) at its configured rate.

A 429 for one conversation holds only that conversation (the sender reschedules the message after its
Retry-After). Several 429s in a short window mean the platform-wide limit was hit: then the whole
platform waits for the longest Retry-After it was given before anything else is sent.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from aiolimiter import AsyncLimiter

# Defaults from the platforms' published limits, with a margin (LDBOT_OUTBOX_<PLATFORM>_PER_SECOND).
DEFAULT_PER_SECOND = {"slack": 5.0, "teams": 40.0}
CLUSTER_WINDOW = 2.0  # seconds
CLUSTER_SIZE = 3  # 429s inside the window that mean "the platform, not one conversation"


class PlatformPace:
    def __init__(self, per_second: float) -> None:
        self.per_second = per_second
        # A bucket of one second's worth: smooth, with a burst no bigger than the rate itself.
        self._limiter = AsyncLimiter(max(per_second, 1.0), 1.0) if per_second >= 1 else AsyncLimiter(1, 1 / per_second)
        self._resume_at = 0.0
        self._recent: deque[float] = deque()

    async def acquire(self) -> None:
        while (wait := self._resume_at - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        await self._limiter.acquire()

    def throttled(self, retry_after: float | None) -> bool:
        """Record a 429; True when it looks platform-wide (the whole platform now waits)."""
        now = time.monotonic()
        self._recent.append(now)
        while self._recent and now - self._recent[0] > CLUSTER_WINDOW:
            self._recent.popleft()
        if len(self._recent) >= CLUSTER_SIZE:
            self._resume_at = max(self._resume_at, now + (retry_after or 1.0))
            self._recent.clear()
            return True
        return False


class Pacer:
    """One PlatformPace per platform, made on first use."""

    def __init__(self, per_second: dict[str, float] | None = None) -> None:
        self._rates = {**DEFAULT_PER_SECOND, **(per_second or {})}
        self._paces: dict[str, PlatformPace] = {}

    def rate(self, platform: str) -> float:
        return self._rates.get(platform, 10.0)

    def __getitem__(self, platform: str) -> PlatformPace:
        pace = self._paces.get(platform)
        if pace is None:
            pace = self._paces[platform] = PlatformPace(self.rate(platform))
        return pace
