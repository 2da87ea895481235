"""My record: competence status, evidence and reflections — and a manager's view of a direct report's."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from bot.router import command
from bot.turn import Turn
from storage.evidence_queries import may_view_record
from storage.models import Person
from storage.record import STATUS_LABELS, load_record, reflection_text, to_markdown


async def _find_person(turn: Turn, text: str) -> Person | None:
    """By email or name — returned only if the viewer may see that record."""
    needle = text.strip().lower()
    candidates = list(await turn.db.scalars(
        select(Person).where(or_(func.lower(Person.email) == needle, func.lower(Person.name) == needle))
    ))
    if len(candidates) != 1 or not may_view_record(turn.person, candidates[0]):
        return None
    return candidates[0]


@command("record", "my record", "status", "my status", "my evidence", summary="record.summary")
async def show_record(turn: Turn) -> None:
    person = turn.person
    if turn.args.strip():
        found = await _find_person(turn, turn.args)
        if found is None:
            turn.say("record.not_allowed", who=turn.args.strip())
            return
        person = found
    record = await load_record(turn.db, person, turn.person, turn.today())
    groups = {
        key: [{"code": s.code, "title": s.title, "valid_until": s.valid_until.isoformat() if s.valid_until else ""}
              for s in record.statuses if s.status == key]
        for key in STATUS_LABELS
    }
    turn.say(
        "record.summary_view",
        own=record.own,
        name=person.name,
        groups=groups,
        labels=STATUS_LABELS,
        evidence=[{"id": e.id, "date": e.activity_date.isoformat(), "codes": ", ".join(c.code for c in e.competences),
                   "status": e.status} for e in record.evidence[:5]],
        evidence_total=len(record.evidence),
        reflections=[{"id": r.id, "date": r.created_at.date().isoformat(),
                      "preview": reflection_text(r, record.own)["what_happened"][:80]} for r in record.reflections[:3]],
        reflection_total=len(record.reflections),
    )


@command("export", "export my record", summary="record.summary_export")
async def export_record(turn: Turn) -> None:
    record = await load_record(turn.db, turn.person, turn.person, turn.today())
    turn.say("record.export", markdown=to_markdown(record))
