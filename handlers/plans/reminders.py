"""Steps falling behind: once a week the person hears about their own, and their line manager gets one
message listing their team's — in working time, like every nudge.

"Once a week" is the outbox's unique dedupe key (`plans:behind:<person>:<ISO week>`,
`plans:team:<manager>:<ISO week>`), so running the job every few minutes, or in several processes, sends
each at most once a week; a message is decided on or after the week's digest day and delivered at the
recipient's next working slot.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Moment
from handlers.nudges.rules import NudgeRules
from handlers.nudges.scan import week_period
from handlers.plans.progress import PlanProgress, progress_of
from handlers.plans.usecases import record_completions
from scheduler.outbox import Notice, enqueue
from scheduler.working_time import WorkingTime
from storage.models import Person
from storage.models.plans import Plan

log = logging.getLogger("ldbot.plans")


@dataclass
class BehindReport:
    people: int = 0
    managers: int = 0
    queued: list[int] = field(default_factory=list)


async def behind_progress(db: AsyncSession, today: date) -> list[tuple[Person, PlanProgress]]:
    """Open plans of active people with a step behind."""
    plans = list(await db.scalars(
        select(Plan).join(Person, Person.id == Plan.person_id)
        .where(Plan.completed_at.is_(None), Person.active.is_(True)).order_by(Plan.id)
    ))
    progress = await progress_of(db, plans, today)
    people = {p.id: p for p in await db.scalars(select(Person).where(Person.id.in_({p.person_id for p in plans})))}
    return [(people[p.plan.person_id], p) for p in progress if p.behind]


def _rows(found: PlanProgress, today: date) -> list[dict]:
    return [{"pathway": found.plan.pathway.name, "step": s.step.title, "due": s.due.isoformat(),
             "days": (today - s.due).days} for s in found.behind]


async def queue_behind(
    db: AsyncSession, *, now: datetime, rules: NudgeRules, working: WorkingTime | None = None
) -> BehindReport:
    """Queue this week's reminders (a no-op before the digest day, and for anyone told this week)."""
    working = working or WorkingTime(rules)
    today = now.astimezone(ZoneInfo(rules.timezone)).date()
    report = BehindReport()
    if today.weekday() < rules.digest_weekday:
        return report
    week = week_period(today)
    found = await behind_progress(db, today)
    notices: list[Notice] = []
    teams: dict[int, list[dict]] = defaultdict(list)
    for person, progress in found:
        rows = _rows(progress, today)
        first = (person.name.split() or [person.name])[0]
        notices.append(Notice(
            person.id, "plans.behind_reminder", {"first": first, "steps": rows}, kind="plans_behind",
            dedupe_key=f"plans:behind:{person.id}:{week}",
            not_before=working.deliver_at(person.working_pattern, person.timezone, today, now),
        ))
        if person.line_manager_id:
            teams[person.line_manager_id] += [{"name": person.name, **row} for row in rows]
    managers = {m.id: m for m in await db.scalars(
        select(Person).where(Person.id.in_(teams), Person.active.is_(True)))} if teams else {}
    for manager_id, rows in teams.items():
        manager = managers.get(manager_id)
        if manager is None:
            continue
        first = (manager.name.split() or [manager.name])[0]
        notices.append(Notice(
            manager.id, "plans.team_behind", {"first": first, "steps": rows}, kind="plans_team_behind",
            dedupe_key=f"plans:team:{manager.id}:{week}",
            not_before=working.deliver_at(manager.working_pattern, manager.timezone, today, now),
        ))
    report.queued = await enqueue(db, notices, now=now)
    report.people = sum(1 for n in notices if n.template == "plans.behind_reminder")
    report.managers = len(notices) - report.people
    log.info("plans behind week=%s people=%s managers=%s queued=%s", week, report.people, report.managers,
             len(report.queued))
    return report


async def completions(db: AsyncSession, at: Moment) -> None:
    """Plans the record now shows complete are recorded as such (the daily look, besides anyone viewing)."""
    plans = list(await db.scalars(select(Plan).where(Plan.completed_at.is_(None))))
    record_completions(db, await progress_of(db, plans, at.today), at)
