"""Learning opportunities L&D broadcast, their sessions, who was invited, who booked, attended and said what.

A booking is one row per person per opportunity (a unique key), so a double click, or two processes at
once, can never book someone twice; its `status` moves through the states below. Seats are counted under
a row lock on the session (see handlers/learning/bookings.py), and `seq` records the order people clicked
in, which is the waitlist's order. Every column that points at a person is a plain foreign key to people.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, JSONType, UTCDateTime, utcnow
from storage.models.competence import Competence

OPPORTUNITY_KINDS = ("course", "workshop", "drill", "elearning", "qualification")
APPROVALS = ("none", "line_manager")
# A booking's states. Held seats: confirmed, offered (waiting for the offeree's answer) and
# pending_approval (waiting for the manager's). The rest hold nothing.
BOOKING_STATUSES = (
    "confirmed", "waitlisted", "offered", "pending_approval", "cancelled", "declined", "lapsed", "removed",
)
HOLDS_SEAT = ("confirmed", "offered", "pending_approval")
ATTENDANCE = ("attended", "no_show")
EVALUATION_STAGES = ("after", "follow_up", "manager")

learning_competences = Table(
    "learning_competences",
    Base.metadata,
    Column("opportunity_id", ForeignKey("learning_opportunities.id", ondelete="CASCADE"), primary_key=True),
    Column("competence_id", ForeignKey("competences.id", ondelete="CASCADE"), primary_key=True),
)


class LearningOpportunity(Base):
    """A course, workshop, drill, e-learning module or qualification, with the audience it is meant for."""

    __tablename__ = "learning_opportunities"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="course")
    description: Mapped[str] = mapped_column(Text, default="")
    provider: Mapped[str] = mapped_column(String(200), default="")
    approval: Mapped[str] = mapped_column(String(20), default="none")
    link: Mapped[str | None] = mapped_column(String(1000))  # e-learning: where to take it
    complete_by: Mapped[date | None] = mapped_column(Date)  # e-learning: by when
    # The audience as L&D wrote it (normalised): see handlers/learning/audience.py.
    audience: Mapped[dict | None] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | cancelled
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    competences: Mapped[list[Competence]] = relationship(secondary=learning_competences, lazy="selectin")
    sessions: Mapped[list[LearningSession]] = relationship(
        lazy="selectin", order_by="LearningSession.number", back_populates="opportunity"
    )

    @property
    def is_elearning(self) -> bool:
        return self.kind == "elearning"


class LearningSession(Base):
    """One date of an opportunity. `number` is its number within the opportunity (1, 2, ...): the one
    people and the command line use. `next_seq` hands out click order under the session's row lock."""

    __tablename__ = "learning_sessions"
    __table_args__ = (UniqueConstraint("opportunity_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("learning_opportunities.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    venue: Mapped[str | None] = mapped_column(String(300))
    online_link: Mapped[str | None] = mapped_column(String(1000))
    capacity: Mapped[int] = mapped_column()
    booking_cutoff: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | cancelled
    next_seq: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    opportunity: Mapped[LearningOpportunity] = relationship(back_populates="sessions", lazy="raise")

    def closes_at(self) -> datetime:
        """Bookings (and people's own cancellations) close at the cut-off, or when the session starts."""
        return self.booking_cutoff or self.starts_at


class LearningBooking(Base):
    """One person's place on an opportunity: which session, in what state, where in the queue."""

    __tablename__ = "learning_bookings"
    __table_args__ = (
        UniqueConstraint("opportunity_id", "person_id"),
        Index("ix_learning_bookings_session", "session_id", "status", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("learning_opportunities.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("learning_sessions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column(default=0)  # click order within the session
    offered_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    attendance: Mapped[str | None] = mapped_column(String(20))
    attendance_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    attendance_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    evidence_ids: Mapped[list] = mapped_column(JSONType, default=list)  # the training-course entries it added
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LearningBroadcast(Base):
    """One "send" by L&D: its audience was fixed at that moment (the invitations it wrote)."""

    __tablename__ = "learning_broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("learning_opportunities.id", ondelete="CASCADE"), index=True
    )
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    deliver_from: Mapped[datetime] = mapped_column(UTCDateTime())  # now, or the time L&D chose
    audience_size: Mapped[int] = mapped_column(default=0)
    invited: Mapped[int] = mapped_column(default=0)  # new invitations (the rest were invited before)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LearningInvitation(Base):
    """A person invited to an opportunity, once: unique per opportunity and person."""

    __tablename__ = "learning_invitations"
    __table_args__ = (UniqueConstraint("opportunity_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("learning_opportunities.id", ondelete="CASCADE"))
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("learning_broadcasts.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    # Their standing in each linked competence when invited ({competence id: status}), for the gap report.
    gaps: Mapped[dict] = mapped_column(JSONType, default=dict)
    response: Mapped[str | None] = mapped_column(String(20))  # not_for_me | opened
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LearningEvaluation(Base):
    """An answer to an evaluation: right after (how useful, what you will apply), weeks later (have you used
    it at work?), or the manager's (have you seen a change?). One per booking and stage."""

    __tablename__ = "learning_evaluations"
    __table_args__ = (UniqueConstraint("booking_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("learning_bookings.id", ondelete="CASCADE"))
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("learning_opportunities.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(ForeignKey("learning_sessions.id", ondelete="SET NULL"))
    stage: Mapped[str] = mapped_column(String(20))
    respondent_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    useful: Mapped[int | None] = mapped_column()  # 1-5
    apply: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(String(20))  # follow_up: yes|partly|no; manager: yes|not_yet|unsure
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
