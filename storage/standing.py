"""Keeping competence_standings in step with the evidence it is derived from.

The rule is storage.status's: the newest competent evidence counts (latest activity date, then latest
recorded), and its valid-until date says when the competence runs out (none: in date for good). A decision
is final, so standing only ever moves forward: each upsert keeps whichever evidence is newer, which also
makes two decisions for the same person and competence at the same moment land in the right order.
"""

from __future__ import annotations

from sqlalchemy import select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CompetenceStanding, Evidence
from storage.models.competence import evidence_competences

# Everyone's standing worked out from the whole history, for bulk loads that bypass record_competent (the
# benchmark's generator). Migration 0004 keeps its own copy, as migrations must not change.
REBUILD_SQL = """
INSERT INTO competence_standings (person_id, competence_id, evidence_id, activity_date, valid_until)
SELECT e.person_id, ec.competence_id, e.id, e.activity_date, e.valid_until
FROM evidence e JOIN evidence_competences ec ON ec.evidence_id = e.id
WHERE e.status = 'competent' AND NOT EXISTS (
    SELECT 1 FROM evidence n JOIN evidence_competences nec ON nec.evidence_id = n.id
    WHERE n.person_id = e.person_id AND nec.competence_id = ec.competence_id AND n.status = 'competent'
      AND (n.activity_date > e.activity_date OR (n.activity_date = e.activity_date AND n.id > e.id))
)
"""


async def record_competent(db: AsyncSession, evidence_id: int) -> None:
    """Evidence was judged competent (decided or imported): it becomes the standing where it is newest."""
    ec = evidence_competences.c
    rows = await db.execute(
        select(Evidence.person_id, ec.competence_id, Evidence.id, Evidence.activity_date, Evidence.valid_until)
        .join(evidence_competences, ec.evidence_id == Evidence.id)
        .where(Evidence.id == evidence_id, Evidence.status == "competent")
    )
    insert = postgresql.insert if db.bind.dialect.name == "postgresql" else sqlite.insert
    for person_id, competence_id, eid, activity, valid_until in rows.all():
        statement = insert(CompetenceStanding).values(
            person_id=person_id, competence_id=competence_id, evidence_id=eid, activity_date=activity,
            valid_until=valid_until,
        )
        newer = tuple_(statement.excluded.activity_date, statement.excluded.evidence_id) > tuple_(
            CompetenceStanding.activity_date, CompetenceStanding.evidence_id
        )
        await db.execute(
            statement.on_conflict_do_update(
                index_elements=[CompetenceStanding.person_id, CompetenceStanding.competence_id],
                set_={
                    "evidence_id": statement.excluded.evidence_id,
                    "activity_date": statement.excluded.activity_date,
                    "valid_until": statement.excluded.valid_until,
                },
                where=newer,
            )
        )

