"""My record: competence status, evidence and reflections — and the view a line manager, assessor or admin gets.

`record EMAIL-or-name` shows someone else's record only to their line manager (direct reports only), an
assessor or an admin. Anyone else gets the same polite refusal whether or not the person exists.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, or_, select

from bot.router import command
from bot.turn import Turn
from storage.evidence_queries import may_view_record
from storage.models import Person
from storage.record import load_record, record_context

log = logging.getLogger("ldbot.record")

SHOWN_EVIDENCE = 5
SHOWN_REFLECTIONS = 3


async def _find_person(turn: Turn, text: str) -> Person | None:
    """By email or full name — returned only if the viewer may see that record (and it is unambiguous)."""
    needle = " ".join(text.split()).lower()
    candidates = await turn.db.scalars(
        select(Person).where(or_(func.lower(Person.email) == needle, func.lower(Person.name) == needle))
    )
    allowed = [p for p in candidates if may_view_record(turn.person, p)]
    return allowed[0] if len(allowed) == 1 else None


@command("record", "my record", "status", "my status", "my evidence", summary="record.summary")
async def show_record(turn: Turn) -> None:
    person = turn.person
    if turn.args.strip():
        found = await _find_person(turn, turn.args)
        if found is None:
            log.info("record view refused viewer=%s", turn.person.id)
            turn.say("record.not_allowed", who=turn.args.strip())
            return
        person = found
    record = await load_record(turn.db, person, turn.person, turn.today())
    if person.id != turn.person.id:
        log.info("record viewed viewer=%s person=%s", turn.person.id, person.id)
    turn.say(
        "record.summary_view",
        **record_context(record),
        shown_evidence=SHOWN_EVIDENCE,
        shown_reflections=SHOWN_REFLECTIONS,
    )


@command("export", "export my record", summary="record.summary_export")
async def export_record(turn: Turn) -> None:
    record = await load_record(turn.db, turn.person, turn.person, turn.today())
    turn.say("record.export", markdown=turn.text("record.export_markdown", **record_context(record)))
