"""A person's record — competence status, evidence and reflections — and its IPDR-ready exports.

Who may see which part is the access policy's decision (handlers/record); this module loads what it is
told to: every reflection (the owner), those shared with one viewer, or none. The wording of the
Markdown export lives in the template `record.export_markdown`; this module gathers plain data for it,
and writes the CSV.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.evidence_queries import evidence_for
from storage.models import EVIDENCE_KINDS, Evidence, Person, Reflection
from storage.reflection_queries import reflections_for, shared_reflections_for_manager
from storage.safe_text import csv_writer
from storage.status import CompetenceStatus, competence_status

STATUS_ORDER = ("in_date", "expiring", "expired", "never")
CSV_COLUMNS = ["type", "id", "date", "competence", "title", "kind", "status", "valid_until", "details"]


@dataclass
class Record:
    person: Person
    today: date
    statuses: list[CompetenceStatus]
    evidence: list[Evidence]
    reflections: list[Reflection]
    own: bool
    reflections_visible: bool = True


async def load_record(
    db: AsyncSession, person: Person, today: date, *, own: bool, shared_with: int | None = None
) -> Record:
    """The record with every reflection (`own`), those shared with `shared_with`, or none."""
    statuses = await competence_status(db, person.id, today)
    if own:
        reflections = await reflections_for(db, person.id)
    elif shared_with is not None:
        reflections = [
            r for author, r in await shared_reflections_for_manager(db, shared_with) if author.id == person.id
        ]
    else:
        reflections = []
    evidence = await evidence_for(db, person.id)
    return Record(person, today, statuses, evidence, reflections, own, own or shared_with is not None)


def reflection_text(reflection: Reflection, own: bool) -> dict[str, str]:
    """What a viewer may read: everything for the author; the shared summary (if any) for a manager."""
    if not own and reflection.share_summary:
        return {"what_happened": reflection.share_summary, "so_what": "", "now_what": ""}
    return {
        "what_happened": reflection.what_happened,
        "so_what": reflection.so_what,
        "now_what": reflection.now_what,
    }


def _one_line(text: str | None) -> str:
    """List items and table cells must stay on one line; the words are kept as typed."""
    return " ".join((text or "").split())


def record_context(record: Record) -> dict[str, Any]:
    """Plain data for the record templates (the chat view and the Markdown export)."""
    p = record.person
    return {
        "own": record.own,
        "reflections_visible": record.reflections_visible,
        "today": record.today.isoformat(),
        "person": {
            "name": p.name,
            "email": p.email,
            "role": p.role,
            "team": p.team or "",
            "station": p.station or "",
        },
        "statuses": [
            {
                "code": s.code,
                "title": _one_line(s.title),
                "risk_critical": s.risk_critical,
                "status": s.status,
                "valid_until": s.valid_until.isoformat() if s.valid_until else "",
                "last_evidence_date": s.last_evidence_date.isoformat() if s.last_evidence_date else "",
            }
            for s in record.statuses
        ],
        "counts": {key: sum(1 for s in record.statuses if s.status == key) for key in STATUS_ORDER},
        "evidence": [
            {
                "id": e.id,
                "date": e.activity_date.isoformat(),
                "codes": ", ".join(c.code for c in e.competences),
                "kind": EVIDENCE_KINDS.get(e.kind, e.kind),
                "status": e.status,
                "valid_until": e.valid_until.isoformat() if e.valid_until else "",
                "description": _one_line(e.description),
                "feedback": _one_line(e.feedback),
            }
            for e in record.evidence
        ],
        "reflections": [
            {
                "id": r.id,
                "date": r.created_at.date().isoformat(),
                "codes": ", ".join(c.code for c in r.competences),
                "by_when": r.by_when.isoformat() if r.by_when else "",
                "cpd_hours": f"{r.cpd_hours:g}" if r.cpd_hours else "",
                "shared": r.shared_with_manager,
                **{key: _one_line(value) for key, value in reflection_text(r, record.own).items()},
            }
            for r in record.reflections
        ],
    }


def to_csv(record: Record) -> str:
    """One row per item, with a type column, so a spreadsheet can filter competences, evidence, reflections."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(CSV_COLUMNS)
    for s in record.statuses:
        writer.writerow(
            [
                "competence",
                "",
                s.last_evidence_date or "",
                s.code,
                s.title,
                "",
                s.status,
                s.valid_until or "",
                "",
            ]
        )
    for e in record.evidence:
        writer.writerow(
            [
                "evidence",
                e.id,
                e.activity_date,
                " ".join(c.code for c in e.competences),
                "",
                e.kind,
                e.status,
                e.valid_until or "",
                e.description,
            ]
        )
    for r in record.reflections:
        text = reflection_text(r, record.own)
        details = " / ".join(t for t in (text["what_happened"], text["so_what"], text["now_what"]) if t)
        writer.writerow(
            [
                "reflection",
                r.id,
                r.created_at.date(),
                " ".join(c.code for c in r.competences),
                "",
                "",
                "shared" if r.shared_with_manager else "private",
                "",
                details,
            ]
        )
    return out.getvalue()
