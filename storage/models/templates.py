"""Every saved wording of a response template, kept: who changed it, when, and to what.

`template_overrides` holds the wording in use now (one row per changed template); each save, rollback
and reset also adds a `template_versions` row, so the history can be read, compared and rolled back to,
and every `ldbot serve` process sees that something changed from the newest version's id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow

VERSION_ACTIONS = ("saved", "rolled_back", "reset")


class TemplateVersion(Base):
    __tablename__ = "template_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    # The wording from this version on; None when the template went back to the shipped text (a reset).
    source: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(20))  # saved | rolled_back | reset
    # For a rollback: the version whose wording was brought back.
    restores_id: Mapped[int | None] = mapped_column(ForeignKey("template_versions.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
