"""Reading and erasing what the declarations say ldbot holds about a person (bot.personal_data).

The declarations are the core's (`CORE`) and each unit's (`Unit.holds`). This module only walks them:
- `sections` gathers a person's rows, link by link, for the subject access export;
- `plan` finds, before anything changes, the primary keys of every row erasure will touch, and `carry_out`
  then counts what must be kept anonymously, empties the person's columns on rows that stay, deletes the
  audit entries about their rows and the rows that are theirs (children before parents), and takes their
  name, email and platform ids out of the free text that stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, false, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Moment
from bot.personal_data import (
    CORE,
    Erase,
    Holding,
    Holdings,
    Link,
    Subject,
    mentions,
    names,
    pattern_for,
    scrub_value,
)
from bot.unit import load
from handlers.units import UNITS
from storage.models import AuditEvent, Base, Person, PlatformIdentity

CHUNK = 500  # keys per statement (SQLite's bound-parameter limit is far above it)


def declarations() -> list[Holdings]:
    """The core's declaration and every unit's, in the units' order."""
    return [CORE, *(load(unit.holds) for unit in UNITS if unit.holds)]


def table_of(holding: Holding) -> Table:
    return Base.metadata.tables[holding.table]


def each_link(holdings: Sequence[Holdings]) -> Iterator[tuple[Holdings, Holding, Link]]:
    for declared in holdings:
        for holding in declared.tables:
            for link in holding.links:
                yield declared, holding, link


def condition(table: Table, link: Link, subject: Subject) -> ColumnElement[bool]:
    if link.column is not None:
        return table.c[link.column] == subject.id
    return load(link.where)(table, subject)


def audit_condition(holdings: Sequence[Holdings], subject: Subject, *, tables: set[str] | None = None) -> ColumnElement[bool]:
    """Audit entries about the person's own rows (and about the person), as the declarations' trails say."""
    audit = AuditEvent.__table__
    about: list[ColumnElement[bool]] = []
    for declared in holdings:
        for holding in declared.tables:
            if tables is not None and holding.table not in tables:
                continue
            table = table_of(holding)
            own = [condition(table, link, subject) for link in holding.links if link.erase is Erase.DELETE]
            for trail in holding.audit if own else ():
                keys = select(table.c[trail.key]).where(or_(*own))
                about.append(and_(audit.c.entity == trail.entity, audit.c.entity_id.in_(keys)))
    return or_(*about) if about else false()


async def subject_for(db: AsyncSession, person: Person) -> Subject:
    accounts = (await db.execute(
        select(PlatformIdentity.platform, PlatformIdentity.platform_user_id)
        .where(PlatformIdentity.person_id == person.id).order_by(PlatformIdentity.id)
    )).all()
    return Subject(person.id, person.name, person.email, tuple((p, u) for p, u in accounts))


# --- subject access ---------------------------------------------------------------------------------------
def plain(value: Any) -> Any:
    """A database value as JSON can carry it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


@dataclass
class Section:
    owner: str
    table: str
    title: str
    relation: str
    rows: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"from": self.owner, "table": self.table, "title": self.title, "relation": self.relation,
                "count": len(self.rows), "rows": self.rows}


async def sections(db: AsyncSession, subject: Subject, holdings: Sequence[Holdings]) -> list[Section]:
    """Everything the declarations say is about the person, link by link, then the audit entries about them."""
    found: list[Section] = []
    for declared, holding, link in each_link(holdings):
        table = table_of(holding)
        shown = [table.c[name] for name in link.columns] if link.columns else list(table.c)
        checked = [table.c[name].label(f"confirm_{name}") for name in link.confirm]
        query = select(*shown, *checked).where(condition(table, link, subject)).order_by(*table.primary_key.columns)
        rows = [
            {key: plain(value) for key, value in row._mapping.items() if not key.startswith("confirm_")}
            for row in await db.execute(query)
            if not checked or names(row[len(shown):], subject)
        ]
        if rows:
            found.append(Section(declared.owner, holding.table, holding.title, link.role, rows))
    found.sort(key=lambda s: (s.table != "people", s.table == "audit_events"))  # profile first, audit log last
    audit = AuditEvent.__table__
    actor = Person.__table__.alias("actor")
    about = (await db.execute(
        select(audit.c.at, actor.c.name.label("by"), audit.c.entity, audit.c.entity_id, audit.c.action, audit.c.detail)
        .outerjoin(actor, actor.c.id == audit.c.actor_id)
        .where(audit_condition(holdings, subject))
        .order_by(audit.c.at, audit.c.id)
    )).all()
    if about:
        rows = [{key: plain(value) for key, value in row._mapping.items()} for row in about]
        found.append(Section("core", "audit_events", "The audit log", "about you and your records", rows))
    return found


# --- erasure ----------------------------------------------------------------------------------------------
@dataclass
class Target:
    holding: Holding
    link: Link
    keys: list[tuple]


@dataclass
class Plan:
    subject: Subject
    holdings: list[Holdings]
    targets: list[Target] = field(default_factory=list)
    audit_ids: list[int] = field(default_factory=list)
    tables: set[str] | None = None  # only these tables (a retention rule), or everything (erasure)

    def count(self, erase: Erase) -> dict[str, int]:
        counts: dict[str, int] = {}
        for target in self.targets:
            if target.link.erase is erase and target.keys:
                counts[target.holding.table] = counts.get(target.holding.table, 0) + len(target.keys)
        return counts


async def plan(
    db: AsyncSession, subject: Subject, holdings: Sequence[Holdings], *, tables: set[str] | None = None,
) -> Plan:
    """The keys of every row erasure will touch, found before anything changes (so one table's deletions
    cannot hide another table's rows from a condition that looks at them)."""
    found = Plan(subject, list(holdings), tables=tables)
    for _declared, holding, link in each_link(holdings):
        if tables is not None and (holding.table not in tables or link.erase is not Erase.DELETE):
            continue
        table = table_of(holding)
        key_columns = list(table.primary_key.columns)
        checked = [table.c[name] for name in link.confirm]
        rows = await db.execute(select(*key_columns, *checked).where(condition(table, link, subject)))
        keys = [
            tuple(row[: len(key_columns)]) for row in rows
            if not checked or names(row[len(key_columns):], subject)  # SQL found candidates; words decide
        ]
        found.targets.append(Target(holding, link, keys))
    audit = AuditEvent.__table__
    found.audit_ids = list(await db.scalars(select(audit.c.id).where(audit_condition(holdings, subject, tables=tables))))
    return found


def _chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _keyed(table: Table, keys: list[tuple]) -> ColumnElement[bool]:
    columns = list(table.primary_key.columns)
    if len(columns) == 1:
        return columns[0].in_([key[0] for key in keys])
    return tuple_(*columns).in_(keys)


def _deletion_order(targets: Iterable[Target]) -> list[Target]:
    """Children before parents, people last, so nothing is left pointing at a deleted row."""
    order = {table.name: index for index, table in enumerate(Base.metadata.sorted_tables)}
    return sorted(targets, key=lambda target: -order[target.holding.table])


@dataclass
class Outcome:
    removed: dict[str, int] = field(default_factory=dict)  # table -> rows deleted
    anonymised: dict[str, int] = field(default_factory=dict)  # table -> rows kept without the person
    kept_anonymously: dict[str, int] = field(default_factory=dict)  # what was counted before it went
    audit_entries_removed: int = 0
    scrubbed: dict[str, int] = field(default_factory=dict)  # table -> rows whose text named them


async def carry_out(db: AsyncSession, found: Plan, at: Moment) -> Outcome:
    """Do what the plan found, in the caller's transaction."""
    outcome = Outcome(removed=found.count(Erase.DELETE), anonymised=found.count(Erase.DETACH))
    for declared in found.holdings:
        for holding in declared.tables:
            if holding.before_erase and (found.tables is None or holding.table in found.tables):
                for what, number in (await load(holding.before_erase)(db, found.subject, at)).items():
                    if number:
                        outcome.kept_anonymously[what] = outcome.kept_anonymously.get(what, 0) + number
    for target in found.targets:
        if target.link.erase is Erase.DETACH and target.keys:
            table = table_of(target.holding)
            values = dict(target.link.set)
            if target.link.column is not None:
                values[target.link.column] = None
            for keys in _chunks(target.keys):
                await db.execute(update(table).where(_keyed(table, keys)).values(**values))
    audit = AuditEvent.__table__
    for ids in _chunks(found.audit_ids):
        await db.execute(delete(audit).where(audit.c.id.in_(ids)))
    outcome.audit_entries_removed = len(found.audit_ids)
    for target in _deletion_order(t for t in found.targets if t.link.erase is Erase.DELETE and t.keys):
        table = table_of(target.holding)
        for keys in _chunks(target.keys):
            await db.execute(delete(table).where(_keyed(table, keys)))
    if found.tables is None:
        outcome.scrubbed = await scrub(db, found.subject, found.holdings)
    await db.flush()
    db.expire_all()  # rows changed behind the ORM's back must be read again (callers: use the Subject's ids)
    return outcome


# --- taking a person's name out of text that stays --------------------------------------------------------
async def scrub(db: AsyncSession, subject: Subject, holdings: Sequence[Holdings]) -> dict[str, int]:
    """Rows that stay but name the person in their text lose the name (someone else's reflection about
    them, a manager's feedback, a question's wording): one query per table finds them."""
    if not subject.identifiers:
        return {}
    pattern = pattern_for(subject)
    changed: dict[str, int] = {}
    for declared in holdings:
        for holding in declared.tables:
            if not holding.scrub:
                continue
            table = table_of(holding)
            columns = [table.c[name] for name in holding.scrub]
            named = or_(*(mentions(column, subject.identifiers) for column in columns))
            key_columns = list(table.primary_key.columns)
            rows = (await db.execute(select(*key_columns, *columns).where(named))).all()
            for row in rows:
                keys, values = tuple(row[: len(key_columns)]), row[len(key_columns):]
                new = {column.name: scrub_value(value, pattern) for column, value in zip(columns, values, strict=True)}
                new = {name: value for name, value in new.items() if value != row._mapping[name]}
                if new:
                    await db.execute(update(table).where(_keyed(table, [keys])).values(**new))
                    changed[holding.table] = changed.get(holding.table, 0) + 1
    return changed
