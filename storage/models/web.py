"""What the web console keeps: one-time sign-in links, and files uploaded for a dry run before applying.

A sign-in link's token is stored only as its SHA-256 digest, so the table cannot be used to sign in. An
upload is kept between the dry run (which shows what the file would change) and the person confirming
it, so what is applied is exactly the file that was checked, whichever server process handles the
confirmation.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow


class WebSignInLink(Base):
    __tablename__ = "web_sign_in_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_via: Mapped[str] = mapped_column(String(20), default="chat")  # chat | cli


class WebUpload(Base):
    __tablename__ = "web_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # people | competences | records | policy | pathway
    filename: Mapped[str] = mapped_column(String(300))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
