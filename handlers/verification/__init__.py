"""Verification: line managers and assessors decide the evidence staff log, with feedback."""

from bot.unit import Unit

UNIT = Unit(
    name="verification",
    package=__name__,
    summary="Decide evidence: competent, not yet competent, or insufficient evidence",
    chat="handlers.verification.chat",
    holds="handlers.verification.holds:HOLDS",
)
