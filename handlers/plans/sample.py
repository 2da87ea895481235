"""The sample service's two pathways (handlers/plans/sample/) and a couple of plans, so `make demo` shows
"my plan": Alex Morgan four months into trainee firefighter development (agreed, a step behind), and Sam
Patel a month into the new crew manager induction (waiting for both to agree). Idempotent by name."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Moment
from handlers.plans import usecases as uc
from handlers.plans.spec import load_spec, parse_spec
from storage.db import unit_of_work
from storage.models import Person
from storage.models.plans import Pathway, PlanCheckin

SAMPLE_PATHWAYS = Path(__file__).with_name("sample")
DOMAIN = "northvale-fire.example"
# (who, pathway, days since it started, agreed by both)
PLANS = (
    ("alex.morgan", "Trainee firefighter development", 120, True),
    ("sam.patel", "New crew manager induction", 30, False),
)


async def load_sample_plans(sessions: async_sessionmaker[AsyncSession], at: Moment,
                            *, folder: Path = SAMPLE_PATHWAYS) -> int:
    """Add the sample pathways not there yet, and their sample plans; how many pathways were added."""
    added = 0
    for path in sorted(folder.glob("*.yaml")):
        spec = parse_spec(load_spec(path))
        async with unit_of_work(sessions) as db:
            if await db.scalar(select(Pathway.id).where(Pathway.name == spec.name)) is not None:
                continue
            pathway = (await uc.add_pathway(db, None, at, spec=spec)).pathway
            added += 1
            for who, name, days, agreed in PLANS:
                person = await db.scalar(select(Person).where(Person.email == f"{who}@{DOMAIN}"))
                if name != pathway.name or person is None or not person.active:
                    continue
                start = at.today - timedelta(days=days)
                # Sample data: nobody is sent a message about it.
                plan = (await uc.assign_plan(db, None, at, person=person, pathway=pathway, start=start,
                                             via="sample")).plan
                if agreed:
                    plan.agreed_by_person_at = plan.agreed_by_manager_at = at.now
                    plan.agreed_manager_id = person.line_manager_id
                    db.add(PlanCheckin(plan_id=plan.id, held_on=start + timedelta(days=7),
                                       recorded_by_id=person.line_manager_id, created_at=at.now))
    return added
