"""What the nudges unit holds about a person: their last appraisal, assessments booked, snoozes and "done"
marks on their items, the reminders sent to them and who looks after their items — and, for a manager,
what they did about other people's.

Erasure deletes what is about them (keeping that an appraisal took place, by station and year, as a count)
and leaves what they did about others without their name.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Moment
from bot.personal_data import AuditTrail, Erase, Holding, Holdings, Link, Subject, by_you
from storage.models import Person
from storage.models.nudges import AppraisalRecord
from storage.tallies import add_to_tallies, tally_key


async def count_appraisals(db: AsyncSession, subject: Subject, at: Moment) -> dict[str, int]:
    rows = await db.execute(
        select(AppraisalRecord.last_appraisal_date, Person.station)
        .join(Person, Person.id == AppraisalRecord.person_id)
        .where(AppraisalRecord.person_id == subject.id)
    )
    counted = await add_to_tallies(db, (tally_key("appraisal", day.year, station) for day, station in rows))
    return {"appraisals": counted}


def _by_you(column: str, *shown: str) -> Link:
    return by_you("by you, about someone else", column, *shown)


HOLDS = Holdings(
    owner="nudges",
    tables=(
        Holding(
            "appraisal_records", "Your last appraisal (IPDR)",
            links=(Link("yours", Erase.DELETE, column="person_id", columns=(
                "last_appraisal_date", "next_due_date", "source", "updated_at")),
                   _by_you("updated_by_id", "person_id", "updated_at")),
            audit=(AuditTrail("appraisal", key="person_id"),),
            before_erase="handlers.nudges.holds:count_appraisals",
        ),
        Holding(
            "assessment_bookings", "Workplace assessments booked",
            links=(Link("for you", Erase.DELETE, column="person_id", columns=("competence_id", "booked_for", "created_at")),
                   _by_you("booked_by_id", "person_id", "booked_for", "created_at")),
            audit=(AuditTrail("assessment_booking"),),
        ),
        Holding(
            "nudge_snoozes", "Reminders snoozed",
            links=(Link("about you", Erase.DELETE, column="person_id", columns=("item", "until", "created_at")),
                   _by_you("snoozed_by_id", "person_id", "item", "until")),
        ),
        Holding(
            "nudge_done", "Reminders marked done",
            links=(Link("about you", Erase.DELETE, column="person_id", columns=("item", "due_date", "done_on")),
                   _by_you("done_by_id", "person_id", "item", "done_on")),
        ),
        Holding(
            "nudge_sends", "Reminders sent to you",
            links=(Link("sent to you", Erase.DELETE, column="recipient_id", columns=("kind", "period", "on_day")),),
        ),
        Holding(
            "nudge_item_notices", "Reminders that named you",
            links=(Link("about you", Erase.DELETE, column="person_id", columns=("kind", "item", "due_date", "status")),),
        ),
        Holding(
            "item_owners", "Who looks after your reminders",
            links=(Link("yours", Erase.DELETE, column="person_id", columns=("manager_id", "since")),
                   Link("people whose reminders you look after", Erase.DETACH, column="manager_id",
                        columns=("person_id", "since"))),
        ),
    ),
)
