"""The sample organisation: Northvale Fire and Rescue Service, a fictional service for demos and trials.

Loaded through the same import code as real files, so it is idempotent; a little history (verified
evidence with items expiring soon and expired, one awaiting verification, appraisals overdue and due soon) is
added once, relative to today.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Competence, Evidence, Person
from storage.models.nudges import AppraisalRecord
from storage.org_import import import_competences, import_people
from storage.standing import record_competent
from storage.status import valid_until_for
from storage.tabular import read_table

SAMPLE_DIR = Path(__file__).parent
DEMO_USER = "alex.morgan@northvale-fire.example"

# (person, competence code, days ago, status) — enough for "my record" and the manager's list to show something.
HISTORY = [
    ("alex.morgan", "FFBA1", 350, "competent"),  # expires within 30 days
    ("alex.morgan", "FFWR5", 400, "competent"),  # expired
    ("alex.morgan", "FFTC4", 180, "competent"),
    ("alex.morgan", "FFCS9", 60, "competent"),
    ("jamie.reid", "FFRT3", 5, "submitted"),
    ("jamie.reid", "FFBA1", 100, "competent"),
    ("chloe.adams", "FFWH6", 800, "competent"),
    ("chloe.adams", "FFBA1", 380, "competent"),  # expired: a workplace assessment is overdue
    ("ben.hughes", "FFBA1", 345, "competent"),  # expires soon: an assessment is due
    ("ben.hughes", "FFDR8", 700, "competent"),  # 24-month interval: expires within 30 days
]
# (person, days since their last appraisal): with a yearly IPDR, some are overdue and some due soon, so a
# manager's digest (type *digest*) and *my team* show something on any day the demo is run.
APPRAISALS = [
    ("alex.morgan", 380),  # overdue
    ("jamie.reid", 350),  # due within 30 days
    ("chloe.adams", 200),
    ("ben.hughes", 400),  # overdue
    ("sam.patel", 100),
    ("nadia.rahman", 345),
    ("liam.foster", 30),
    ("ella.ward", 390),
    ("kofi.mensah", 120),
    ("sophie.turner", 352),
    ("helen.brooks", 250),
    ("lucy.grant", 300),
]
HISTORY_TEXT = {
    "FFBA1": "BA wearer on a training fire at the drill tower; entry control procedures followed throughout.",
    "FFWR5": "Bank-based throw-line rescue exercise at the river training site.",
    "FFTC4": "Catastrophic bleed and airway management at a road traffic collision, handed over to paramedics.",
    "FFCS9": "Three home fire safety visits with smoke alarm fitting and one referral to adult social care.",
    "FFRT3": "Roof removal and casualty release during a multi-agency exercise at the airfield.",
    "FFWH6": "Pitched and worked from the 13.5 m ladder during a drill, including line rescue setup.",
    "FFDR8": "Emergency response drive to a house fire under blue lights, assessed by the driving instructor.",
}


async def load_sample(db: AsyncSession, today: date) -> dict[str, int]:
    competences = await import_competences(db, read_table(SAMPLE_DIR / "competences.csv"))
    people = await import_people(db, read_table(SAMPLE_DIR / "people.csv"))
    if competences.errors or people.errors:  # our own file: a failure here is a bug
        raise RuntimeError("sample data is invalid: " + "; ".join(competences.errors + people.errors))
    added = 0
    already = await db.scalar(select(Evidence.id).where(Evidence.source == "sample").limit(1))
    if already is None:
        by_email = {p.email: p for p in await db.scalars(select(Person))}
        by_code = {c.code: c for c in await db.scalars(select(Competence))}
        added_evidence: list[Evidence] = []
        for who, code, days_ago, status in HISTORY:
            person = by_email[f"{who}@northvale-fire.example"]
            competence = by_code[code]
            activity = today - timedelta(days=days_ago)
            decided = status != "submitted"
            evidence = Evidence(
                person_id=person.id,
                kind="observed" if code != "FFCS9" else "real_incident",
                activity_date=activity,
                description=HISTORY_TEXT[code],
                links=[],
                status=status,
                verifier_id=person.line_manager_id,
                decided_by_id=person.line_manager_id if decided else None,
                decided_at=datetime.combine(activity + timedelta(days=3), datetime.min.time(), UTC)
                if decided
                else None,
                feedback="Clear, well described evidence." if decided else None,
                valid_until=valid_until_for(competence, activity) if decided else None,
                source="sample",
                competences=[competence],
            )
            db.add(evidence)
            added_evidence.append(evidence)
            added += 1
        await db.flush()
        for evidence in added_evidence:
            await record_competent(db, evidence.id)
        for who, days_ago in APPRAISALS:
            db.add(AppraisalRecord(person_id=by_email[f"{who}@northvale-fire.example"].id,
                                   last_appraisal_date=today - timedelta(days=days_ago), source="sample",
                                   updated_at=datetime.now(UTC)))
    return {
        "competences": competences.created + competences.updated + competences.unchanged,
        "people": people.created + people.updated + people.unchanged,
        "evidence": added,
    }
