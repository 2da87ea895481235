"""My record in chat — and the view a line manager, assessor, L&D or admin gets of someone else's.

`record EMAIL-or-name` shows someone else's record only to those the access policy allows. Anyone else
gets the same polite refusal whether or not the person exists.
"""

from __future__ import annotations

from bot.access import Act
from bot.ids import parse_id
from bot.turn import Turn
from bot.types import Button
from bot.unit import Routes
from bot.usecase import Refused
from handlers.nudges.rules import NudgeRules
from handlers.plans.usecases import plan_summaries
from handlers.record import usecases as uc
from handlers.record.team import appraisal_due, appraisal_state, bookings, team_context, team_view
from storage.models import Person
from storage.record import record_context

routes = Routes()

SHOWN_EVIDENCE = 5
SHOWN_REFLECTIONS = 3


@routes.command("record", "my record", "status", "my status", "my evidence", summary="record.summary",
                may=Act.VIEW_RECORD, rank=30)
async def show_record(turn: Turn) -> None:
    subject = turn.person
    wanted, everything = _all(turn.args.strip())
    if wanted:
        found = await uc.find_viewable(turn.db, turn.person, wanted)
        if not found:
            turn.say("record.not_allowed", who=wanted)
            return
        if len(found) > 1:
            turn.say("record.which_person", who=wanted,
                     people=[{"name": p.name, "team": p.team or "", "station": p.station or ""} for p in found],
                     buttons=[Button(p.name, "record.open", str(p.id)) for p in found[:10]])
            return
        subject = found[0]
    await _show(turn, subject, everything=everything)


ALL_WORDS = ("all", "in full", "everything", "full")


def _all(text: str) -> tuple[str, bool]:
    """("record all") -> ("", True); ("record Alex Morgan all") -> ("Alex Morgan", True)."""
    lowered = text.lower()
    for word in ALL_WORDS:
        if lowered == word:
            return "", True
        if lowered.endswith(" " + word):
            return text[: -len(word)].strip(), True
    return text, False


@routes.action("record.open")
async def open_record(turn: Turn) -> None:
    """One of several people with the name typed, chosen."""
    value = turn.incoming.action.value if turn.incoming.action else ""
    subject = await turn.db.get(Person, parse_id(value)) if parse_id(value) else None
    if subject is None or not await turn.may(Act.VIEW_RECORD, subject):
        turn.say("record.not_allowed", who="")
        return
    await _show(turn, subject)


async def _show(turn: Turn, subject: Person, *, everything: bool = False) -> None:
    try:
        view = await turn.apply(await uc.view_record(turn.db, turn.person, turn.at, subject=subject))
    except Refused:
        turn.say("record.not_allowed", who=turn.args.strip())
        return
    rules = turn.services.config(NudgeRules)
    due = (await appraisal_due(turn.db, [subject.id], rules.appraisal_months)).get(subject.id)
    booked = (await bookings(turn.db, [subject.id], turn.today())).get(subject.id, [])
    record = view.record
    turn.say(
        "record.summary_view",
        **record_context(record),
        shown_evidence=len(record.evidence) if everything else SHOWN_EVIDENCE,
        shown_reflections=len(record.reflections) if everything else SHOWN_REFLECTIONS,
        cpd_hours=f"{sum(r.cpd_hours or 0 for r in record.reflections):g}",
        appraisal_due=due.isoformat() if due else "",
        appraisal=appraisal_state(due, turn.today(), rules.due_soon_days),
        booked=[{"code": c, "on": d.isoformat()} for c, d in booked],
        plans=await plan_summaries(turn.db, subject, turn.at),
    )


@routes.command("export", "export my record", summary="record.summary_export", may=Act.WRITE_OWN_RECORD, rank=70)
async def export_record(turn: Turn) -> None:
    view = await turn.apply(await uc.view_record(turn.db, turn.person, turn.at, subject=turn.person))
    plans = await plan_summaries(turn.db, turn.person, turn.at)
    turn.say("record.export", markdown=turn.text("record.export_markdown", **record_context(view.record), plans=plans))


@routes.command("who is my line manager", "who is my manager", "who is my boss", "who's my boss",
                "who's my manager", "who's my line manager", "whos my boss", "whos my manager", "my manager",
                "my line manager", "my boss")
async def my_manager(turn: Turn) -> None:
    """Staff ask in their own words; the answer is from the organisation's records, not a policy quote."""
    found = await uc.line_manager(turn.db, turn.person)
    turn.say("record.my_manager", manager=found.name if found else "", email=found.email if found else "")


@routes.command("my team", "team", "my crew", "my watch", "my people", "team status", summary="record.summary_team",
                may=Act.VIEW_TEAM, rank=55)
async def show_team(turn: Turn) -> None:
    rules = turn.services.config(NudgeRules)
    try:
        team = await team_view(turn.db, turn.person, turn.at, appraisal_months=rules.appraisal_months,
                               due_soon_days=rules.due_soon_days)
    except Refused:
        turn.say("record.no_team")
        return
    turn.say("record.team", **team_context(team))
