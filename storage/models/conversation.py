"""Dialog state, the outbox of messages the bot starts, template overrides and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, JSONType, UTCDateTime, utcnow


class DialogState(Base):
    """Where a user is in a multi-turn dialog; one row per (platform, conversation, user)."""

    __tablename__ = "dialog_states"
    __table_args__ = (UniqueConstraint("platform", "conversation_id", "platform_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    conversation_id: Mapped[str] = mapped_column(String(200))
    platform_user_id: Mapped[str] = mapped_column(String(200))
    dialog: Mapped[str] = mapped_column(String(80))
    step: Mapped[str] = mapped_column(String(80))
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


OUTBOX_STATUSES = ("pending", "delivered", "parked", "cancelled", "dropped")


class OutgoingMessage(Base):
    """A message the bot starts, written in the same transaction as the change that caused it.

    It is rendered at delivery time for the recipient's platform (so user text is escaped for the
    place it is shown). `dedupe_key` makes "send once" a database guarantee. `platform` is where it was
    delivered, or, set from the start, the only platform it may go to: a reply held back from a turn is
    stored already rendered for that platform (see scheduler.outbox.hold_replies).
    """

    __tablename__ = "outgoing_messages"
    __table_args__ = (Index("ix_outgoing_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    template: Mapped[str] = mapped_column(String(120))
    context: Mapped[dict] = mapped_column(JSONType, default=dict)
    elements: Mapped[dict] = mapped_column(JSONType, default=dict)
    kind: Mapped[str] = mapped_column(String(40), default="notice")
    dedupe_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    platform: Mapped[str | None] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Which sender's claim this is: a sender's final update must match it, so one whose lease ran out and
    # was re-claimed by another can never mark (or send) the message again.
    claim_token: Mapped[str | None] = mapped_column(String(36), index=True)
    # Times the platform said "too many requests": waited out, never counted as a failed attempt.
    deferrals: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxLeader(Base):
    """Which process's sender is sending now: one at a time, so the platforms' rate limits hold however
    many `ldbot serve` processes share the database. A lease, taken over when it runs out."""

    __tablename__ = "outbox_leader"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TemplateOverride(Base):
    """An admin's replacement for a shipped response template."""

    __tablename__ = "template_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    source: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class AuditEvent(Base):
    """Who changed which record, how, and when. Field names only: never the text of a record."""

    __tablename__ = "audit_events"
    # Entries about one record (a person's access log, their export and erasure) and by one person.
    __table_args__ = (Index("ix_audit_events_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSONType, default=dict)
