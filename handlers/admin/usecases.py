"""Admins change what the bot says: any response template can be reworded, tried first, rolled back or reset.

Permission is checked before anything is compiled (a large or hostile template costs nothing to refuse).
A new wording is tried against the template's declared example values on every platform before it is
saved: one that uses a value the template is not given, or fails to render, is refused with the reason.
Every save, rollback and reset is kept as a version (who, when, what), so the history can be compared
and any earlier wording brought back. Chat and the web console call these same functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Act
from bot.catalogue import Catalogue, TemplateProblem
from bot.clock import Moment
from bot.template_meta import TemplateInfo
from bot.usecase import Refused, Result, require
from storage.audit import record_audit
from storage.models import Person, TemplateOverride, TemplateVersion

MAX_TEMPLATE_CHARS = 4000


async def _check(db: AsyncSession, actor: Person) -> None:
    await require(db, actor, Act.EDIT_TEMPLATES)


def _known(catalogue: Catalogue, name: str) -> None:
    if name not in catalogue.names():
        raise Refused("unknown_template", name=name)


@dataclass(frozen=True, slots=True)
class TemplateEntry:
    name: str
    said: str
    capability: str
    changed: bool


@dataclass
class TemplateList(Result):
    # (capability, its templates), capabilities in the order the units are listed, templates by name
    groups: list[tuple[str, list[TemplateEntry]]]

    @property
    def entries(self) -> list[TemplateEntry]:
        return [e for _, entries in self.groups for e in entries]


async def list_templates(
    db: AsyncSession, actor: Person, at: Moment, *, catalogue: Catalogue, query: str = ""
) -> TemplateList:
    """Every template (or those whose name, capability or description holds every word of `query`)."""
    await _check(db, actor)
    overridden = set(await db.scalars(select(TemplateOverride.name)))
    words = query.lower().split()
    groups: dict[str, list[TemplateEntry]] = {}
    for name in catalogue.names():
        info = catalogue.info(name)
        entry = TemplateEntry(name, info.said if info else "", catalogue.capability(name), name in overridden)
        haystack = f"{entry.name} {entry.capability} {entry.said}".lower()
        if all(w in haystack for w in words):
            groups.setdefault(entry.capability, []).append(entry)
    return TemplateList(list(groups.items()))


@dataclass
class TemplateSource(Result):
    name: str
    source: str  # the wording in use now
    shipped: str
    changed: bool
    info: TemplateInfo | None = None
    capability: str = ""


async def show_template(
    db: AsyncSession, actor: Person, at: Moment, *, catalogue: Catalogue, name: str
) -> TemplateSource:
    await _check(db, actor)
    _known(catalogue, name)
    current = await db.scalar(select(TemplateOverride.source).where(TemplateOverride.name == name))
    shipped = catalogue.shipped_source(name)
    return TemplateSource(
        name, current if current is not None else shipped, shipped, current is not None, catalogue.info(name),
        catalogue.capability(name),
    )


def problem_with(catalogue: Catalogue, source: str, name: str | None = None) -> str | None:
    """Why this text cannot be the wording of `name` (too long, does not compile, asks for a value the
    template is not given, fails to render with its examples), or None. Without a name: compiling only."""
    if len(source) > MAX_TEMPLATE_CHARS:
        return f"it is {len(source)} characters long; the limit is {MAX_TEMPLATE_CHARS}"
    try:
        if name is None:
            catalogue.check(source)
        else:
            catalogue.trial(name, source)
    except TemplateProblem as exc:
        return str(exc)
    return None


@dataclass
class Trial(Result):
    name: str
    source: str
    shown: dict[str, str]  # platform -> the wording as people there would see it, with the example values


async def try_template(
    db: AsyncSession, actor: Person, at: Moment, *, catalogue: Catalogue, name: str, source: str
) -> Trial:
    """What `source` would say, on every platform, with the template's example values; nothing is saved."""
    await _check(db, actor)
    _known(catalogue, name)
    if len(source) > MAX_TEMPLATE_CHARS:
        raise Refused("broken_template", problem=problem_with(catalogue, source, name))
    try:
        shown = catalogue.trial(name, source)
    except TemplateProblem as exc:
        raise Refused("broken_template", problem=str(exc)) from None
    return Trial(name, source, shown)


@dataclass
class Saved(Result):
    name: str
    source: str  # the wording in use from now on (the shipped text after a reset)
    shown: dict[str, str] = field(default_factory=dict)
    version_id: int | None = None


async def _set_override(db: AsyncSession, actor: Person, at: Moment, name: str, source: str) -> None:
    row = await db.scalar(select(TemplateOverride).where(TemplateOverride.name == name))
    if row is None:
        db.add(TemplateOverride(name=name, source=source, updated_by_id=actor.id, updated_at=at.now))
    else:
        row.source, row.updated_by_id, row.updated_at = source, actor.id, at.now


async def _version(
    db: AsyncSession, actor: Person, at: Moment, name: str, source: str | None, action: str,
    restores_id: int | None = None,
) -> TemplateVersion:
    version = TemplateVersion(name=name, source=source, action=action, restores_id=restores_id,
                              created_by_id=actor.id, created_at=at.now)
    db.add(version)
    await db.flush()
    return version


async def override_template(
    db: AsyncSession, actor: Person, at: Moment, *, catalogue: Catalogue, name: str, source: str
) -> Saved:
    """Save a new wording after trying it; kept as a version. The same wording again changes nothing."""
    trial = await try_template(db, actor, at, catalogue=catalogue, name=name, source=source)
    current = await db.scalar(select(TemplateOverride.source).where(TemplateOverride.name == name))
    if current == source:
        return Saved(name, source, trial.shown)
    await _set_override(db, actor, at, name, source)
    version = await _version(db, actor, at, name, source, "saved")
    record_audit(db, actor.id, "template", version.id, "override", now=at.now, name=name)
    catalogue.invalidate()
    return Saved(name, source, trial.shown, version.id)


async def reset_template(
    db: AsyncSession, actor: Person, at: Moment, *, catalogue: Catalogue, name: str
) -> Saved:
    """Back to the shipped wording; kept as a version (with no text) when there was a change to undo."""
    await _check(db, actor)
    _known(catalogue, name)
    removed = await db.execute(delete(TemplateOverride).where(TemplateOverride.name == name))
    version_id = None
    if removed.rowcount:
        version_id = (await _version(db, actor, at, name, None, "reset")).id
    record_audit(db, actor.id, "template", version_id or 0, "reset", now=at.now, name=name)
    catalogue.invalidate()
    shipped = catalogue.shipped_source(name)
    return Saved(name, shipped, catalogue.trial(name, shipped), version_id)


@dataclass(frozen=True, slots=True)
class VersionView:
    id: int
    action: str  # saved | rolled_back | reset
    source: str  # the wording from this version on (the shipped text for a reset)
    by: str
    at: datetime
    restores_id: int | None
    previous: str  # the wording before this version (the shipped text before the first)


@dataclass
class Versions(Result):
    name: str
    shipped: str
    versions: list[VersionView]  # newest first; the first is the wording in use when the template is changed


async def template_versions(
    db: AsyncSession, actor: Person, at: Moment, *, catalogue: Catalogue, name: str
) -> Versions:
    await _check(db, actor)
    _known(catalogue, name)
    shipped = catalogue.shipped_source(name)
    rows = await db.execute(
        select(TemplateVersion, Person.name)
        .outerjoin(Person, Person.id == TemplateVersion.created_by_id)
        .where(TemplateVersion.name == name)
        .order_by(TemplateVersion.id)
    )
    oldest_first: list[VersionView] = []
    before = shipped
    for version, by in rows:
        wording = version.source if version.source is not None else shipped
        oldest_first.append(VersionView(version.id, version.action, wording, by or "someone who has left",
                                        version.created_at, version.restores_id, before))
        before = wording
    return Versions(name, shipped, oldest_first[::-1])


async def rollback_template(
    db: AsyncSession, actor: Person, at: Moment, *, catalogue: Catalogue, name: str, version_id: int
) -> Saved:
    """Bring back the wording of an earlier version (tried again first: the values given may have changed)."""
    await _check(db, actor)
    _known(catalogue, name)
    version = await db.get(TemplateVersion, version_id)
    if version is None or version.name != name:
        raise Refused("unknown_version", name=name)
    if version.source is None:
        return await reset_template(db, actor, at, catalogue=catalogue, name=name)
    trial = await try_template(db, actor, at, catalogue=catalogue, name=name, source=version.source)
    await _set_override(db, actor, at, name, version.source)
    saved = await _version(db, actor, at, name, version.source, "rolled_back", restores_id=version.id)
    record_audit(db, actor.id, "template", saved.id, "rollback", now=at.now, name=name, restores=version.id)
    catalogue.invalidate()
    return Saved(name, version.source, trial.shown, saved.id)
