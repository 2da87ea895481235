"""Admins change what the bot says: any response template can be overridden in the database, or reset.

Permission is checked before anything is compiled (a large or hostile template costs nothing to refuse).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.access import Act
from bot.catalogue import Catalogue, TemplateProblem
from bot.clock import Moment
from bot.usecase import Refused, Result
from storage.audit import record_audit
from storage.models import Person, TemplateOverride

MAX_TEMPLATE_CHARS = 4000


async def _check(db: AsyncSession, actor: Person) -> None:
    if not await access.may(db, actor, Act.EDIT_TEMPLATES):
        raise Refused("not_allowed")


@dataclass
class TemplateList(Result):
    names: list[str]
    overridden: list[str]


async def list_templates(db: AsyncSession, actor: Person, at: Moment, *, catalogue: Catalogue, query: str = "") -> TemplateList:
    await _check(db, actor)
    overridden = sorted(set(await db.scalars(select(TemplateOverride.name))))
    return TemplateList([n for n in catalogue.names() if query.lower() in n], overridden)


@dataclass
class TemplateSource(Result):
    name: str
    source: str


async def show_template(db: AsyncSession, actor: Person, at: Moment, *, catalogue: Catalogue, name: str) -> TemplateSource:
    await _check(db, actor)
    if name not in catalogue.names():
        raise Refused("unknown_template", name=name)
    return TemplateSource(name, catalogue.source(name))


def problem_with(catalogue: Catalogue, source: str) -> str | None:
    """Why this text cannot be a template (too long, does not compile), or None."""
    if len(source) > MAX_TEMPLATE_CHARS:
        return f"it is {len(source)} characters long; the limit is {MAX_TEMPLATE_CHARS}"
    try:
        catalogue.check(source)
    except TemplateProblem as exc:
        return str(exc)
    return None


async def override_template(
    db: AsyncSession, actor: Person, at: Moment, *, catalogue: Catalogue, name: str, source: str
) -> TemplateSource:
    await _check(db, actor)
    if name not in catalogue.names():
        raise Refused("unknown_template", name=name)
    problem = problem_with(catalogue, source)
    if problem:
        raise Refused("broken_template", problem=problem)
    row = await db.scalar(select(TemplateOverride).where(TemplateOverride.name == name))
    if row is None:
        row = TemplateOverride(name=name, source=source, updated_by_id=actor.id)
        db.add(row)
    else:
        row.source, row.updated_by_id = source, actor.id
    await db.flush()
    record_audit(db, actor.id, "template", row.id, "override", now=at.now, name=name)
    catalogue.invalidate()
    return TemplateSource(name, source)


async def reset_template(db: AsyncSession, actor: Person, at: Moment, *, catalogue: Catalogue, name: str) -> TemplateSource:
    await _check(db, actor)
    if name not in catalogue.names():
        raise Refused("unknown_template", name=name)
    await db.execute(delete(TemplateOverride).where(TemplateOverride.name == name))
    record_audit(db, actor.id, "template", 0, "reset", now=at.now, name=name)
    catalogue.invalidate()
    return TemplateSource(name, catalogue.shipped_source(name))
