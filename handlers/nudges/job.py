"""Deciding nudges and writing them to the outbox, exactly once however many schedulers run.

One transaction per run: the plan's decisions (nudge_sends, item notices, ownership changes) and the
outbox rows commit together or not at all. Duplicates are stopped by the database, not by luck:
- `nudge_sends` is unique per (recipient, kind, period) and `nudge_item_notices` per item notice, and rows
  are inserted with ON CONFLICT DO NOTHING, so a second scheduler's insert finds the first's and skips;
- a manager change is claimed with a conditional UPDATE (only one transaction sees the old manager);
- the outbox row's `dedupe_key` is unique too;
- on PostgreSQL a transaction-scoped advisory lock also keeps two runs from doing the same work at once.

A nudge is decided at its slot (so it reflects the latest actions) and delivered at once if the recipient
is at work, otherwise at their next working slot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import Services
from handlers.nudges.rules import NudgeRules
from handlers.nudges.scan import Item, Nudge, PersonRow, Plan, build_plan
from scheduler.outbox import Notice, NoticeButton, enqueue
from scheduler.working_time import WorkingTime
from storage.db import unit_of_work
from storage.models import OutgoingMessage
from storage.models.nudges import APPRAISAL, ItemOwner, NudgeItemNotice, NudgeSend

log = logging.getLogger("ldbot.nudges")

ADVISORY_LOCK_KEY = 0x6C64626F74  # "ldbot": one nudge run at a time per database
BUTTON_ITEMS = 10  # items that get buttons in one digest (chat platforms limit buttons per message)
CHUNK = 500  # nudges decided per transaction


@dataclass
class NudgeReport:
    day: str = ""
    queued: dict[str, int] = field(default_factory=dict)
    waiting: int = 0  # decided later, at the recipient's slot
    skipped: int = 0  # another scheduler decided them first

    def __str__(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.queued.items())) or "nothing"
        return f"{self.day}: queued {counts}; {self.waiting} later today; {self.skipped} already decided"


def _insert(db: AsyncSession):  # noqa: ANN202 - the dialect's insert with ON CONFLICT
    return postgresql.insert if db.bind.dialect.name == "postgresql" else sqlite.insert


async def run_nudges(
    services: Services,
    *,
    rules: NudgeRules | None = None,
    now: datetime | None = None,
    use_lock: bool = True,
    chunk: int = CHUNK,
) -> NudgeReport:
    """Decide what is due by `now` on today's date (in the rules' time zone) and queue it."""
    rules = rules or services.config(NudgeRules)
    now = now or services.now()
    day = now.astimezone(ZoneInfo(rules.timezone)).date()
    working = WorkingTime(rules)
    report = NudgeReport(day=day.isoformat())
    async with unit_of_work(services.sessions) as db:
        await _lock(db, use_lock)
        plan = await build_plan(db, day, rules, working=working)
        await _record_owners(db, plan)
    due = [n for n in plan.nudges if n.slot <= now]
    report.waiting = len(plan.nudges) - len(due)
    # Short transactions of a few hundred nudges each: every nudge still commits with its outbox row,
    # and a large organisation's Monday never holds the database's write lock for long.
    for part in _chunks(due, chunk):
        async with unit_of_work(services.sessions) as db:
            await _lock(db, use_lock)
            queued = await _decide(db, plan, part, working, now)
        for nudge in part:
            if (nudge.recipient_id, nudge.kind) in queued:
                report.queued[nudge.kind] = report.queued.get(nudge.kind, 0) + 1
            else:
                report.skipped += 1
    log.info("nudges run day=%s queued=%s waiting=%s skipped=%s", day, report.queued, report.waiting, report.skipped)
    return report


async def _lock(db: AsyncSession, use_lock: bool) -> None:
    if use_lock and db.bind.dialect.name == "postgresql":
        await db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})


async def _record_owners(db: AsyncSession, plan: Plan) -> None:
    """Ownership the scan learnt without telling anyone: first sight, or a change with nothing open."""
    insert = _insert(db)
    for chunk in _chunks(plan.new_owners, 2000):
        await db.execute(
            insert(ItemOwner)
            .values([{"person_id": p, "manager_id": m, "since": plan.day} for p, m in chunk])
            .on_conflict_do_nothing()
        )
    for person_id, before, now in plan.silent_owners:
        await db.execute(_claim_owner(person_id, before, now, plan))


def _claim_owner(person_id: int, before: int | None, now: int | None, plan: Plan):  # noqa: ANN202
    was = ItemOwner.manager_id.is_(None) if before is None else ItemOwner.manager_id == before
    return update(ItemOwner).where(and_(ItemOwner.person_id == person_id, was)).values(manager_id=now, since=plan.day)


async def _decide(
    db: AsyncSession, plan: Plan, nudges: list[Nudge], working: WorkingTime, now: datetime
) -> set[tuple[int, str]]:
    """Claim these nudges in the database and queue their messages; returns the (recipient, kind) queued.

    A nudge another scheduler claimed first (same recipient, kind and period), or whose every item was
    already told, is left alone.
    """
    insert = _insert(db)
    # One cached statement run over many rows (executemany with RETURNING, batched by SQLAlchemy).
    claimed = {
        (r.recipient_id, r.kind): r.id
        for r in await db.execute(
            insert(NudgeSend).on_conflict_do_nothing().returning(NudgeSend.id, NudgeSend.recipient_id, NudgeSend.kind),
            [
                {"recipient_id": n.recipient_id, "kind": n.kind, "period": n.period, "on_day": plan.day,
                 "created_at": now}
                for n in nudges
            ],
        )
    }
    mine = [n for n in nudges if (n.recipient_id, n.kind) in claimed]
    notices = [
        {"key": i.notice_key(n.kind, n.recipient_id), "send_id": claimed[(n.recipient_id, n.kind)], "kind": n.kind,
         "person_id": i.person_id, "item": i.item, "due_date": i.due, "status": i.status}
        for n in mine if n.kind in ("escalation", "expiry") for i in n.items
    ]
    fresh: set[str] = set()
    if notices:
        fresh.update(await db.scalars(
            insert(NudgeItemNotice).on_conflict_do_nothing().returning(NudgeItemNotice.key), notices
        ))
    queued: set[tuple[int, str]] = set()
    messages: list[tuple[int, Notice]] = []
    empty: list[int] = []
    for nudge in mine:
        send_id = claimed[(nudge.recipient_id, nudge.kind)]
        items, moved = nudge.items, nudge.moved
        if nudge.kind in ("escalation", "expiry"):
            items = [i for i in items if i.notice_key(nudge.kind, nudge.recipient_id) in fresh]
        if nudge.kind == "handover":
            moved = [
                (person_id, before) for person_id, before in moved
                if (await db.execute(_claim_owner(person_id, before, nudge.recipient_id, plan))).rowcount == 1
            ]
            items = [i for i in items if i.person_id in {p for p, _ in moved}]
        if not items:
            empty.append(send_id)
            continue
        recipient = plan.people[nudge.recipient_id]
        context, buttons = message_for(plan, nudge.kind, recipient, items, moved)
        # Decided after their working hours, it waits for their next shift.
        when = working.deliver_at(recipient.working_pattern, recipient.timezone, plan.day, now)
        messages.append((send_id, Notice(
            recipient.id,
            f"nudges.{nudge.kind}",
            context,
            tuple(buttons),
            kind=f"nudge_{nudge.kind}",
            dedupe_key=f"nudge:{nudge.kind}:{recipient.id}:{nudge.period}",
            not_before=when,
        )))
        queued.add((nudge.recipient_id, nudge.kind))
    await enqueue(db, [notice for _, notice in messages], now=now)  # one batched INSERT for the chunk
    if messages:
        ids = dict((await db.execute(
            select(OutgoingMessage.dedupe_key, OutgoingMessage.id)
            .where(OutgoingMessage.dedupe_key.in_([n.dedupe_key for _, n in messages]))
        )).all())
        for _, notice in messages:
            log.info("nudge queued kind=%s recipient=%s message=%s", notice.kind, notice.recipient_id,
                     ids.get(notice.dedupe_key))
        await db.execute(update(NudgeSend), [
            {"id": send_id, "message_id": ids[n.dedupe_key]} for send_id, n in messages if n.dedupe_key in ids
        ])
    if empty:
        await db.execute(delete(NudgeSend).where(NudgeSend.id.in_(empty)))
    return queued


def message_for(
    plan: Plan,
    kind: str,
    recipient: PersonRow,
    items: list[Item],
    moved: list[tuple[int, int | None]],
) -> tuple[dict, list[NoticeButton]]:
    """The template context (plain data, rendered per platform at delivery) and the action buttons."""
    people = plan.people
    rows = [
        {
            "person": people[i.person_id].name,
            "email": people[i.person_id].email,
            "what": i.what,
            "title": i.title,
            "appraisal": i.what == APPRAISAL,
            "due": i.due.isoformat(),
            "status": i.status,
            "days": abs((plan.day - i.due).days),
            "evidence_waiting": i.evidence_waiting,
        }
        for i in items
    ]
    first = (recipient.name.split() or [recipient.name])[0]
    context: dict = {"name": recipient.name, "first": first, "items": rows, "day": plan.day.isoformat()}
    buttons: list[NoticeButton] = []
    if kind == "handover":
        context["people"] = [
            {"name": people[p].name, "previous": people[b].name if b in people else ""} for p, b in moved
        ]
    if kind in ("digest", "handover"):
        context["more"] = max(0, len(items) - BUTTON_ITEMS)
        for item in items[:BUTTON_ITEMS]:
            buttons.extend(item_buttons(people[item.person_id], item))
    return context, buttons


def item_buttons(person: PersonRow, item: Item) -> list[NoticeButton]:
    """One action for the item, and snooze. Ids are unique per message (Slack requires it)."""
    label = {"name": person.name, "what": item.what}
    if item.what == APPRAISAL:
        main = NoticeButton("nudges.button_done", f"nudges.done:{person.id}", str(person.id), "primary", label)
    elif item.evidence_waiting:
        value = f"{person.id}:{item.competence_id}"
        main = NoticeButton("nudges.button_evidence", f"nudges.evidence:{value}", value, "primary", label)
    else:
        value = f"{person.id}:{item.competence_id}"
        main = NoticeButton("nudges.button_book", f"nudges.book:{value}", value, "primary", label)
    snooze_value = f"{person.id}:{item.item}"
    return [main, NoticeButton("nudges.button_snooze", f"nudges.snooze:{snooze_value}", snooze_value, None, label)]


def _chunks(values: list, size: int):  # noqa: ANN202
    for start in range(0, len(values), size):
        yield values[start : start + size]


async def preview(services: Services, day, *, rules: NudgeRules | None = None) -> Plan:  # noqa: ANN001
    """The plan for a day, read-only (nothing is written)."""
    rules = rules or services.config(NudgeRules)
    async with services.sessions() as db:
        plan = await build_plan(db, day, rules)
        await db.rollback()
    return plan

