"""Importing appraisal and workplace-assessment history, all or nothing, told apart by the header.

- appraisal history: `email,last_appraisal_date[,next_due_date]` (one row per person);
- assessment history: `email,competence_code,last_assessed_date` (becomes verified workplace-assessment
  evidence, in date until the competence's revalidation interval runs out).

Same rules as the organisation import: every row is checked first, a file with any bad row applies
nothing and names the lines, and importing the same file again changes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent, Competence, Evidence, Person
from storage.models.competence import evidence_competences
from storage.models.nudges import AppraisalRecord
from storage.org_import import ImportReport
from storage.standing import record_competent
from storage.status import valid_until_for
from storage.tabular import Table, parse_day

APPRAISAL_COLUMNS = ("email", "last_appraisal_date")
ASSESSMENT_COLUMNS = ("email", "competence_code", "last_assessed_date")
def valid_until(competence: Competence, assessed: date) -> date | None:
    """When an assessment stops counting; shared with the competence status so both agree."""
    return valid_until_for(competence, assessed)


def table_kind(table: Table) -> str | None:
    """"appraisal", "assessment", or None when the header matches neither."""
    columns = set(table.columns)
    if set(ASSESSMENT_COLUMNS) <= columns:
        return "assessment"
    if set(APPRAISAL_COLUMNS) <= columns:
        return "appraisal"
    return None


async def import_records(
    db: AsyncSession, table: Table, *, today: date, description: str, now: datetime | None = None
) -> tuple[str | None, ImportReport]:
    """Check then apply either kind of history file; `description` labels imported evidence."""
    kind = table_kind(table)
    report = ImportReport()
    if kind is None:
        report.errors.append(
            "line 1: the header must be email,last_appraisal_date[,next_due_date] (appraisals) "
            "or email,competence_code,last_assessed_date (workplace assessments)"
        )
        return None, report
    now = now or datetime.now(UTC)
    people = {e.lower(): pid for pid, e in await db.execute(select(Person.id, Person.email))}
    if kind == "appraisal":
        return kind, await _appraisals(db, table, people, today, now)
    return kind, await _assessments(db, table, people, today, now, description)


def _date_problem(name: str, text: str, today: date, problems: list[str], *, past_only: bool = True) -> date | None:
    if not text:
        problems.append(f"{name} is empty")
        return None
    day = parse_day(text)
    if day is None:
        problems.append(f"{name} {text!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
    elif past_only and day > today:
        problems.append(f"{name} {day.isoformat()} is in the future")
    return day


async def _appraisals(
    db: AsyncSession, table: Table, people: dict[str, int], today: date, now: datetime
) -> ImportReport:
    report = ImportReport()
    parsed: dict[int, tuple[date, date | None]] = {}
    lines: dict[str, int] = {}
    emails: dict[int, tuple[str, int]] = {}
    for row in table.rows:
        problems: list[str] = []
        email = row.get("email").lower()
        person_id = people.get(email)
        if not email:
            problems.append("email is empty")
        elif email in lines:
            problems.append(f"{email} already appears on line {lines[email]}")
        elif person_id is None:
            problems.append(f"{email} is not in the organisation (import people first: ldbot org import)")
        last = _date_problem("last_appraisal_date", row.get("last_appraisal_date"), today, problems)
        next_due = None
        if row.get("next_due_date"):
            next_due = _date_problem("next_due_date", row.get("next_due_date"), today, problems, past_only=False)
            if next_due and last and next_due <= last:
                problems.append("next_due_date must be after last_appraisal_date")
        lines.setdefault(email, row.line)
        if problems:
            report.errors.append(f"line {row.line}: {'; '.join(problems)}")
            continue
        parsed[person_id] = (last, next_due)  # type: ignore[index,assignment]
        emails[person_id] = (email, row.line)  # type: ignore[index]
    if report.errors:
        return report
    existing = {r.person_id: r for r in await db.scalars(select(AppraisalRecord))}
    for person_id, (last, next_due) in parsed.items():
        record = existing.get(person_id)
        if record is None:
            db.add(AppraisalRecord(person_id=person_id, last_appraisal_date=last, next_due_date=next_due,
                                   source="import", updated_at=now))
            report.created += 1
            email, line = emails[person_id]
            report.changes.append(f"line {line}: record {email}'s last appraisal as {last.isoformat()}")
        elif (record.last_appraisal_date, record.next_due_date) != (last, next_due):
            record.last_appraisal_date, record.next_due_date, record.source = last, next_due, "import"
            record.updated_at = now
            report.updated += 1
            email, line = emails[person_id]
            report.changes.append(f"line {line}: change {email}'s appraisal dates")
        else:
            report.unchanged += 1
            continue
        db.add(AuditEvent(at=now, actor_id=None, entity="appraisal", entity_id=person_id,
                          action="imported", detail={"source": "import"}))
    await db.flush()
    return report


async def _assessments(
    db: AsyncSession, table: Table, people: dict[str, int], today: date, now: datetime, description: str
) -> ImportReport:
    report = ImportReport()
    competences = {c.code.upper(): c for c in await db.scalars(select(Competence))}
    parsed: list[tuple[int, Competence, date, str, int]] = []
    lines: dict[tuple[str, str, date], int] = {}
    for row in table.rows:
        problems: list[str] = []
        email, code = row.get("email").lower(), row.get("competence_code")
        person_id = people.get(email)
        if not email:
            problems.append("email is empty")
        elif person_id is None:
            problems.append(f"{email} is not in the organisation (import people first: ldbot org import)")
        competence = competences.get(code.upper())
        if not code:
            problems.append("competence_code is empty")
        elif competence is None:
            problems.append(f"no competence with code {code!r} (import the framework first: ldbot competences import)")
        assessed = _date_problem("last_assessed_date", row.get("last_assessed_date"), today, problems)
        key = (email, code.upper(), assessed)
        if assessed is not None and key in lines:
            problems.append(f"the same assessment already appears on line {lines[key]}")
        lines.setdefault(key, row.line)  # type: ignore[arg-type]
        if problems:
            report.errors.append(f"line {row.line}: {'; '.join(problems)}")
            continue
        parsed.append((person_id, competence, assessed, email, row.line))  # type: ignore[arg-type]
    if report.errors:
        return report
    ec = evidence_competences.c
    already = {
        tuple(r)
        for r in await db.execute(
            select(Evidence.person_id, ec.competence_id, Evidence.activity_date)
            .join(evidence_competences, ec.evidence_id == Evidence.id)
            .where(Evidence.kind == "workplace_assessment", Evidence.source == "import")
        )
    }
    for person_id, competence, assessed, email, line in parsed:
        if (person_id, competence.id, assessed) in already:
            report.unchanged += 1
            continue
        evidence = Evidence(
            person_id=person_id, kind="workplace_assessment", activity_date=assessed, description=description,
            links=[], status="competent", decided_at=now, valid_until=valid_until(competence, assessed),
            source="import", created_at=now, updated_at=now,
        )
        db.add(evidence)
        await db.flush()
        await db.execute(evidence_competences.insert().values(evidence_id=evidence.id, competence_id=competence.id))
        await record_competent(db, evidence.id)
        db.add(AuditEvent(at=now, actor_id=None, entity="evidence", entity_id=evidence.id, action="imported",
                          detail={"source": "import", "kind": "workplace_assessment"}))
        report.created += 1
        report.changes.append(f"line {line}: add {email}'s workplace assessment in {competence.code} on "
                              f"{assessed.isoformat()}")
    await db.flush()
    return report
