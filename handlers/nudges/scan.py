"""What each manager and member of staff should hear on a given day: a plan, computed without sending.

The same plan feeds `ldbot nudges preview` and the scheduled job, so a preview is exactly what would go.
It is built from a handful of set-based queries (never one query per person), so an organisation of tens
of thousands of people scans in well under two seconds.

Rules, in the issue's words: an item is overdue when its due date is before the day, due soon when it is
within the window. A digest (weekly, on the manager's first working day on or after the digest day) lists
the direct reports' items; an escalation (to the manager's own manager) lists items overdue past the
threshold, each item once; an expiry reminder tells staff about their own risk-critical competences, once
when due soon and once when overdue. Snoozed (until a date), done, and booked (until the day after the
booking) items are left out everywhere. When a line manager changes, the new manager is told once.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from handlers.nudges.rules import NudgeRules
from scheduler.working_time import WorkingTime
from storage.models import Competence, CompetenceStanding, Evidence, Person
from storage.models.competence import evidence_competences
from storage.models.nudges import (
    APPRAISAL,
    AppraisalRecord,
    AssessmentBooking,
    ItemOwner,
    NudgeDone,
    NudgeItemNotice,
    NudgeSend,
    NudgeSnooze,
    competence_item,
)

KIND_ORDER = {"digest": 0, "escalation": 1, "expiry": 2, "handover": 3}


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def week_period(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


class PersonRow(NamedTuple):
    """What the scan needs to know about a person."""

    id: int
    email: str
    name: str
    line_manager_id: int | None
    timezone: str | None
    working_pattern: str | None


async def _core(db: AsyncSession, statement: Executable) -> Result:
    """Run a plain column query on the session's connection, skipping the ORM's per-row work."""
    connection = await db.connection()
    return await connection.execute(statement)


@dataclass(slots=True)
class Item:
    """One thing to keep in date for one person, as it stands on the scan's day."""

    person_id: int
    item: str  # "appraisal" or "competence:<id>"
    what: str  # "appraisal" or the competence code
    title: str
    due: date
    status: str  # "overdue" | "due_soon"
    risk_critical: bool = False
    competence_id: int | None = None
    evidence_waiting: bool = False

    def notice_key(self, kind: str, recipient_id: int) -> str:
        suffix = f":{self.status}" if kind == "expiry" else ""
        return f"{kind}:{recipient_id}:{self.person_id}:{self.item}:{self.due.isoformat()}{suffix}"


@dataclass(slots=True)
class Nudge:
    recipient_id: int
    kind: str  # digest | escalation | expiry | handover
    period: str
    slot: datetime
    items: list[Item] = field(default_factory=list)
    # handover: (person id, previous manager id) pairs whose items now belong to the recipient
    moved: list[tuple[int, int | None]] = field(default_factory=list)


@dataclass(slots=True)
class Plan:
    day: date
    nudges: list[Nudge]
    people: dict[int, PersonRow]
    # People the scan has not seen before (ownership recorded silently) and silent manager changes
    # (no open items to hand over): (person id, previous manager id or None, current manager id).
    silent_owners: list[tuple[int, int | None, int | None]] = field(default_factory=list)
    new_owners: list[tuple[int, int | None]] = field(default_factory=list)

    def for_json(self, *, kinds: tuple[str, ...] = ("digest", "escalation", "expiry")) -> list[dict]:
        """The issue's preview format: recipient, kind and items (person, what, due, status)."""
        out = []
        for nudge in self.nudges:
            if nudge.kind not in kinds:
                continue
            out.append(
                {
                    "recipient": self.people[nudge.recipient_id].email,
                    "kind": nudge.kind,
                    "items": [
                        {
                            "person": self.people[i.person_id].email,
                            "what": i.what,
                            "due": i.due.isoformat(),
                            "status": i.status,
                        }
                        for i in nudge.items
                    ],
                }
            )
        return out


# --- reading the records ---------------------------------------------------------------------------------
async def _people(db: AsyncSession, ids: set[int] | None = None) -> dict[int, PersonRow]:
    query = select(
        Person.id, Person.email, Person.name, Person.line_manager_id, Person.timezone, Person.working_pattern
    ).where(Person.active.is_(True))
    if ids is not None:
        query = query.where(Person.id.in_(ids))
    return {r[0]: PersonRow._make(r) for r in await _core(db, query)}


async def _appraisal_items(
    db: AsyncSession, day: date, horizon: date, rules: NudgeRules, only: set[int] | None = None
) -> list[tuple[int, date]]:
    # Narrow in SQL (a few days' slack for month ends), decide exactly in Python.
    latest_last = add_months(horizon, -rules.appraisal_months) + timedelta(days=4)
    query = select(AppraisalRecord.person_id, AppraisalRecord.last_appraisal_date, AppraisalRecord.next_due_date).where(
        or_(
            AppraisalRecord.next_due_date <= horizon,
            and_(AppraisalRecord.next_due_date.is_(None), AppraisalRecord.last_appraisal_date <= latest_last),
        )
    )
    if only is not None:
        query = query.where(AppraisalRecord.person_id.in_(only))
    rows = await _core(db, query)
    due_items = []
    for person_id, last, next_due in rows:
        due = next_due or add_months(last, rules.appraisal_months)
        if due <= horizon:
            due_items.append((person_id, due))
    return due_items


async def _competence_items(db: AsyncSession, horizon: date, only: set[int] | None = None) -> list[tuple[int, int, date]]:
    """(person, competence, valid until) where the person's standing runs out by the horizon.

    competence_standings holds each person's newest competent evidence per competence (the rule of
    storage.status.competence_status, kept up to date by storage.standing), so this reads only the rows
    that run out soon, however long the evidence history grows. No end date means in date for good.
    """
    query = select(CompetenceStanding.person_id, CompetenceStanding.competence_id, CompetenceStanding.valid_until).where(
        CompetenceStanding.valid_until <= horizon
    )
    if only is not None:
        query = query.where(CompetenceStanding.person_id.in_(only))
    return [tuple(r) for r in await _core(db, query)]  # type: ignore[misc]


async def _competences(db: AsyncSession) -> dict[int, tuple[str, str, bool]]:
    rows = await _core(
        db,
        select(Competence.id, Competence.code, Competence.title, Competence.risk_critical).where(
            Competence.active.is_(True)
        )
    )
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


async def _suppressed(db: AsyncSession, day: date) -> tuple[set, set, set, set]:
    snoozed = {tuple(r) for r in await _core(
        db,
        select(NudgeSnooze.person_id, NudgeSnooze.item).where(NudgeSnooze.until > day)
    )}
    done = {tuple(r) for r in await _core(db, select(NudgeDone.person_id, NudgeDone.item, NudgeDone.due_date))}
    booked = {tuple(r) for r in await _core(
        db,
        select(AssessmentBooking.person_id, AssessmentBooking.competence_id).where(AssessmentBooking.booked_for >= day)
    )}
    ec = evidence_competences.c
    waiting = {tuple(r) for r in await _core(
        db,
        select(Evidence.person_id, ec.competence_id)
        .join(Evidence, Evidence.id == ec.evidence_id)
        .where(Evidence.status == "submitted")
    )}
    return snoozed, done, booked, waiting


async def open_items(
    db: AsyncSession, day: date, rules: NudgeRules, people: dict[int, PersonRow], *, only: set[int] | None = None
) -> list[Item]:
    """Every overdue or due-soon item of an active person (of `only`, when given: a manager's digest on
    request), leaving out snoozed, done and booked ones."""
    horizon = day + timedelta(days=rules.due_soon_days)
    competences = await _competences(db)
    snoozed, done, booked, waiting = await _suppressed(db, day)
    items: list[Item] = []
    # Snoozes, done marks and bookings are few; look them up only for the people who have any.
    held = {k[0] for k in snoozed} | {k[0] for k in done} | {k[0] for k in booked}

    for person_id, due in await _appraisal_items(db, day, horizon, rules, only):
        if person_id not in people:
            continue
        if person_id in held and ((person_id, APPRAISAL) in snoozed or (person_id, APPRAISAL, due) in done):
            continue
        items.append(Item(person_id, APPRAISAL, APPRAISAL, "", due, "overdue" if due < day else "due_soon"))
    keys = {cid: competence_item(cid) for cid in competences}
    for person_id, competence_id, due in await _competence_items(db, horizon, only):
        if person_id not in people or competence_id not in competences:
            continue
        key = keys[competence_id]
        if person_id in held and (
            (person_id, key) in snoozed or (person_id, key, due) in done or (person_id, competence_id) in booked
        ):
            continue
        code, title, critical = competences[competence_id]
        items.append(
            Item(person_id, key, code, title, due, "overdue" if due < day else "due_soon", critical, competence_id,
                 bool(waiting) and (person_id, competence_id) in waiting)
        )
    return items


# --- deciding who hears what -------------------------------------------------------------------------------
async def build_plan(
    db: AsyncSession, day: date, rules: NudgeRules, *, working: WorkingTime | None = None
) -> Plan:
    """Everything due to be sent on `day` and not sent already, in a stable order."""
    working = working or WorkingTime(rules)
    people = await _people(db)
    items = await open_items(db, day, rules, people)
    week, today = week_period(day), day.isoformat()
    sent = {tuple(r) for r in await _core(
        db,
        select(NudgeSend.recipient_id, NudgeSend.kind).where(NudgeSend.period.in_((week, today)))
    )}
    nudges: list[Nudge] = []
    slots: dict[tuple[str | None, str | None], datetime | None] = {}
    digest_days: dict[str | None, date | None] = {}

    def slot(recipient: PersonRow) -> datetime | None:
        """Most people share a pattern and a time zone: work each combination out once."""
        key = (recipient.working_pattern, recipient.timezone)
        if key not in slots:
            slots[key] = working.slot(recipient.working_pattern, recipient.timezone, day)
        return slots[key]

    def order(i: Item) -> tuple[str, bool, str]:
        return people[i.person_id].email, i.what != APPRAISAL, i.what

    # Sorted once here, the lists grouped from it below are already in order (person's email, then what).
    items.sort(key=order)
    by_manager: dict[int, list[Item]] = defaultdict(list)
    by_person: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        by_person[item.person_id].append(item)
        manager_id = people[item.person_id].line_manager_id
        if manager_id in people:
            by_manager[manager_id].append(item)

    # Digests: on the manager's first working day of the week on or after the digest day.
    digest_from = day - timedelta(days=day.weekday() - rules.digest_weekday)

    def digest_day(pattern: str | None) -> date | None:
        if pattern not in digest_days:
            week_left = (digest_from + timedelta(days=n) for n in range(7 - rules.digest_weekday))
            digest_days[pattern] = next((d for d in week_left if working.is_working_day(pattern, d)), None)
        return digest_days[pattern]

    if day >= digest_from:
        for manager_id, team_items in by_manager.items():
            manager = people[manager_id]
            if digest_day(manager.working_pattern) != day or (manager_id, "digest") in sent:
                continue
            when = slot(manager)
            if when is not None:
                nudges.append(Nudge(manager_id, "digest", week, when, team_items))

    # Escalations and expiry reminders tell each item once, so look up what was told already.
    overdue_before = day - timedelta(days=rules.escalate_after_days)
    told, told_people = await _told(db, items)
    escalations: dict[int, list[Item]] = defaultdict(list)
    for manager_id, team_items in by_manager.items():
        senior_id = people[manager_id].line_manager_id
        if senior_id not in people:
            continue
        for item in team_items:
            if item.due < overdue_before and (
                item.person_id not in told_people or item.notice_key("escalation", senior_id) not in told
            ):
                escalations[senior_id].append(item)
    for senior_id, late in escalations.items():
        when = slot(people[senior_id])
        if when is not None and (senior_id, "escalation") not in sent:
            late.sort(key=order)  # several teams' lists, each in order, one after another
            nudges.append(Nudge(senior_id, "escalation", today, when, late))

    for person_id, own in by_person.items():
        mine = [
            i for i in own
            if i.risk_critical and (person_id not in told_people or i.notice_key("expiry", person_id) not in told)
        ]
        if not mine or (person_id, "expiry") in sent:
            continue
        when = slot(people[person_id])
        if when is not None:
            nudges.append(Nudge(person_id, "expiry", today, when, mine))

    plan = Plan(day=day, nudges=nudges, people=people)
    await _handovers(db, plan, by_person, sent, slot)
    plan.nudges.sort(key=lambda n: (people[n.recipient_id].email, KIND_ORDER[n.kind]))
    return plan


async def _told(db: AsyncSession, items: list[Item]) -> tuple[set[str], set[int]]:
    """Notice keys already used for these items' due dates, and the people they were about."""
    if not items:
        return set(), set()
    rows = await _core(
        db,
        select(NudgeItemNotice.key, NudgeItemNotice.person_id).where(
            NudgeItemNotice.kind.in_(("escalation", "expiry")),
            NudgeItemNotice.due_date >= min(i.due for i in items),
            NudgeItemNotice.due_date <= max(i.due for i in items),
        )
    )
    keys: set[str] = set()
    people: set[int] = set()
    for key, person_id in rows:
        keys.add(key)
        people.add(person_id)
    return keys, people


async def _handovers(db: AsyncSession, plan: Plan, by_person: dict[int, list[Item]], sent: set, slot) -> None:  # noqa: ANN001
    """Compare who looked after each person's items last time with their line manager now."""
    people = plan.people
    # Only the differences come back: people never seen before (no owner row) and changed managers.
    changed = await _core(
        db,
        select(Person.id, Person.line_manager_id, ItemOwner.person_id, ItemOwner.manager_id)
        .outerjoin(ItemOwner, ItemOwner.person_id == Person.id)
        .where(
            Person.active.is_(True),
            or_(ItemOwner.person_id.is_(None), ItemOwner.manager_id.is_distinct_from(Person.line_manager_id)),
        )
    )
    moved_to: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for person_id, now, owned, before in changed:
        if owned is None:
            plan.new_owners.append((person_id, now))
            continue
        if now in people and by_person.get(person_id):
            moved_to[now].append((person_id, before))
        else:
            plan.silent_owners.append((person_id, before, now))
    for manager_id, moved in moved_to.items():
        when = slot(people[manager_id])
        if when is None or (manager_id, "handover") in sent:
            continue  # told on their next working day
        moved.sort(key=lambda m: people[m[0]].email)
        items = [i for person_id, _ in moved for i in by_person[person_id]]
        plan.nudges.append(Nudge(manager_id, "handover", plan.day.isoformat(), when, items, moved))


async def digest_items(db: AsyncSession, manager_id: int, day: date, rules: NudgeRules) -> Plan:
    """What a manager's digest would list on `day` (their direct reports' open items), as a small plan."""
    reports = set(await db.scalars(
        select(Person.id).where(Person.line_manager_id == manager_id, Person.active.is_(True))
    ))
    people = await _people(db, reports | {manager_id})
    items = await open_items(db, day, rules, people, only=reports)
    items.sort(key=lambda i: (people[i.person_id].email, i.what != APPRAISAL, i.what))
    return Plan(day=day, people=people, nudges=[Nudge(manager_id, "digest", week_period(day), None, items)]
                if items else [])
