"""What the evidence unit holds about a person: the competence evidence they logged, and their standing.

Erasure deletes the evidence and keeps only the fact that an assessment took place (competence, outcome,
station and year) as an anonymous count; anyone else's evidence that names them loses the name.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Moment
from bot.personal_data import AuditTrail, Erase, Holding, Holdings, Link, Subject
from storage.models import DECISIONS, Competence, Evidence, Person
from storage.models.competence import evidence_competences
from storage.tallies import add_to_tallies, tally_key


async def count_assessments(db: AsyncSession, subject: Subject, at: Moment) -> dict[str, int]:
    """Each decided piece of evidence, per competence: that it was assessed, where, when and how it came out."""
    ec = evidence_competences.c
    rows = await db.execute(
        select(Evidence.activity_date, Evidence.status, Competence.code, Person.station)
        .join(Person, Person.id == Evidence.person_id)
        .join(evidence_competences, ec.evidence_id == Evidence.id)
        .join(Competence, Competence.id == ec.competence_id)
        .where(Evidence.person_id == subject.id, Evidence.status.in_(DECISIONS))
    )
    counted = await add_to_tallies(db, (
        tally_key("competence_assessment", activity.year, station, code, status)
        for activity, status, code, station in rows
    ))
    return {"competence assessments": counted}


HOLDS = Holdings(
    owner="evidence",
    tables=(
        Holding(
            "evidence", "Competence evidence",
            links=(Link("logged by you", Erase.DELETE, column="person_id"),),
            scrub=("description", "feedback", "links"),
            audit=(AuditTrail("evidence"),),
            before_erase="handlers.evidence.holds:count_assessments",
        ),
        Holding(
            "competence_standings", "Your standing in each competence",
            links=(Link("yours", Erase.DELETE, column="person_id",
                        columns=("competence_id", "evidence_id", "activity_date", "valid_until")),),
        ),
    ),
)
