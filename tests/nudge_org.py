"""A small fire station for the nudge tests, with hand-checked dates.

    Morgan (group manager)            gm@example.org
      ├─ Dana (watch manager)         wm@example.org
      │    ├─ Sam (firefighter)       ff1@example.org  appraisal due 2026-10-01, BA valid until 2026-12-01
      │    └─ Priya (firefighter)     ff2@example.org  appraisal due 2026-12-10, BA valid until 2027-06-01
      └─ Tom (watch manager)          wm2@example.org
           └─ Lee (firefighter)       ff3@example.org  appraisal due 2027-03-01 (nothing due)

On Monday 16 November 2026 (due-soon window to 16 December; escalation for items due before 2 November):
- Dana's digest: Sam's appraisal (overdue), Sam's BA (due soon), Priya's appraisal (due soon);
- Morgan's escalation: Sam's appraisal (46 days overdue);
- Sam's expiry reminder: BA (risk-critical, due soon);
- Tom and Lee: nothing (nothing due in Tom's team); Morgan has no digest (his reports have nothing due).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.services import Services
from handlers.nudges.rules import NudgeRules, load_rules
from storage.db import unit_of_work
from storage.models import Evidence
from storage.models.competence import evidence_competences
from storage.models.nudges import AppraisalRecord
from storage.standing import record_competent
from tests.support import add_competence, add_person

MONDAY = date(2026, 11, 16)


def rules(**overrides: object) -> NudgeRules:
    return load_rules(_env_file=None, **overrides)


def at(day: date, hour: int = 9, minute: int = 5) -> datetime:
    """A moment in UTC (the same as UK time in winter)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


async def add_evidence(services: Services, person_id: int, competence_id: int, *, activity: date,
                       valid_until: date | None, status: str = "competent") -> int:
    async with unit_of_work(services.sessions) as db:
        evidence = Evidence(person_id=person_id, kind="workplace_assessment", activity_date=activity,
                            description="Assessed at a drill", links=[], status=status, valid_until=valid_until,
                            source="test")
        db.add(evidence)
        await db.flush()
        await db.execute(evidence_competences.insert().values(evidence_id=evidence.id, competence_id=competence_id))
        await record_competent(db, evidence.id)  # as a decision or an import does
        return evidence.id


async def add_appraisal(services: Services, person_id: int, last: date, next_due: date | None = None) -> None:
    async with unit_of_work(services.sessions) as db:
        db.add(AppraisalRecord(person_id=person_id, last_appraisal_date=last, next_due_date=next_due))


async def build_station(services: Services, **patterns: str) -> dict[str, int]:
    """The station above; `patterns` gives working patterns by key (gm, wm, ff1, ...)."""
    ids: dict[str, int] = {}
    ids["gm"] = await add_person(services, "gm@example.org", "Morgan Ellis", role="group_manager",
                                 working_pattern=patterns.get("gm"))
    ids["wm"] = await add_person(services, "wm@example.org", "Dana Kowalski", role="watch_manager",
                                 manager="gm@example.org", working_pattern=patterns.get("wm"))
    ids["wm2"] = await add_person(services, "wm2@example.org", "Tom Okafor", role="watch_manager",
                                  manager="gm@example.org", working_pattern=patterns.get("wm2"))
    ids["ff1"] = await add_person(services, "ff1@example.org", "Sam Patel", manager="wm@example.org",
                                  working_pattern=patterns.get("ff1"))
    ids["ff2"] = await add_person(services, "ff2@example.org", "Priya Shah", manager="wm@example.org",
                                  working_pattern=patterns.get("ff2"))
    ids["ff3"] = await add_person(services, "ff3@example.org", "Lee Brown", manager="wm2@example.org",
                                  working_pattern=patterns.get("ff3"))
    ids["BA"] = await add_competence(services, "BA", "Breathing apparatus wearer", risk_critical=True, months=12)
    ids["FA"] = await add_competence(services, "FA", "First aid", months=36)
    await add_appraisal(services, ids["ff1"], date(2025, 10, 1))
    await add_appraisal(services, ids["ff2"], date(2025, 12, 10))
    await add_appraisal(services, ids["ff3"], date(2026, 3, 1))
    await add_evidence(services, ids["ff1"], ids["BA"], activity=date(2025, 12, 1), valid_until=date(2026, 12, 1))
    # An older assessment does not count once a newer one exists.
    await add_evidence(services, ids["ff2"], ids["BA"], activity=date(2024, 6, 1), valid_until=date(2025, 6, 1))
    await add_evidence(services, ids["ff2"], ids["BA"], activity=date(2026, 6, 1), valid_until=date(2027, 6, 1))
    # First aid without an end date stays in date.
    await add_evidence(services, ids["ff3"], ids["FA"], activity=date(2020, 1, 1), valid_until=None)
    return ids


def item(person: str, what: str, due: str, status: str) -> dict[str, str]:
    return {"person": f"{person}@example.org", "what": what, "due": due, "status": status}


MONDAY_EXPECTED = [
    {"recipient": "ff1@example.org", "kind": "expiry", "items": [item("ff1", "BA", "2026-12-01", "due_soon")]},
    {"recipient": "gm@example.org", "kind": "escalation",
     "items": [item("ff1", "appraisal", "2026-10-01", "overdue")]},
    {"recipient": "wm@example.org", "kind": "digest", "items": [
        item("ff1", "appraisal", "2026-10-01", "overdue"),
        item("ff1", "BA", "2026-12-01", "due_soon"),
        item("ff2", "appraisal", "2026-12-10", "due_soon"),
    ]},
]
