"""Competence status: in date, expiring soon, expired or never evidenced — worked out from verified evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Competence, Evidence
from storage.models.competence import evidence_competences

EXPIRING_WINDOW_DAYS = 30


def valid_until_for(competence: Competence, activity_date: date) -> date | None:
    """Risk-critical competences must be revalidated; others stay in date once shown."""
    if not competence.risk_critical or not competence.revalidation_months:
        return None
    return activity_date + relativedelta(months=competence.revalidation_months)


@dataclass(frozen=True, slots=True)
class CompetenceStatus:
    code: str
    title: str
    risk_critical: bool
    status: str  # "in_date" | "expiring" | "expired" | "never"
    valid_until: date | None
    last_evidence_date: date | None


def classify(valid_until: date | None, evidenced: bool, today: date) -> str:
    """Expiring means running out within the next 30 days, today and day 30 included."""
    if not evidenced:
        return "never"
    if valid_until is None:
        return "in_date"
    if valid_until < today:
        return "expired"
    if valid_until <= today + timedelta(days=EXPIRING_WINDOW_DAYS):
        return "expiring"
    return "in_date"


async def competence_status(db: AsyncSession, person_id: int, today: date) -> list[CompetenceStatus]:
    """Every active competence with the person's standing in it, worked out from competent evidence only.

    The newest competent evidence counts (latest activity date, then latest recorded), with the valid-until
    date set when it was verified; no end date means in date for good. scheduler/scan.py applies the same
    rule to everyone at once for nudges, so the two must agree.
    """
    rows = await db.execute(
        select(evidence_competences.c.competence_id, Evidence.activity_date, Evidence.valid_until)
        .join(Evidence, Evidence.id == evidence_competences.c.evidence_id)
        .where(Evidence.person_id == person_id, Evidence.status == "competent")
        .order_by(Evidence.activity_date, Evidence.id)
    )
    newest: dict[int, tuple[date, date | None]] = {}
    for competence_id, activity, valid_until in rows:
        newest[competence_id] = (activity, valid_until)  # ordered oldest first: the last one wins
    competences = await db.scalars(
        select(Competence).where(Competence.active.is_(True)).order_by(Competence.code)
    )
    result = []
    for competence in competences:
        activity, valid_until = newest.get(competence.id, (None, None))
        result.append(
            CompetenceStatus(
                code=competence.code,
                title=competence.title,
                risk_critical=competence.risk_critical,
                status=classify(valid_until, activity is not None, today),
                valid_until=valid_until,
                last_evidence_date=activity,
            )
        )
    return result
