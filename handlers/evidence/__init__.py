"""Competence evidence: staff log it against the framework (by code or in their own words) and it goes to
their line manager, or the assessors, to verify; they can withdraw it while it waits."""

from bot.unit import Unit

UNIT = Unit(
    name="evidence",
    package=__name__,
    summary="Log competence evidence and withdraw it; the competence framework",
    chat="handlers.evidence.chat",
    holds="handlers.evidence.holds:HOLDS",
)
