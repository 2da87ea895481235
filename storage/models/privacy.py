"""What erasure and retention keep: anonymous counts, never a person.

When a person's records are erased (on request, or when a leaver's retention period ends) the service
still has to be able to say that, for example, a breathing-apparatus assessment took place at Ashby in
2026 and was judged competent. Those facts are added to a tally per kind, year, station and detail; the
rows they came from are deleted.
"""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base

TALLY_KINDS = ("competence_assessment", "appraisal", "reflection", "learning_attendance", "plan_completed")


class AnonymousTally(Base):
    """How many of something happened in a year at a station, after the records themselves were erased."""

    __tablename__ = "anonymous_tallies"
    __table_args__ = (UniqueConstraint("kind", "year", "station", "competence", "outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column()
    # "" rather than NULL where unknown, so the unique key holds (NULLs never clash).
    station: Mapped[str] = mapped_column(String(120), default="")
    competence: Mapped[str] = mapped_column(String(60), default="")
    outcome: Mapped[str] = mapped_column(String(30), default="")
    count: Mapped[int] = mapped_column(default=0)
