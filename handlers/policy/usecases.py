"""Policy questions answered from the service's own documents, and the loop that closes the gaps.

`ask` is the one code path for a question, whoever asks it: chat, `ldbot ask`, the web console's "test a
question" box. Feedback, hand-offs to the L&D team, their replies and standard answers follow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.access import Act
from bot.clock import Moment
from bot.usecase import Refused, Result, require
from scheduler.outbox import Notice
from storage.audit import record_audit
from storage.models import Person
from storage.policy.answer import Answer, answer_question, question_signature
from storage.policy.importer import (
    DocumentInfo,
    EmptyDocument,
    ImportResult,
    import_bytes,
    list_documents,
    remove_document,
)
from storage.policy.models import (
    PolicyDocument,
    PolicyDocumentVersion,
    PolicyFeedback,
    PolicyHandoff,
    PolicyQuestion,
    PolicySection,
    PolicyStandardAnswer,
    PolicySynonym,
)
from storage.policy.parse import ParsedDocument, UnsupportedFormat, parse_bytes
from storage.policy.report import QuestionGroup, unanswered_groups
from storage.policy.synonyms import DEFAULT_GROUPS


@dataclass
class Asked(Result):
    answer: Answer
    manager: str  # the asker's line manager's name, for "ask them" when nothing was found

    def presentation(self, *, in_chat: bool = True) -> tuple[str, dict[str, Any]]:
        """The template and context that say this answer; chat and the command line share the answers and
        differ only where chat can offer more (a hand-off button) or say "I didn't understand"."""
        answer = self.answer
        if answer.vague:
            return ("core.unknown_command", {}) if in_chat else ("policy.too_vague", {})
        if answer.off_topic:
            return "policy.off_topic", {}
        context = answer_context(answer)
        if answer.standard is not None:
            return "policy.standard_answer", context
        if answer.confident:
            return "policy.answer", context
        return ("policy.no_answer", {"manager": self.manager}) if in_chat else ("policy.cli_no_answer", {})


def answer_context(result: Answer) -> dict[str, Any]:
    return {
        "question": result.question,
        "quote": result.quote,
        "citation": result.best.as_context() if result.best else None,
        "see_also": [c.as_context() for c in result.see_also],
        "standard": (
            {"answer": result.standard.text, "author": result.standard.author,
             "date": result.standard.created.isoformat()}
            if result.standard else None
        ),
    }


async def ask(
    db: AsyncSession, actor: Person | None, at: Moment, *, question: str, channel: str, record: bool = True
) -> Asked:
    """Answer a question. `actor` None is the command line's operator; `record` logs the question."""
    if actor is not None and not await access.may(db, actor, Act.ASK_POLICY):
        raise Refused("not_allowed")
    if not question.strip():
        raise Refused("empty")
    answer = await answer_question(
        db, question, today=at.today, now=at.now, person_id=actor.id if actor else None, channel=channel,
        record=record,
    )
    manager = ""
    if actor is not None and actor.line_manager_id is not None and not answer.answered:
        boss = await db.get(Person, actor.line_manager_id)
        manager = boss.name if boss is not None and boss.active else ""
    return Asked(answer, manager)


async def own_question(db: AsyncSession, actor: Person, question_id: int) -> PolicyQuestion:
    return await _own_question(db, actor, question_id)


async def _own_question(db: AsyncSession, actor: Person, question_id: int) -> PolicyQuestion:
    question = await db.get(PolicyQuestion, question_id)
    if question is None or question.person_id != actor.id:
        raise Refused("stale")
    return question


@dataclass
class FeedbackGiven(Result):
    question: PolicyQuestion
    helpful: bool


async def give_feedback(db: AsyncSession, actor: Person, at: Moment, *, question_id: int, helpful: bool) -> FeedbackGiven:
    question = await _own_question(db, actor, question_id)
    if await db.scalar(select(PolicyFeedback.id).where(PolicyFeedback.question_id == question.id)):
        raise Refused("already")
    db.add(
        PolicyFeedback(
            question_id=question.id, person_id=actor.id, helpful=helpful, section_id=question.section_id,
            cited=question.cited, standard_answer_id=question.standard_answer_id, at=at.now,
        )
    )
    await db.flush()
    return FeedbackGiven(question, helpful)


async def ld_team(db: AsyncSession) -> list[Person]:
    """Who answers hand-offs: the L&D team, or the admins where there is no L&D team yet."""
    for role in ("ld", "admin"):
        people = list(await db.scalars(select(Person).where(Person.role == role, Person.active.is_(True))))
        if people:
            return people
    return []


@dataclass
class HandedOff(Result):
    handoff: PolicyHandoff


MAX_DETAIL = 1000


async def hand_off(db: AsyncSession, actor: Person, at: Moment, *, question_id: int, detail: str = "") -> HandedOff:
    question = await _own_question(db, actor, question_id)
    detail = detail.strip()
    if len(detail) > MAX_DETAIL:
        raise Refused("too_long", limit=MAX_DETAIL)
    existing = await db.scalar(select(PolicyHandoff).where(PolicyHandoff.question_id == question.id))
    if existing is not None:
        raise Refused("already", number=existing.id)
    team = await ld_team(db)
    if not team:
        raise Refused("no_team")
    handoff = PolicyHandoff(question_id=question.id, asker_id=actor.id, detail=detail or None, created_at=at.now)
    db.add(handoff)
    await db.flush()
    context = {"number": handoff.id, "asker": actor.name, "question": question.text, "cited": question.cited or "",
               "detail": detail}
    record_audit(db, actor.id, "policy_handoff", handoff.id, "create", now=at.now, question=question.id, team=len(team))
    return HandedOff(handoff, notices=[
        Notice(member.id, "policy.handoff_notice", context, kind="policy_handoff",
               dedupe_key=f"policy.handoff:{handoff.id}:{member.id}")
        for member in team
    ])


@dataclass
class Replied(Result):
    handoff: PolicyHandoff
    asker: Person | None


async def reply_to_handoff(db: AsyncSession, actor: Person, at: Moment, *, handoff_id: int, text: str) -> Replied:
    await require(db, actor, Act.ANSWER_HANDOFFS)
    handoff = await db.get(PolicyHandoff, handoff_id)
    if handoff is None:
        raise Refused("not_found", number=handoff_id)
    question = await db.get(PolicyQuestion, handoff.question_id)
    asker = await db.get(Person, handoff.asker_id)
    text = text.strip()
    handoff.answer, handoff.answered_by_id, handoff.answered_at, handoff.status = text, actor.id, at.now, "answered"
    record_audit(db, actor.id, "policy_handoff", handoff.id, "answer", now=at.now)
    notice = Notice(
        handoff.asker_id,
        "policy.handoff_answer",
        {"question": question.text if question else "", "answer": text, "author": actor.name,
         "date": at.today.isoformat()},
        kind="policy_answer",
    )
    return Replied(handoff, asker, notices=[notice])


@dataclass
class StandardSaved(Result):
    standard: PolicyStandardAnswer


async def save_standard_answer(db: AsyncSession, actor: Person, at: Moment, *, handoff_id: int) -> StandardSaved:
    await require(db, actor, Act.ANSWER_HANDOFFS)
    handoff = await db.get(PolicyHandoff, handoff_id)
    if handoff is None or not handoff.answer:
        raise Refused("stale")
    if handoff.standard_answer_id is not None:
        raise Refused("already")
    question = await db.get(PolicyQuestion, handoff.question_id)
    author = await db.get(Person, handoff.answered_by_id) if handoff.answered_by_id else None
    text = question.text if question else ""
    standard = PolicyStandardAnswer(
        question=text,
        concepts=await question_signature(db, text),
        answer=handoff.answer,
        author_id=author.id if author else None,
        author_name=author.name if author else actor.name,
        created_at=at.now,
    )
    db.add(standard)
    await db.flush()
    handoff.standard_answer_id = standard.id
    record_audit(db, actor.id, "policy_standard_answer", standard.id, "create", now=at.now, handoff=handoff.id)
    return StandardSaved(standard)


@dataclass
class Gaps(Result):
    handoffs: list[tuple[PolicyHandoff, str, str]]  # (hand-off, asker's name, question), oldest first
    groups: list[QuestionGroup]


async def open_gaps(db: AsyncSession, actor: Person, at: Moment, *, limit: int = 10) -> Gaps:
    """What the L&D team should answer: open hand-offs, then unanswered questions grouped."""
    await require(db, actor, Act.ANSWER_HANDOFFS)
    rows = await db.execute(
        select(PolicyHandoff, Person.name, PolicyQuestion.text)
        .join(Person, Person.id == PolicyHandoff.asker_id)
        .join(PolicyQuestion, PolicyQuestion.id == PolicyHandoff.question_id)
        .where(PolicyHandoff.status == "open")
        .order_by(PolicyHandoff.created_at, PolicyHandoff.id)
        .limit(limit)
    )
    return Gaps([(h, name, text) for h, name, text in rows.all()], (await unanswered_groups(db))[:limit])


# --- documents, synonyms and standard answers, for the web console (and anything else) --------------------
async def _may_manage(db: AsyncSession, actor: Person) -> None:
    await require(db, actor, Act.MANAGE_DOCUMENTS)


@dataclass
class Documents(Result):
    documents: list[DocumentInfo]


async def policy_documents(db: AsyncSession, actor: Person, at: Moment) -> Documents:
    await _may_manage(db, actor)
    return Documents(await list_documents(db))


@dataclass
class DocumentDetail(Result):
    document: PolicyDocument
    sections: list[PolicySection]
    history: list[PolicyDocumentVersion]  # earlier versions, newest first


async def document_detail(db: AsyncSession, actor: Person, at: Moment, *, document_id: int) -> DocumentDetail:
    await _may_manage(db, actor)
    document = await db.get(PolicyDocument, document_id)
    if document is None:
        raise Refused("not_found")
    sections = list(await db.scalars(
        select(PolicySection).where(PolicySection.document_id == document.id).order_by(PolicySection.position)))
    history = list(await db.scalars(
        select(PolicyDocumentVersion).where(PolicyDocumentVersion.document_key == document.key)
        .order_by(PolicyDocumentVersion.superseded_at.desc(), PolicyDocumentVersion.id.desc())))
    return DocumentDetail(document, sections, history)


@dataclass
class DocumentPreview(Result):
    parsed: ParsedDocument


async def preview_document(db: AsyncSession, actor: Person, at: Moment, *, filename: str, data: bytes) -> DocumentPreview:
    """The sections a file would give, without importing it; Refused("unsupported"/"empty") with why."""
    await _may_manage(db, actor)
    try:
        parsed = parse_bytes(filename, data)
    except UnsupportedFormat:
        raise Refused("unsupported") from None
    except Exception as exc:  # a damaged Word or PDF file: the parsers raise many kinds
        raise Refused("unreadable", problem=type(exc).__name__) from None
    if not parsed.sections:
        raise Refused("empty")
    return DocumentPreview(parsed)


@dataclass
class DocumentImported(Result):
    result: ImportResult


async def import_document(
    db: AsyncSession, actor: Person, at: Moment, *, filename: str, data: bytes, title: str | None = None,
    version: str | None = None, published: str | None = None, review: str | None = None, url: str | None = None,
) -> DocumentImported:
    await preview_document(db, actor, at, filename=filename, data=data)
    try:
        result = await import_bytes(db, filename, data, title=title or None, version=version or None,
                                    published=published or None, review=review or None, url=url or None,
                                    imported_by_id=actor.id, now=at.now)
    except EmptyDocument:
        raise Refused("empty") from None
    record_audit(db, actor.id, "policy_document", result.document_id, "import", now=at.now, status=result.status,
                 sections=result.sections)
    return DocumentImported(result)


async def remove_policy_document(db: AsyncSession, actor: Person, at: Moment, *, document_id: int) -> DocumentImported:
    await _may_manage(db, actor)
    found = await db.get(PolicyDocument, document_id)
    document = await remove_document(db, found.key, now=at.now) if found is not None else None
    if document is None:
        raise Refused("not_found")
    record_audit(db, actor.id, "policy_document", document_id, "remove", now=at.now)
    return DocumentImported(ImportResult(document_id, document.title, 0, "removed", document.version))


@dataclass
class Synonyms(Result):
    built_in: list[list[str]]
    added: list[PolicySynonym]


async def synonyms(db: AsyncSession, actor: Person, at: Moment) -> Synonyms:
    await _may_manage(db, actor)
    return Synonyms([list(g) for g in DEFAULT_GROUPS],
                    list(await db.scalars(select(PolicySynonym).order_by(PolicySynonym.term))))


async def add_synonym(db: AsyncSession, actor: Person, at: Moment, *, term: str, meaning: str) -> Synonyms:
    await _may_manage(db, actor)
    term, meaning = " ".join(term.lower().split()), " ".join(meaning.lower().split())
    if not term or not meaning or term == meaning or len(term) > 120 or len(meaning) > 300:
        raise Refused("bad_synonym")
    # Replace rather than update, so the new id tells every running bot to reload its synonyms.
    await db.execute(delete(PolicySynonym).where(PolicySynonym.term == term))
    await db.flush()
    synonym = PolicySynonym(term=term, means=meaning, added_by_id=actor.id, added_at=at.now)
    db.add(synonym)
    await db.flush()
    record_audit(db, actor.id, "policy_synonym", synonym.id, "add", now=at.now)
    return await synonyms(db, actor, at)


async def remove_synonym(db: AsyncSession, actor: Person, at: Moment, *, term: str) -> Synonyms:
    await _may_manage(db, actor)
    removed = await db.execute(delete(PolicySynonym).where(PolicySynonym.term == " ".join(term.lower().split())))
    if not removed.rowcount:
        raise Refused("not_found")
    record_audit(db, actor.id, "policy_synonym", 0, "remove", now=at.now)
    return await synonyms(db, actor, at)


async def save_answer_to_question(
    db: AsyncSession, actor: Person, at: Moment, *, question: str, answer: str
) -> StandardSaved:
    """The L&D team answers an unanswered question from the web console: saved as a standard answer, which
    the bot gives (with their name and the date) when a similar question comes again."""
    await require(db, actor, Act.ANSWER_HANDOFFS)
    question, answer = question.strip(), answer.strip()
    if not question or not answer:
        raise Refused("empty")
    standard = PolicyStandardAnswer(question=question, concepts=await question_signature(db, question),
                                    answer=answer, author_id=actor.id, author_name=actor.name, created_at=at.now)
    db.add(standard)
    await db.flush()
    record_audit(db, actor.id, "policy_standard_answer", standard.id, "create", now=at.now)
    return StandardSaved(standard)
