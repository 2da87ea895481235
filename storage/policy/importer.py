"""Import, re-import, list and remove policy documents.

A document is identified by its title (folded into a `key`), so importing "L&D Framework v2.2.docx" over
"L&D Framework v2.1.md" replaces it. The replacement happens inside the caller's transaction: the old
sections are copied into a `PolicyDocumentVersion` (history, never searched) and deleted, the new ones are
inserted, and either all of that commits or none of it does.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.base import utcnow
from storage.policy.models import PolicyDocument, PolicyDocumentVersion, PolicySection
from storage.policy.parse import ParsedDocument, parse_bytes, parse_date
from storage.policy.search import folded, section_stems
from storage.policy.text import fold

log = logging.getLogger("ldbot.policy")

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample" / "policy"


class EmptyDocument(ValueError):
    """The file has no text we could make a section of (empty, or only a title, menus or a control block).

    Importing it would list a document that can never answer anything, so it is refused.
    """

    def __init__(self, source_name: str) -> None:
        super().__init__(f"{source_name}: no sections found (the file is empty or holds no text to answer from)")
        self.source_name = source_name


@dataclass(frozen=True, slots=True)
class ImportResult:
    document_id: int
    title: str
    sections: int
    status: str  # "new", "replaced" or "unchanged"
    previous_version: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    id: int
    title: str
    version: str | None
    published_on: date | None
    review_on: date | None
    source_name: str
    source_url: str | None
    imported_at: datetime
    sections: int
    history: int


def document_key(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")[:200] or "untitled"


async def import_path(db: AsyncSession, path: str | Path, **options: object) -> ImportResult:
    path = Path(path)
    return await import_bytes(db, path.name, path.read_bytes(), **options)  # type: ignore[arg-type]


async def import_bytes(db: AsyncSession, filename: str, data: bytes, **options: object) -> ImportResult:
    """Import a file's contents, e.g. one shared in chat.

    Raises parse.UnsupportedFormat for unknown types and EmptyDocument for a file with no sections.
    """
    return await import_parsed(db, parse_bytes(filename, data), source_name=filename, **options)  # type: ignore[arg-type]


async def import_parsed(
    db: AsyncSession,
    parsed: ParsedDocument,
    *,
    source_name: str,
    title: str | None = None,
    version: str | None = None,
    published: date | str | None = None,
    review: date | str | None = None,
    url: str | None = None,
    imported_by_id: int | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Store a parsed document, replacing (and keeping as history) an earlier version with the same title."""
    if not parsed.sections:
        raise EmptyDocument(source_name)
    now = now or utcnow()
    title = (title or parsed.title).strip()
    key = document_key(title)
    fields = {
        "title": title,
        "version": version or parsed.version,
        "published_on": parse_date(published) if published else parsed.published,
        "review_on": parse_date(review) if review else parsed.review,
        "source_url": url,
        "source_name": source_name[:300],
        "format": parsed.format,
    }
    new_sections = [
        {"number": s.number, "heading": s.heading[:300], "path": " > ".join(s.path)[:600], "level": s.level, "body": s.body}
        for s in parsed.sections
    ]
    document = await db.scalar(select(PolicyDocument).where(PolicyDocument.key == key))
    status, previous = "new", None
    if document is not None:
        old_sections = await _section_dicts(db, document.id)
        same_fields = all(getattr(document, k) == v for k, v in fields.items() if k not in ("source_name", "format"))
        if same_fields and old_sections == new_sections:
            return ImportResult(document.id, document.title, len(old_sections), "unchanged", document.version)
        previous = document.version
        db.add(_history(document, old_sections, reason="reimported", now=now))
        await db.execute(delete(PolicySection).where(PolicySection.document_id == document.id))
        for name, value in fields.items():
            setattr(document, name, value)
        document.imported_at, document.imported_by_id = now, imported_by_id
        status = "replaced"
    else:
        document = PolicyDocument(key=key, imported_at=now, imported_by_id=imported_by_id, **fields)
        db.add(document)
    await db.flush()
    for position, section in enumerate(new_sections):
        context = " ".join([title, *[re.sub(r"^[\d.]+\s+", "", p) for p in parsed.sections[position].path]])
        db.add(
            PolicySection(
                document_id=document.id,
                position=position,
                search_heading=folded(section["heading"]),
                search_context=folded(context),
                search_body=folded(section["body"]),
                stems=section_stems(section["heading"], context, section["body"]),
                **section,
            )
        )
    await db.flush()
    log.info("policy import document=%s sections=%d status=%s", document.id, len(new_sections), status)
    return ImportResult(document.id, title, len(new_sections), status, previous)


async def _section_dicts(db: AsyncSession, document_id: int) -> list[dict]:
    rows = await db.scalars(
        select(PolicySection).where(PolicySection.document_id == document_id).order_by(PolicySection.position)
    )
    return [{"number": s.number, "heading": s.heading, "path": s.path, "level": s.level, "body": s.body} for s in rows]


def _history(document: PolicyDocument, sections: list[dict], *, reason: str, now: datetime) -> PolicyDocumentVersion:
    return PolicyDocumentVersion(
        document_key=document.key,
        title=document.title,
        version=document.version,
        published_on=document.published_on,
        review_on=document.review_on,
        source_url=document.source_url,
        source_name=document.source_name,
        imported_at=document.imported_at,
        superseded_at=now,
        reason=reason,
        sections=sections,
    )


async def list_documents(db: AsyncSession) -> list[DocumentInfo]:
    counts = (
        select(PolicySection.document_id, func.count(PolicySection.id).label("n"))
        .group_by(PolicySection.document_id)
        .subquery()
    )
    history = (
        select(PolicyDocumentVersion.document_key, func.count(PolicyDocumentVersion.id).label("h"))
        .group_by(PolicyDocumentVersion.document_key)
        .subquery()
    )
    rows = await db.execute(
        select(PolicyDocument, func.coalesce(counts.c.n, 0), func.coalesce(history.c.h, 0))
        .outerjoin(counts, counts.c.document_id == PolicyDocument.id)
        .outerjoin(history, history.c.document_key == PolicyDocument.key)
        .order_by(PolicyDocument.title)
    )
    return [
        DocumentInfo(d.id, d.title, d.version, d.published_on, d.review_on, d.source_name, d.source_url,
                     d.imported_at, int(n), int(h))
        for d, n, h in rows
    ]


async def find_document(db: AsyncSession, ref: str) -> PolicyDocument | None:
    """By id, exact title (any case), or key."""
    ref = ref.strip()
    conditions = [func.lower(PolicyDocument.title) == ref.lower(), PolicyDocument.key == document_key(ref)]
    if ref.isdigit():
        conditions.append(PolicyDocument.id == int(ref))
    return await db.scalar(select(PolicyDocument).where(or_(*conditions)).order_by(PolicyDocument.id).limit(1))


async def remove_document(db: AsyncSession, ref: str, *, now: datetime | None = None) -> PolicyDocument | None:
    """Stop serving a document; its last version is kept as history."""
    document = await find_document(db, ref)
    if document is None:
        return None
    db.add(_history(document, await _section_dicts(db, document.id), reason="removed", now=now or utcnow()))
    await db.execute(delete(PolicySection).where(PolicySection.document_id == document.id))
    await db.delete(document)
    await db.flush()
    log.info("policy remove document=%s", document.id)
    return document


async def load_sample_policies(db: AsyncSession) -> int:
    """The sample L&D framework and two role profiles; idempotent (an unchanged document is left alone)."""
    count = 0
    for path in sorted(SAMPLE_DIR.glob("*")):
        if path.suffix.lower() in (".md", ".txt", ".html", ".docx", ".pdf"):
            await import_path(db, path)
            count += 1
    return count
