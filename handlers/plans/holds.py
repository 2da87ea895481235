"""What the plans unit holds about a person: their development plans (with when they and their line manager
agreed, and when they were completed), the target dates changed on them and why, the check-ins recorded —
and, for L&D and managers, the plans they gave, agreed, changed or checked in on for other people, and the
pathways they wrote.

Erasure deletes the person's plans (their dates and check-ins go with them) and keeps only how many plans
were completed, by station, pathway and year, as a count; what they did about other people's plans stays, without
them. A reason someone else wrote that names them loses the name.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Moment
from bot.personal_data import AuditTrail, Erase, Holding, Holdings, Link, Subject, by_you
from storage.models import Person
from storage.models.plans import Pathway, Plan
from storage.tallies import add_to_tallies, tally_key


async def count_completed(db: AsyncSession, subject: Subject, at: Moment) -> dict[str, int]:
    rows = await db.execute(
        select(Plan.completed_at, Pathway.name, Person.station)
        .join(Pathway, Pathway.id == Plan.pathway_id)
        .join(Person, Person.id == Plan.person_id)
        .where(Plan.person_id == subject.id, Plan.completed_at.is_not(None))
    )
    # The pathway's name goes where a competence code would (its first 60 characters).
    counted = await add_to_tallies(db, (
        tally_key("plan_completed", when.year, station, name) for when, name, station in rows))
    return {"development plans completed": counted}


def on_your_plans(table: Table, subject: Subject) -> ColumnElement[bool]:
    """Date changes and check-ins on the person's own plans, whoever made them."""
    return table.c.plan_id.in_(select(Plan.id).where(Plan.person_id == subject.id))


HOLDS = Holdings(
    owner="plans",
    tables=(
        Holding(
            "plans", "Your development plans",
            links=(
                Link("yours", Erase.DELETE, column="person_id", columns=(
                    "id", "pathway_id", "start_on", "assigned_via", "agreed_by_person_at", "agreed_by_manager_at",
                    "completed_at", "created_at")),
                by_you("assigned by you", "assigned_by_id", "id", "person_id", "pathway_id", "start_on"),
                by_you("agreed by you as line manager", "agreed_manager_id", "id", "person_id",
                        "agreed_by_manager_at"),
            ),
            audit=(AuditTrail("plan"),),
            before_erase="handlers.plans.holds:count_completed",
        ),
        Holding(
            "plan_step_dates", "Target dates changed on development plans",
            links=(Link("on your plans", Erase.DELETE, where="handlers.plans.holds:on_your_plans",
                        columns=("plan_id", "step_id", "target_on", "reason", "created_at")),
                   by_you("changed by you", "changed_by_id", "plan_id", "step_id", "target_on", "reason",
                           "created_at")),
            scrub=("reason",),
        ),
        Holding(
            "plan_checkins", "Check-ins recorded on development plans",
            links=(Link("on your plans", Erase.DELETE, where="handlers.plans.holds:on_your_plans",
                        columns=("plan_id", "held_on", "created_at")),
                   by_you("recorded by you", "recorded_by_id", "plan_id", "held_on", "created_at")),
        ),
        Holding(
            "pathways", "Learning pathways you wrote",
            links=(by_you("written by you", "created_by_id", "id", "name", "created_at"),),
        ),
    ),
)
