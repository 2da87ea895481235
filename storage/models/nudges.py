"""What nudges need to remember: appraisal history, bookings, snoozes, "done" marks, and what was sent.

An item is something a line manager keeps in date for one person: their appraisal (`"appraisal"`) or one
competence (`"competence:<id>"`). Unique keys on what was sent make "each nudge once" a database
guarantee, however many schedulers share the database.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow

APPRAISAL = "appraisal"
NUDGE_KINDS = ("digest", "escalation", "expiry", "handover")


def competence_item(competence_id: int) -> str:
    return f"competence:{competence_id}"


def item_competence_id(item: str) -> int | None:
    """The competence id in an item key, or None for the appraisal."""
    kind, _, rest = item.partition(":")
    return int(rest) if kind == "competence" and rest.isdigit() else None


class AppraisalRecord(Base):
    """A person's last appraisal (IPDR/PDR); `next_due_date` overrides the usual interval when set."""

    __tablename__ = "appraisal_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    last_appraisal_date: Mapped[date] = mapped_column(Date)
    next_due_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(30), default="import")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class AssessmentBooking(Base):
    """A workplace assessment booked for a date; the competence is not chased until the day after it."""

    __tablename__ = "assessment_bookings"
    __table_args__ = (UniqueConstraint("person_id", "competence_id", "booked_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    competence_id: Mapped[int] = mapped_column(ForeignKey("competences.id", ondelete="CASCADE"))
    booked_for: Mapped[date] = mapped_column(Date)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NudgeSnooze(Base):
    """"Not until this date" for one item (never "forever")."""

    __tablename__ = "nudge_snoozes"
    __table_args__ = (UniqueConstraint("person_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(String(60))
    until: Mapped[date] = mapped_column(Date)
    snoozed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NudgeDone(Base):
    """A manager said this item, due on this date, is dealt with: it is never chased again for that date."""

    __tablename__ = "nudge_done"
    __table_args__ = (UniqueConstraint("person_id", "item", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(String(60))
    due_date: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date] = mapped_column(Date)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NudgeSend(Base):
    """One nudge message decided for a recipient, kind and period (an ISO week for digests, else a day)."""

    __tablename__ = "nudge_sends"
    __table_args__ = (UniqueConstraint("recipient_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(40))
    on_day: Mapped[date] = mapped_column(Date, index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_messages.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NudgeItemNotice(Base):
    """An item told about once (an escalation, an expiry reminder, a hand-over): `key` is unique."""

    __tablename__ = "nudge_item_notices"
    __table_args__ = (Index("ix_nudge_item_notices_due", "kind", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    send_id: Mapped[int] = mapped_column(ForeignKey("nudge_sends.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(String(60))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))


class ItemOwner(Base):
    """Which line manager looks after a person's items, as last seen by the scan (to notice a change)."""

    __tablename__ = "item_owners"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    since: Mapped[date] = mapped_column(Date)
