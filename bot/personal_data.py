"""What each part of ldbot holds about a person: the declarations subject access, erasure and retention read.

A unit names its declaration in its manifest (`Unit.holds = "handlers.x.holds:HOLDS"`); the core's own
tables are declared here (`CORE`). A declaration is plain data, table by table:

- `Link`s say how rows are about a person — a column holding their `people.id`, or a condition for rows
  found another way (a dialog state by their platform user id) — how they stand to those rows in the export
  ("yours", "decided by you"), what of the rows the export shows, and what erasing the person does to them:
  DELETE (the rows go) or DETACH (the rows stay, as someone else's record or the service's, with the
  person's column emptied and any `set` values written, e.g. a standard answer's author name).
- `scrub` names free-text and JSON columns of rows that stay: erasure takes the person's name, email and
  platform user ids out of them, wherever they appear (someone else's reflection that names them).
- `audit` says which audit-log entries are about the person's rows (entity name and the column whose value
  the entry's `entity_id` holds): they are exported, and deleted on erasure.
- `before_erase` is an optional "module:function" run first (e.g. counting evidence anonymously).
- `expiry` rules are what the daily retention job applies to the table.

The privacy unit does the work; `tests/test_privacy_declarations.py` fails if any column that points at a
person is not covered by some declaration.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    String,
    Table,
    Text,
    and_,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from bot.clock import Moment
from storage.models import DialogState, OutgoingMessage, ProcessedEvent


class Erase(StrEnum):
    DELETE = "delete"  # the rows go
    DETACH = "detach"  # the rows stay; the person's column is emptied (NULL) and `set` is written


@dataclass(frozen=True, slots=True)
class Subject:
    """The person an export or erasure is about, with every identifier erasure must take out of text."""

    id: int
    name: str
    email: str
    platform_ids: tuple[tuple[str, str], ...] = ()  # (platform, platform user id)

    @property
    def user_ids(self) -> tuple[str, ...]:
        """What platforms (and the console, by email) call them: dialog states are keyed by these."""
        return (self.email, *(user for _, user in self.platform_ids))

    @property
    def identifiers(self) -> tuple[str, ...]:
        """Name, email and platform user ids, longest first (so an email goes before a name inside it)."""
        found = {text.strip() for text in (self.name, self.email, *self.user_ids) if len(text.strip()) >= 4}
        return tuple(sorted(found, key=lambda text: (-len(text), text)))


@dataclass(frozen=True, slots=True)
class Link:
    """Rows of a table that are about a person, how they stand to them, and what erasure does to them."""

    role: str  # in the export: "yours", "decided by you", "sent to you"
    erase: Erase
    column: str | None = None  # a column holding their people.id ...
    where: str | None = None  # ... or "module:function"(table, subject) -> SQL condition on the table
    columns: tuple[str, ...] | None = None  # what the export shows of these rows (None: every column)
    set: Mapping[str, Any] = field(default_factory=dict)  # written on rows that stay (DETACH)
    # For a `where` that finds rows by their text: columns that must name the person as a whole word (the
    # SQL condition finds candidates by substring; "Sam Patel" must not pick out "Sam Patelson").
    confirm: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.column is None) == (self.where is None):
            raise ValueError("a Link needs exactly one of `column` and `where`")


def by_you(role: str, column: str, *shown: str) -> Link:
    """Rows the person made about someone else (`column` names them as the one who did it): shown in their
    export, and kept for the other person on erasure with that column cleared."""
    return Link(role, Erase.DETACH, column=column, columns=shown)


@dataclass(frozen=True, slots=True)
class AuditTrail:
    """Audit entries about the person's rows of a table: `entity` names them, `key` is the column whose
    value is the entry's entity_id (usually the row's id)."""

    entity: str
    key: str = "id"


@dataclass(frozen=True, slots=True)
class Expiry:
    """A retention rule: what the daily job does to rows older than a period (a `RetentionRules` field)."""

    period: str  # e.g. "outbox_text_days"
    what: str  # plain words for `ldbot privacy retention --dry-run`
    run: str  # "module:function"(db, before: datetime, *, apply: bool) -> int (rows changed, or that would be)


@dataclass(frozen=True, slots=True)
class Holding:
    table: str
    title: str  # the export's heading for these rows
    links: tuple[Link, ...] = ()
    scrub: tuple[str, ...] = ()
    audit: tuple[AuditTrail, ...] = ()
    # "module:function"(db, subject, at) -> {what: how many} kept as anonymous counts (may be empty)
    before_erase: str | None = None
    expiry: tuple[Expiry, ...] = ()


@dataclass(frozen=True, slots=True)
class Holdings:
    """One unit's (or the core's) declaration."""

    owner: str
    tables: tuple[Holding, ...] = ()
    note: str = ""  # for a unit that holds nothing of its own, why


# --- finding and taking out a person's name -----------------------------------------------------------
REMOVED = "[removed]"


def pattern_for(subject: Subject) -> re.Pattern[str]:
    """Each identifier as a whole word: "Sam Patel" is taken out of "ask Sam Patel", not "Sam Patelson"."""
    words = "|".join(re.escape(text) for text in subject.identifiers)
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)


def scrub_value(value: Any, pattern: re.Pattern[str]) -> Any:
    """The same value with every mention replaced, inside JSON lists and objects too."""
    if isinstance(value, str):
        return pattern.sub(REMOVED, value)
    if isinstance(value, list):
        return [scrub_value(item, pattern) for item in value]
    if isinstance(value, dict):
        return {scrub_value(key, pattern): scrub_value(item, pattern) for key, item in value.items()}
    return value


def names(values: Any, subject: Subject) -> bool:
    """Whether any of these values (text, or JSON) names the person, as a whole word."""
    pattern = pattern_for(subject)
    return any(pattern.search(json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value)
               for value in values if value is not None)


# --- the core's own tables --------------------------------------------------------------------------------
def dialog_states_of(table: Table, subject: Subject) -> ColumnElement[bool]:
    """Dialog states are keyed by platform user id (the console's is the email)."""
    return table.c.platform_user_id.in_(subject.user_ids)


class text_mentions(FunctionElement[bool]):
    """`CAST(column AS TEXT)` matches any of some LIKE patterns (lower-case, `\\` escapes), ignoring case.

    PostgreSQL: `lower(...) LIKE ANY (ARRAY[...])`, one lower() a row (ILIKE is four times slower).
    SQLite: one LIKE a pattern; SQLite's LIKE already ignores (ASCII) case, and lower() on every row would
    make an erasure's searches twice as slow.
    """

    type = Boolean()
    inherit_cache = True
    name = "text_mentions"


@compiles(text_mentions)
def _like_sqlite(element: text_mentions, compiler: Any, **kw: Any) -> str:
    column, *patterns = list(element.clauses)
    text = f"CAST({compiler.process(column, **kw)} AS TEXT)"
    return "(" + " OR ".join(f"{text} LIKE {compiler.process(p, **kw)} ESCAPE '\\'" for p in patterns) + ")"


@compiles(text_mentions, "postgresql")
def _like_postgresql(element: text_mentions, compiler: Any, **kw: Any) -> str:
    column, *patterns = list(element.clauses)
    array = ", ".join(compiler.process(p, **kw) for p in patterns)
    return f"(lower(CAST({compiler.process(column, **kw)} AS TEXT)) LIKE ANY (ARRAY[{array}]))"


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def mentions(column: Any, texts: tuple[str, ...] | list[str]) -> ColumnElement[bool]:
    """Whether any of the texts appears in the column, ignoring case — JSON columns too (stored as text with
    non-ASCII escaped on SQLite, as JSONB on PostgreSQL). A superset: whole words are checked in Python."""
    variants = sorted({variant for text in texts for variant in (text, json.dumps(text)[1:-1])})
    return text_mentions(column, *(literal(_like_pattern(v), String()) for v in variants))


def messages_mentioning(table: Table, subject: Subject) -> ColumnElement[bool]:
    """Messages to other people that name the person (a verification request for their evidence, a digest
    listing them): what they were told is cleared, and any not sent yet are cancelled first."""
    named = or_(mentions(table.c.context, subject.identifiers), mentions(table.c.elements, subject.identifiers))
    return and_(table.c.recipient_id != subject.id, named)


async def cancel_messages_mentioning(db: AsyncSession, subject: Subject, at: Moment) -> dict[str, int]:
    """Messages about the person that no sender has handed to a platform yet are not sent at all."""
    table = OutgoingMessage.__table__
    unclaimed = or_(table.c.claimed_until.is_(None), table.c.claimed_until < at.now)
    waiting = await db.execute(
        select(table.c.id, table.c.context, table.c.elements)
        .where(messages_mentioning(table, subject), table.c.status.in_(("pending", "parked")), unclaimed)
    )
    ids = [row.id for row in waiting if names((row.context, row.elements), subject)]
    if ids:
        await db.execute(
            update(table).where(table.c.id.in_(ids))
            .values(status="cancelled", last_error="cancelled: the person it was about was erased")
        )
    return {}  # nothing to keep as a count


FINISHED = ("delivered", "cancelled", "dropped")


async def expire_outbox_text(db: AsyncSession, before: datetime, *, apply: bool) -> int:
    """Messages delivered (or given up) before the cutoff keep their row (counts, de-duplication) but lose
    what they said."""
    table = OutgoingMessage.__table__
    old = and_(
        table.c.status.in_(FINISHED),
        func.coalesce(table.c.delivered_at, table.c.created_at) < before,
        or_(cast(table.c.context, Text) != "{}", cast(table.c.elements, Text) != "{}"),
    )
    if not apply:
        return await _count(db, table, old)
    result = await db.execute(update(table).where(old).values(context={}, elements={}))
    return result.rowcount or 0


async def expire_dialog_states(db: AsyncSession, before: datetime, *, apply: bool) -> int:
    return await _delete_older(db, DialogState.__table__, DialogState.__table__.c.updated_at < before, apply)


async def expire_processed_events(db: AsyncSession, before: datetime, *, apply: bool) -> int:
    return await _delete_older(db, ProcessedEvent.__table__, ProcessedEvent.__table__.c.received_at < before, apply)


async def _delete_older(db: AsyncSession, table: Table, old: ColumnElement[bool], apply: bool) -> int:
    if not apply:
        return await _count(db, table, old)
    result = await db.execute(delete(table).where(old))
    return result.rowcount or 0


async def _count(db: AsyncSession, table: Table, condition: ColumnElement[bool]) -> int:
    return int(await db.scalar(select(func.count()).select_from(table).where(condition)) or 0)


_core = "bot.personal_data"

CORE = Holdings(
    owner="core",
    tables=(
        Holding(
            "platform_identities", "Chat accounts linked to you",
            links=(Link("yours", Erase.DELETE, column="person_id", columns=("platform", "platform_user_id", "created_at")),),
        ),
        Holding(
            "conversation_refs", "Where the bot can message you first",
            links=(Link("yours", Erase.DELETE, column="person_id", columns=("platform", "reference", "updated_at")),),
        ),
        Holding(
            "dialog_states", "Conversations in progress",
            links=(Link("yours", Erase.DELETE, where=f"{_core}:dialog_states_of",
                        columns=("platform", "dialog", "step", "data", "updated_at")),),
            scrub=("data",),
            expiry=(Expiry("dialog_days", "conversation states left idle", f"{_core}:expire_dialog_states"),),
        ),
        Holding(
            "console_choices", "Numbered choices the console showed you",
            links=(Link("yours", Erase.DELETE, column="person_id", columns=("number", "action_id", "created_at")),),
        ),
        Holding(
            "processed_events", "Platform event ids",
            expiry=(Expiry("processed_event_days", "platform event ids kept to ignore retried deliveries",
                           f"{_core}:expire_processed_events"),),
        ),
        Holding(
            "outgoing_messages", "Messages",
            links=(
                Link("sent or queued for you", Erase.DELETE, column="recipient_id",
                     columns=("id", "template", "kind", "status", "platform", "context", "created_at", "delivered_at")),
                Link("sent to others, naming you", Erase.DETACH, where=f"{_core}:messages_mentioning",
                     columns=("id", "template", "kind", "status", "created_at"),
                     set={"context": {}, "elements": {}, "dedupe_key": None}, confirm=("context", "elements")),
            ),
            scrub=("last_error",),
            before_erase=f"{_core}:cancel_messages_mentioning",
            expiry=(Expiry("outbox_text_days", "sent, cancelled and dropped messages lose their text",
                           f"{_core}:expire_outbox_text"),),
        ),
        Holding(
            "audit_events", "The audit log",
            links=(Link("things you did", Erase.DETACH, column="actor_id",
                        columns=("at", "entity", "entity_id", "action", "detail")),),
            scrub=("detail",),
        ),
    ),
)
