"""Development plans: pathways L&D define, the plans that assign one to a person, and what is kept about them.

A pathway is an ordered list of steps, each with a target offset from the plan's start. A plan's progress
is never ticked by hand: it is worked out from the record (verified evidence, attendance, reflections,
appraisals and the check-ins a line manager records), see handlers/plans/progress.py. A changed target
date is a new row, never an overwrite, so the reason and who changed it are kept.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, JSONType, UTCDateTime, utcnow

STEP_KINDS = ("competence", "learning", "reflection", "appraisal", "checkin")


class Pathway(Base):
    """A learning pathway, by name; `induction_role` makes it the induction for people new to that role."""

    __tablename__ = "pathways"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    induction_role: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    steps: Mapped[list[PathwayStep]] = relationship(
        lazy="selectin", order_by="PathwayStep.position", cascade="all, delete-orphan"
    )


class PathwayStep(Base):
    """One step: `kind` says what the record must show; `target` says which (a competence code, learning
    opportunities by id or title); due `offset_months` and `offset_days` after the plan's start."""

    __tablename__ = "pathway_steps"
    __table_args__ = (UniqueConstraint("pathway_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathways.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()  # 1, 2, ... in the pathway's order
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    target: Mapped[dict] = mapped_column(JSONType, default=dict)
    offset_months: Mapped[int] = mapped_column(default=0)
    offset_days: Mapped[int] = mapped_column(default=0)


class Plan(Base):
    """A pathway assigned to a person from a start date: agreed when both they and their line manager have."""

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("person_id", "pathway_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathways.id", ondelete="CASCADE"), index=True)
    start_on: Mapped[date] = mapped_column(Date)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    assigned_via: Mapped[str] = mapped_column(String(20), default="chat")  # chat | cli | import | sample
    agreed_by_person_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    agreed_by_manager_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    agreed_manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    pathway: Mapped[Pathway] = relationship(lazy="selectin")

    @property
    def agreed(self) -> bool:
        return self.agreed_by_person_at is not None and self.agreed_by_manager_at is not None


class PlanStepDate(Base):
    """A step's target date changed, with the reason: the newest row for a step is its target; none are
    overwritten."""

    __tablename__ = "plan_step_dates"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("pathway_steps.id", ondelete="CASCADE"))
    target_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlanCheckin(Base):
    """A check-in with the line manager took place: the record a plan's check-in steps are read from."""

    __tablename__ = "plan_checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
