"""The competence framework, and the reflections and evidence staff record against it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, JSONType, UTCDateTime, utcnow

EVIDENCE_KINDS = {
    "observed": "Observed at work",
    "simulated": "Simulated exercise",
    "real_incident": "Real incident",
    "training_course": "Training course",
    "qualification": "Qualification",
    "prior_learning": "Prior learning (RPL)",
    "workplace_assessment": "Workplace assessment",
}
EVIDENCE_STATUSES = ("submitted", "competent", "not_yet_competent", "insufficient_evidence", "withdrawn")
DECISIONS = ("competent", "not_yet_competent", "insufficient_evidence")


class Competence(Base):
    __tablename__ = "competences"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    risk_critical: Mapped[bool] = mapped_column(default=False)
    revalidation_months: Mapped[int | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)


reflection_competences = Table(
    "reflection_competences",
    Base.metadata,
    Column("reflection_id", ForeignKey("reflections.id", ondelete="CASCADE"), primary_key=True),
    Column("competence_id", ForeignKey("competences.id", ondelete="CASCADE"), primary_key=True),
)

evidence_competences = Table(
    "evidence_competences",
    Base.metadata,
    Column("evidence_id", ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True),
    Column("competence_id", ForeignKey("competences.id", ondelete="CASCADE"), primary_key=True),
)


class Reflection(Base):
    """A CPD reflection: private to its author unless they share it with their line manager."""

    __tablename__ = "reflections"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    what_happened: Mapped[str] = mapped_column(Text)
    so_what: Mapped[str] = mapped_column(Text, default="")
    now_what: Mapped[str] = mapped_column(Text, default="")
    by_when: Mapped[date | None] = mapped_column(Date)
    cpd_hours: Mapped[float | None] = mapped_column(Numeric(5, 2, asdecimal=False))
    shared_with_manager: Mapped[bool] = mapped_column(default=False)
    # Sharing is with a person: the line manager at the time. Someone who becomes the line manager later
    # reads nothing until the author shares again (they are asked).
    shared_with_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    share_summary: Mapped[str | None] = mapped_column(Text)
    deleted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    competences: Mapped[list[Competence]] = relationship(secondary=reflection_competences, lazy="selectin")


class Evidence(Base):
    """Competence evidence submitted for verification by the line manager or an assessor."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    activity_date: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    links: Mapped[list] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(30), default="submitted", index=True)
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    feedback: Mapped[str | None] = mapped_column(Text)
    valid_until: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(30), default="chat")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    competences: Mapped[list[Competence]] = relationship(secondary=evidence_competences, lazy="selectin")


class CompetenceStanding(Base):
    """A person's standing in one competence: their newest competent evidence and when it runs out.

    Derived from `evidence` and kept up to date by storage.standing whenever evidence is judged competent
    (decided or imported), so the daily nudge scan reads one row per person and competence rather than
    working the newest evidence out of years of history.
    """

    __tablename__ = "competence_standings"
    # The web console's overview counts standings per competence and finds those running out (migration 0009).
    __table_args__ = (
        Index("ix_competence_standings_competence_valid", "competence_id", "valid_until", "person_id"),
    )

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    competence_id: Mapped[int] = mapped_column(ForeignKey("competences.id", ondelete="CASCADE"), primary_key=True)
    # Indexed so deleting evidence (erasure) finds its standing without reading every standing.
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    activity_date: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
