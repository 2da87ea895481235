"""Policy documents, their sections, and what staff asked about them.

Only `PolicySection` rows are ever searched or quoted; an older version of a document lives on as a
`PolicyDocumentVersion` snapshot (history for audit, never served). The full-text index over sections is
kept outside the ORM: an FTS5 table with triggers on SQLite, a generated tsvector column with a GIN index on
PostgreSQL (see migration 0002).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, JSONType, UTCDateTime, utcnow


class PolicyDocument(Base):
    """The current version of one document; `key` (from its title) makes a re-import replace it."""

    __tablename__ = "policy_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    version: Mapped[str | None] = mapped_column(String(40))
    published_on: Mapped[date | None] = mapped_column(Date)
    review_on: Mapped[date | None] = mapped_column(Date)
    source_url: Mapped[str | None] = mapped_column(String(1000))
    source_name: Mapped[str] = mapped_column(String(300))
    format: Mapped[str] = mapped_column(String(20))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    sections: Mapped[list[PolicySection]] = relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True,
        order_by="PolicySection.position", lazy="raise",
    )


class PolicyDocumentVersion(Base):
    """A superseded version of a document, kept whole as history; never searched."""

    __tablename__ = "policy_document_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_key: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(String(300))
    version: Mapped[str | None] = mapped_column(String(40))
    published_on: Mapped[date | None] = mapped_column(Date)
    review_on: Mapped[date | None] = mapped_column(Date)
    source_url: Mapped[str | None] = mapped_column(String(1000))
    source_name: Mapped[str] = mapped_column(String(300))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    superseded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Why superseded: "reimported" or "removed".
    reason: Mapped[str] = mapped_column(String(20), default="reimported")
    sections: Mapped[list] = mapped_column(JSONType, default=list)


class PolicySection(Base):
    """One section as the document structures it: "4.6 Maintaining Skills" and its text, bullets included.

    `search_*` columns hold folded text (one spelling, "L&D" as one word) that the database's full-text
    engine indexes; `stems` holds the Snowball stems of heading|context|body for re-scoring in Python.
    """

    __tablename__ = "policy_sections"
    # Ids are never reused (SQLite would otherwise), so (count, max id) tells the search cache what changed.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("policy_documents.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    number: Mapped[str | None] = mapped_column(String(40))
    heading: Mapped[str] = mapped_column(String(300))
    level: Mapped[int] = mapped_column(default=1)
    path: Mapped[str] = mapped_column(String(600), default="")
    body: Mapped[str] = mapped_column(Text)
    search_heading: Mapped[str] = mapped_column(Text, default="")
    search_context: Mapped[str] = mapped_column(Text, default="")
    search_body: Mapped[str] = mapped_column(Text, default="")
    stems: Mapped[str] = mapped_column(Text, default="")

    document: Mapped[PolicyDocument] = relationship(back_populates="sections", lazy="raise")

    @property
    def label(self) -> str:
        return f"{self.number} {self.heading}" if self.number else self.heading


class PolicySynonym(Base):
    """A word or phrase that means the same as another ("boss" ~ "line manager"); the L&D team adds these."""

    __tablename__ = "policy_synonyms"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(120), unique=True)
    means: Mapped[str] = mapped_column(String(300))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PolicyQuestion(Base):
    """Every question asked, so the L&D team can see what was not answered (and what was, from where)."""

    __tablename__ = "policy_questions"
    __table_args__ = (Index("ix_policy_questions_answered", "answered", "asked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    text: Mapped[str] = mapped_column(Text)
    # The question's canonical concepts (stems and synonym groups), for grouping similar questions.
    concepts: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(20), default="chat")
    answered: Mapped[bool] = mapped_column(default=False)
    confident: Mapped[bool] = mapped_column(default=False)
    # Clearly outside learning and development ("who won the football"): counted apart, never a gap.
    off_topic: Mapped[bool] = mapped_column(default=False, server_default=false())
    score: Mapped[float] = mapped_column(Float, default=0.0)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("policy_sections.id", ondelete="SET NULL"))
    # Kept as text so the log still says what was cited after the document is re-imported or removed.
    cited: Mapped[str | None] = mapped_column(String(700))
    standard_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("policy_standard_answers.id", ondelete="SET NULL")
    )


class PolicyFeedback(Base):
    """A helpful / not helpful click, with the question and the section that was cited."""

    __tablename__ = "policy_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("policy_questions.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    helpful: Mapped[bool] = mapped_column()
    section_id: Mapped[int | None] = mapped_column(ForeignKey("policy_sections.id", ondelete="SET NULL"))
    cited: Mapped[str | None] = mapped_column(String(700))
    standard_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("policy_standard_answers.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PolicyHandoff(Base):
    """A question handed to the L&D team; `id` is the number they reply to ("reply 12: ...")."""

    __tablename__ = "policy_handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("policy_questions.id", ondelete="CASCADE"), unique=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    # What the asker added for the L&D team (shown back to them before it was sent).
    detail: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | answered
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    standard_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("policy_standard_answers.id", ondelete="SET NULL")
    )


class PolicyStandardAnswer(Base):
    """An L&D team member's answer, served (with author and date) when a similar question comes again."""

    __tablename__ = "policy_standard_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    concepts: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)
