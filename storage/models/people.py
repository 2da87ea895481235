"""People, their roles and line management, and the platform accounts that map to them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, JSONType, UTCDateTime, utcnow

ROLES = (
    "firefighter",
    "crew_manager",
    "watch_manager",
    "station_manager",
    "group_manager",
    "police_officer",
    "police_staff",
    "sergeant",
    "inspector",
    "assessor",
    "ld",
    "admin",
    "staff",
)
# Roles that may verify anyone's evidence and see anyone's record (besides the line manager).
VERIFIER_ROLES = frozenset({"assessor", "admin"})


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40), default="staff")
    team: Mapped[str | None] = mapped_column(String(120))
    station: Mapped[str | None] = mapped_column(String(120))
    line_manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    working_pattern: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # The day they left (or will leave) the service; retention periods for leavers count from it.
    # A future date leaves them active until that day; rejoining clears it.
    left_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    line_manager: Mapped[Person | None] = relationship(remote_side="Person.id", lazy="raise")

    @property
    def is_verifier(self) -> bool:
        return self.role in VERIFIER_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_ld(self) -> bool:
        return self.role in {"ld", "admin"}


class PlatformIdentity(Base):
    """Which Slack/Teams/console account is which person; found once, then cached here."""

    __tablename__ = "platform_identities"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    platform_user_id: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConversationRef(Base):
    """Where the bot can reach a person first (a Teams conversation reference, a Slack DM channel)."""

    __tablename__ = "conversation_refs"
    __table_args__ = (UniqueConstraint("platform", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    reference: Mapped[dict] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ConsoleChoice(Base):
    """A numbered choice the console showed a person (a button, a list entry): numbers only ever grow, so an
    old number on the screen still means what it meant, also after the chat is closed and opened again."""

    __tablename__ = "console_choices"
    __table_args__ = (UniqueConstraint("person_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    action_id: Mapped[str] = mapped_column(String(300))
    value: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProcessedEvent(Base):
    """Platform event ids already handled, so a retried delivery is processed once (across processes)."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    note: Mapped[str | None] = mapped_column(Text)
