"""What the learning unit holds about a person: their places on courses (and whether they came), the
invitations sent to them, their answers to evaluations and their line manager's answer about them — and,
for L&D and managers, what they did about other people's (opportunities created, invitations sent, people
booked, attendance recorded, approvals).

Erasure deletes what is theirs, after their places on sessions still to come have gone to the next person
waiting (handlers.learning.bookings.release_leaver); whether they attended is kept only as an anonymous
count (station and year). What they did about others stays, without them. Other people's answers and the
opportunities' own words lose their name wherever it appears (an audience naming them by email, too).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Moment
from bot.personal_data import AuditTrail, Erase, Holding, Holdings, Link, Subject, by_you
from storage.models import Person
from storage.models.learning import LearningBooking, LearningSession
from storage.tallies import add_to_tallies, tally_key


async def count_attendance(db: AsyncSession, subject: Subject, at: Moment) -> dict[str, int]:
    """That they attended (or did not come to) a session, where they worked and in which year."""
    rows = await db.execute(
        select(LearningBooking.attendance, func.coalesce(LearningSession.starts_at, LearningBooking.attendance_at),
               Person.station)
        .join(Person, Person.id == LearningBooking.person_id)
        .outerjoin(LearningSession, LearningSession.id == LearningBooking.session_id)
        .where(LearningBooking.person_id == subject.id, LearningBooking.attendance.is_not(None))
    )
    counted = await add_to_tallies(db, (
        tally_key("learning_attendance", when.year, station, "", attendance)
        for attendance, when, station in rows if when is not None
    ))
    return {"course attendances": counted}


def answers_about(table: Table, subject: Subject) -> ColumnElement[bool]:
    """Evaluations of the person's own bookings given by someone else (their line manager's "seen a change?")."""
    theirs = select(LearningBooking.id).where(LearningBooking.person_id == subject.id)
    return and_(table.c.booking_id.in_(theirs), table.c.respondent_id != subject.id)


HOLDS = Holdings(
    owner="learning",
    tables=(
        Holding(
            "learning_bookings", "Your places on courses",
            links=(
                Link("yours", Erase.DELETE, column="person_id", columns=(
                    "opportunity_id", "session_id", "status", "offered_until", "attendance", "attendance_at",
                    "created_at", "updated_at")),
                by_you("booked by you (for yourself or someone else)", "booked_by_id",
                        "opportunity_id", "person_id", "status", "created_at"),
                by_you("waiting for, or decided by, your approval", "approver_id",
                        "opportunity_id", "person_id", "status"),
                by_you("attendance recorded by you", "attendance_by_id",
                        "opportunity_id", "person_id", "attendance", "attendance_at"),
            ),
            # Audit entries of a booking and of its evaluations carry the booking's id.
            audit=(AuditTrail("learning_booking"), AuditTrail("learning_evaluation")),
            before_erase="handlers.learning.holds:count_attendance",
        ),
        Holding(
            "learning_evaluations", "Your answers to course evaluations",
            links=(
                Link("your answers (as an attendee, or as a line manager)", Erase.DELETE, column="respondent_id",
                     columns=("opportunity_id", "stage", "useful", "apply", "comment", "answer", "answered_at")),
                Link("your line manager's answer about you", Erase.DELETE, where="handlers.learning.holds:answers_about",
                     columns=("opportunity_id", "stage", "answer", "answered_at")),
            ),
            scrub=("apply", "comment"),
        ),
        Holding(
            "learning_invitations", "Learning opportunities sent to you",
            links=(Link("sent to you", Erase.DELETE, column="person_id",
                        columns=("opportunity_id", "gaps", "response", "responded_at", "created_at")),),
            audit=(AuditTrail("learning_invitation"),),
        ),
        Holding(
            "learning_broadcasts", "Learning opportunities you sent",
            links=(by_you("sent by you", "sent_by_id", "opportunity_id", "deliver_from", "audience_size", "invited",
                           "created_at"),),
        ),
        Holding(
            "learning_opportunities", "Learning opportunities you created",
            links=(by_you("created by you", "created_by_id", "id", "title", "kind", "status", "created_at"),),
            scrub=("title", "description", "provider", "audience"),
        ),
    ),
)
