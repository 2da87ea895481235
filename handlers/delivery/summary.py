"""What is parked, in a few lines: how many, grouped by platform and by the last error, and the oldest.

One grouped query (status, platform, last error), however many messages are parked. A message bound to a
platform (a held reply) belongs to it; any other is placed by its last error, which the sender writes as
`slack: …` or `slack: unreachable (…); teams: unreachable (…)`. Errors are the platforms' own words
(status codes, error names): never what a message says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutgoingMessage

PLATFORM_NAMES = {"slack": "Slack", "teams": "Microsoft Teams", "console": "the console"}
NOWHERE = "no chat platform"
ERRORS_PER_PLATFORM = 3  # the most common errors listed under each platform; the rest are counted
ERROR_CHARS = 120


@dataclass(frozen=True, slots=True)
class ErrorCount:
    error: str
    count: int


@dataclass(frozen=True, slots=True)
class PlatformCount:
    name: str
    count: int
    errors: list[ErrorCount] = field(default_factory=list)
    other_errors: int = 0  # messages whose error is not among those listed

    def as_context(self) -> dict[str, Any]:
        return {"name": self.name, "count": self.count, "other_errors": self.other_errors,
                "errors": [{"error": e.error, "count": e.count} for e in self.errors]}


@dataclass(frozen=True, slots=True)
class ParkedSummary:
    count: int
    platforms: list[PlatformCount]  # most messages first
    oldest_id: int
    oldest_at: datetime  # when the oldest parked message was queued


def platforms_of(platform: str | None, last_error: str | None) -> tuple[str, ...]:
    """The platforms a parked message was going to: its own, or those its last error names."""
    if platform:
        return (platform,)
    found: list[str] = []
    for part in (last_error or "").split("; "):
        head, sep, _ = part.partition(": ")
        if sep and head.isalpha() and head.islower() and head != "throttled" and head not in found:
            found.append(head)
    return tuple(found)


def platform_words(platforms: tuple[str, ...]) -> str:
    """("slack", "teams") -> "Slack and Microsoft Teams"; () -> "no chat platform"."""
    return " and ".join(PLATFORM_NAMES.get(p, p) for p in platforms) if platforms else NOWHERE


def short_error(last_error: str | None, platforms: tuple[str, ...] = ()) -> str:
    """The error on one line, without the platform it is listed under ("slack: slack: internal_error" under
    Slack is "internal_error"), and cut short if long."""
    text = " ".join((last_error or "no error recorded").split())
    if len(platforms) == 1:
        while text.startswith(platforms[0] + ": "):
            text = text[len(platforms[0]) + 2:]
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"


async def parked_summary(db: AsyncSession) -> ParkedSummary | None:
    """The parked messages in a few lines, or None when nothing is parked."""
    parked = OutgoingMessage.status == "parked"
    groups = (await db.execute(
        select(OutgoingMessage.platform, OutgoingMessage.last_error, func.count())
        .where(parked)
        .group_by(OutgoingMessage.platform, OutgoingMessage.last_error)
    )).all()
    if not groups:
        return None
    by_platform: dict[str, dict[str, int]] = {}
    for platform, last_error, count in groups:
        platforms = platforms_of(platform, last_error)
        errors = by_platform.setdefault(platform_words(platforms), {})
        error = short_error(last_error, platforms)
        errors[error] = errors.get(error, 0) + count
    counted = []
    for name, errors in by_platform.items():
        ranked = sorted(errors.items(), key=lambda e: (-e[1], e[0]))
        listed = [ErrorCount(error, count) for error, count in ranked[:ERRORS_PER_PLATFORM]]
        counted.append(PlatformCount(name, sum(errors.values()), listed,
                                     sum(count for _, count in ranked[ERRORS_PER_PLATFORM:])))
    counted.sort(key=lambda p: (-p.count, p.name))
    oldest = (await db.execute(
        select(OutgoingMessage.id, OutgoingMessage.created_at).where(parked)
        .order_by(OutgoingMessage.created_at, OutgoingMessage.id).limit(1)
    )).one()
    return ParkedSummary(sum(p.count for p in counted), counted, oldest.id, oldest.created_at)
