"""Plain-data descriptions of opportunities and sessions for templates (and the outbox, which stores them).

Everything here is JSON-ready: notices keep their context until they are rendered at delivery.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from handlers.learning.times import moment_context, when_context
from storage.models.learning import LearningOpportunity, LearningSession

MAX_SUMMARY = 600


def summary(text: str, limit: int = MAX_SUMMARY) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def session_context(session: LearningSession, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "number": session.number,
        **when_context(session.starts_at, session.ends_at, tz),
        "venue": session.venue or "",
        "online_link": session.online_link or "",
        "capacity": session.capacity,
        "cutoff": moment_context(session.booking_cutoff, tz) if session.booking_cutoff else None,
        "cancelled": session.status == "cancelled",
    }


def opportunity_context(opportunity: LearningOpportunity, tz: ZoneInfo, *, sessions: bool = True) -> dict[str, Any]:
    context: dict[str, Any] = {
        "id": opportunity.id,
        "title": opportunity.title,
        "kind": opportunity.kind,
        "description": summary(opportunity.description),
        "provider": opportunity.provider,
        "approval": opportunity.approval == "line_manager",
        "link": opportunity.link or "",
        "complete_by": opportunity.complete_by.isoformat() if opportunity.complete_by else "",
        "codes": [c.code for c in opportunity.competences],
        "cancelled": opportunity.status == "cancelled",
    }
    if sessions:
        context["sessions"] = [session_context(s, tz) for s in opportunity.sessions if s.status == "open"]
    return context
