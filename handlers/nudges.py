"""Acting on a digest without leaving the chat: appraisal done, snooze, book an assessment, see evidence.

Every action is about one person's item and only that person's line manager may take it. Each one
changes the records the next scan reads, so a manager who has acted is not chased again.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.router import action, form
from bot.turn import Turn
from bot.types import Form, FormField
from scheduler.rules import get_rules
from scheduler.scan import add_months
from storage.models import EVIDENCE_KINDS, Competence, Evidence, Person
from storage.models.nudges import (
    APPRAISAL,
    AppraisalRecord,
    AssessmentBooking,
    NudgeDone,
    NudgeSnooze,
    competence_item,
    item_competence_id,
)
from storage.records_import import parse_day

SUMMARY_CHARS = 80


def _args(turn: Turn) -> list[str]:
    """The button's data: its value, or what follows the route key in its id."""
    act = turn.incoming.action
    if act is None:
        return []
    data = act.value or act.action_id.partition(":")[2]
    return data.split(":") if data else []


async def _managed_person(turn: Turn, person_id: str | int | None) -> Person | None:
    """The person, if the one acting is their line manager; otherwise say why not and return None."""
    person = await turn.db.get(Person, int(person_id)) if str(person_id or "").isdigit() else None
    if person is None or not person.active:
        turn.say("nudges.gone")
        return None
    if person.line_manager_id != turn.person.id:
        turn.say("nudges.not_allowed", name=person.name)
        return None
    return person


async def _competence(turn: Turn, competence_id: str | int | None) -> Competence | None:
    competence = await turn.db.get(Competence, int(competence_id)) if str(competence_id or "").isdigit() else None
    if competence is None or not competence.active:
        turn.say("nudges.gone")
        return None
    return competence


def _parse(turn: Turn, text: str) -> date | None:
    """A typed date: the chat's friendly parser ("yesterday", "28/03") when present, else strict formats."""
    try:
        from bot.dates import DateParseError, parse_uk_date
    except ImportError:  # pragma: no cover - written alongside this module
        return parse_day(text)
    try:
        return parse_uk_date(text, turn.today())
    except DateParseError:
        return parse_day(text)


def _date_field(turn: Turn, label: str) -> FormField:
    example = turn.today().isoformat()
    return FormField("date", label, "date", hint=turn.text("nudges.date_hint", example=example), initial=example)


# --- appraisal done -----------------------------------------------------------------------------------------
@action("nudges.done")
async def ask_appraisal_done(turn: Turn) -> None:
    args = _args(turn)
    person = await _managed_person(turn, args[0] if args else None)
    if person is None:
        return
    turn.say(
        "nudges.done_ask",
        name=person.name,
        form=Form(
            "nudges.done",
            turn.text("nudges.done_title", name=person.name),
            (_date_field(turn, turn.text("nudges.done_field")),),
            turn.text("nudges.save"),
            context=str(person.id),
        ),
    )


async def _validate_done(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    if "date" not in values:
        return {}
    day = _parse(turn, values["date"])
    if day is None:
        return {"date": turn.text("nudges.bad_date", example=turn.today().isoformat())}
    if day > turn.today():
        return {"date": turn.text("nudges.future_date")}
    values["date"] = day.isoformat()
    return {}


@form("nudges.done", validate=_validate_done)
async def save_appraisal_done(turn: Turn, values: dict[str, str]) -> None:
    person = await _managed_person(turn, turn.form_context)
    if person is None:
        return
    done = date.fromisoformat(values["date"])
    months = get_rules().appraisal_months
    record = await turn.db.scalar(select(AppraisalRecord).where(AppraisalRecord.person_id == person.id))
    if record is None:
        record = AppraisalRecord(person_id=person.id, last_appraisal_date=done, source="chat", updated_at=turn.now())
        turn.db.add(record)
    else:
        was_due = record.next_due_date or add_months(record.last_appraisal_date, months)
        await _mark_done(turn, person.id, APPRAISAL, was_due, done)
        record.last_appraisal_date = max(record.last_appraisal_date, done)
        record.next_due_date = None
        record.source = "chat"
    record.updated_by_id, record.updated_at = turn.person.id, turn.now()
    await turn.db.flush()
    await turn.audit("appraisal", person.id, "done", date=done.isoformat())
    turn.say("nudges.done_saved", name=person.name, done=done.isoformat(),
             next_due=add_months(record.last_appraisal_date, months).isoformat())


async def _mark_done(turn: Turn, person_id: int, item: str, due: date, done: date) -> None:
    exists = await turn.db.scalar(
        select(NudgeDone.id).where(NudgeDone.person_id == person_id, NudgeDone.item == item, NudgeDone.due_date == due)
    )
    if exists is None:
        turn.db.add(NudgeDone(person_id=person_id, item=item, due_date=due, done_on=done, done_by_id=turn.person.id,
                              created_at=turn.now()))


# --- snooze ---------------------------------------------------------------------------------------------------
@action("nudges.snooze")
async def snooze(turn: Turn) -> None:
    args = _args(turn)
    person = await _managed_person(turn, args[0] if args else None)
    if person is None:
        return
    item = ":".join(args[1:])
    what = APPRAISAL
    if item != APPRAISAL:
        competence = await _competence(turn, item_competence_id(item))
        if competence is None:
            return
        item, what = competence_item(competence.id), competence.code
    until = turn.today() + timedelta(days=get_rules().snooze_days)
    row = await turn.db.scalar(select(NudgeSnooze).where(NudgeSnooze.person_id == person.id, NudgeSnooze.item == item))
    if row is None:
        turn.db.add(NudgeSnooze(person_id=person.id, item=item, until=until, snoozed_by_id=turn.person.id,
                                created_at=turn.now()))
    else:
        row.until, row.snoozed_by_id, row.created_at = until, turn.person.id, turn.now()
    await turn.db.flush()
    await turn.audit("person", person.id, "nudge_snoozed", item=item, until=until.isoformat())
    turn.say("nudges.snoozed", name=person.name, what=what, until=until.isoformat())


# --- book a workplace assessment ----------------------------------------------------------------------------
@action("nudges.book")
async def ask_booking(turn: Turn) -> None:
    args = _args(turn)
    person = await _managed_person(turn, args[0] if args else None)
    if person is None:
        return
    competence = await _competence(turn, args[1] if len(args) > 1 else None)
    if competence is None:
        return
    turn.say(
        "nudges.book_ask",
        name=person.name,
        what=competence.code,
        form=Form(
            "nudges.book",
            turn.text("nudges.book_title", name=person.name, what=competence.code),
            (_date_field(turn, turn.text("nudges.book_field")),),
            turn.text("nudges.book_submit"),
            context=f"{person.id}:{competence.id}",
        ),
    )


async def _validate_booking(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    if "date" not in values:
        return {}
    day = _parse(turn, values["date"])
    if day is None:
        return {"date": turn.text("nudges.bad_date", example=turn.today().isoformat())}
    if day < turn.today():
        return {"date": turn.text("nudges.past_date")}
    if day > turn.today() + timedelta(days=366):
        return {"date": turn.text("nudges.far_date")}
    values["date"] = day.isoformat()
    return {}


@form("nudges.book", validate=_validate_booking)
async def save_booking(turn: Turn, values: dict[str, str]) -> None:
    person_id, _, competence_id = turn.form_context.partition(":")
    person = await _managed_person(turn, person_id)
    if person is None:
        return
    competence = await _competence(turn, competence_id)
    if competence is None:
        return
    on = date.fromisoformat(values["date"])
    exists = await turn.db.scalar(
        select(AssessmentBooking.id).where(
            AssessmentBooking.person_id == person.id,
            AssessmentBooking.competence_id == competence.id,
            AssessmentBooking.booked_for == on,
        )
    )
    if exists is not None:
        turn.say("nudges.booked_already", name=person.name, what=competence.code, on=on.isoformat())
        return
    booking = AssessmentBooking(person_id=person.id, competence_id=competence.id, booked_for=on,
                                booked_by_id=turn.person.id, created_at=turn.now())
    turn.db.add(booking)
    await turn.db.flush()
    await turn.audit("assessment_booking", booking.id, "booked", person_id=person.id, competence=competence.code,
                     on=on.isoformat())
    turn.say("nudges.booked", name=person.name, what=competence.code, on=on.isoformat())


# --- evidence awaiting verification ---------------------------------------------------------------------------
@action("nudges.evidence")
async def evidence_waiting(turn: Turn) -> None:
    args = _args(turn)
    person = await _managed_person(turn, args[0] if args else None)
    if person is None:
        return
    competence = None
    if len(args) > 1 and args[1]:
        competence = await turn.db.get(Competence, int(args[1])) if args[1].isdigit() else None
    rows = await turn.db.scalars(
        select(Evidence)
        .where(Evidence.person_id == person.id, Evidence.status == "submitted")
        .order_by(Evidence.activity_date, Evidence.id)
    )
    items = []
    for evidence in rows:
        codes = [c.code for c in evidence.competences]
        summary = " ".join(evidence.description.split())
        items.append(
            {
                "id": evidence.id,
                "kind": EVIDENCE_KINDS.get(evidence.kind, evidence.kind),
                "date": evidence.activity_date.isoformat(),
                "codes": ", ".join(codes),
                "summary": summary if len(summary) <= SUMMARY_CHARS else summary[: SUMMARY_CHARS - 1] + "…",
                "matches": competence is not None and competence.code in codes,
            }
        )
    # The evidence for the competence in the digest first.
    items.sort(key=lambda e: not e["matches"])
    turn.say("nudges.evidence_list", name=person.name, what=competence.code if competence else "", items=items)
