"""A person's record — competence status, evidence and reflections — and its IPDR-ready exports.

The record's owner sees all of it. Their line manager, an assessor or an admin sees the status and evidence,
but only the reflections the owner chose to share (or the summary they wrote for sharing).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.evidence_queries import evidence_for
from storage.models import EVIDENCE_KINDS, Evidence, Person, Reflection
from storage.status import CompetenceStatus, competence_status

STATUS_LABELS = {"in_date": "In date", "expiring": "Expiring within 30 days", "expired": "Expired",
                 "never": "Never evidenced"}


@dataclass
class Record:
    person: Person
    today: date
    statuses: list[CompetenceStatus]
    evidence: list[Evidence]
    reflections: list[Reflection]
    own: bool
    counts: dict[str, int] = field(default_factory=dict)


async def load_record(db: AsyncSession, person: Person, viewer: Person, today: date) -> Record:
    statuses = await competence_status(db, person.id, today)
    query = select(Reflection).where(Reflection.person_id == person.id, Reflection.deleted.is_(False))
    own = viewer.id == person.id
    if not own:
        query = query.where(Reflection.shared_with_manager.is_(True))
    reflections = list(await db.scalars(query.order_by(Reflection.created_at.desc(), Reflection.id.desc())))
    counts = {key: sum(1 for s in statuses if s.status == key) for key in STATUS_LABELS}
    return Record(person, today, statuses, await evidence_for(db, person.id), reflections, own, counts)


def reflection_text(reflection: Reflection, own: bool) -> dict[str, str]:
    """What a viewer may read: everything for the author; the shared summary (if any) for a manager."""
    if not own and reflection.share_summary:
        return {"what_happened": reflection.share_summary, "so_what": "", "now_what": ""}
    return {"what_happened": reflection.what_happened, "so_what": reflection.so_what, "now_what": reflection.now_what}


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(record: Record) -> str:
    p = record.person
    lines = [f"# Learning and development record: {p.name}", "",
             f"{p.role.replace('_', ' ').title()}, {p.team or ''} {('— ' + p.station) if p.station else ''}".strip(),
             f"Prepared {record.today.isoformat()} for IPDR.", "", "## Competence status", "",
             "| Code | Competence | Risk-critical | Status | Valid until | Last evidence |",
             "| --- | --- | --- | --- | --- | --- |"]
    for s in record.statuses:
        lines.append(f"| {s.code} | {_md_escape(s.title)} | {'yes' if s.risk_critical else 'no'} | "
                     f"{STATUS_LABELS[s.status]} | {s.valid_until or ''} | {s.last_evidence_date or ''} |")
    lines += ["", "## Evidence", ""]
    if not record.evidence:
        lines.append("No evidence recorded yet.")
    for e in record.evidence:
        codes = ", ".join(c.code for c in e.competences)
        lines.append(f"- #{e.id} {e.activity_date.isoformat()} {codes} — {EVIDENCE_KINDS.get(e.kind, e.kind)}, "
                     f"{e.status.replace('_', ' ')}: {_md_escape(e.description)}"
                     + (f" (feedback: {_md_escape(e.feedback)})" if e.feedback else ""))
    lines += ["", "## Reflections", ""]
    if not record.reflections:
        lines.append("No reflections recorded yet." if record.own else "No reflections shared.")
    for r in record.reflections:
        text = reflection_text(r, record.own)
        lines.append(f"### Reflection #{r.id}, {r.created_at.date().isoformat()}")
        lines.append(f"- What happened: {_md_escape(text['what_happened'])}")
        if text["so_what"]:
            lines.append(f"- So what: {_md_escape(text['so_what'])}")
        if text["now_what"]:
            lines.append(f"- Now what: {_md_escape(text['now_what'])}" + (f" (by {r.by_when})" if r.by_when else ""))
        if r.cpd_hours:
            lines.append(f"- CPD hours: {r.cpd_hours:g}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_csv(record: Record) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["type", "id", "date", "competence", "title", "kind", "status", "valid_until", "details"])
    for s in record.statuses:
        writer.writerow(["competence", "", s.last_evidence_date or "", s.code, s.title, "", s.status, s.valid_until or "", ""])
    for e in record.evidence:
        writer.writerow(["evidence", e.id, e.activity_date, " ".join(c.code for c in e.competences), "",
                         e.kind, e.status, e.valid_until or "", e.description])
    for r in record.reflections:
        text = reflection_text(r, record.own)
        details = " / ".join(t for t in (text["what_happened"], text["so_what"], text["now_what"]) if t)
        writer.writerow(["reflection", r.id, r.created_at.date(), " ".join(c.code for c in r.competences), "", "",
                         "shared" if r.shared_with_manager else "private", "", details])
    return out.getvalue()
