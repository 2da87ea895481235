"""My record in chat — and the view a line manager, assessor, L&D or admin gets of someone else's.

`record EMAIL-or-name` shows someone else's record only to those the access policy allows. Anyone else
gets the same polite refusal whether or not the person exists.
"""

from __future__ import annotations

from bot.access import Act
from bot.turn import Turn
from bot.types import Button
from bot.unit import Routes
from bot.usecase import Refused
from handlers.record import usecases as uc
from storage.models import Person
from storage.record import record_context

routes = Routes()

SHOWN_EVIDENCE = 5
SHOWN_REFLECTIONS = 3


@routes.command("record", "my record", "status", "my status", "my evidence", summary="record.summary",
                may=Act.VIEW_RECORD, rank=30)
async def show_record(turn: Turn) -> None:
    subject = turn.person
    if turn.args.strip():
        found = await uc.find_viewable(turn.db, turn.person, turn.args)
        if not found:
            turn.say("record.not_allowed", who=turn.args.strip())
            return
        if len(found) > 1:
            turn.say("record.which_person", who=turn.args.strip(),
                     people=[{"name": p.name, "team": p.team or "", "station": p.station or ""} for p in found],
                     buttons=[Button(p.name, "record.open", str(p.id)) for p in found[:10]])
            return
        subject = found[0]
    await _show(turn, subject)


@routes.action("record.open")
async def open_record(turn: Turn) -> None:
    """One of several people with the name typed, chosen."""
    value = turn.incoming.action.value if turn.incoming.action else ""
    subject = await turn.db.get(Person, int(value)) if value.isdigit() else None
    if subject is None or not await turn.may(Act.VIEW_RECORD, subject):
        turn.say("record.not_allowed", who="")
        return
    await _show(turn, subject)


async def _show(turn: Turn, subject: Person) -> None:
    try:
        view = await turn.apply(await uc.view_record(turn.db, turn.person, turn.at, subject=subject))
    except Refused:
        turn.say("record.not_allowed", who=turn.args.strip())
        return
    turn.say(
        "record.summary_view",
        **record_context(view.record),
        shown_evidence=SHOWN_EVIDENCE,
        shown_reflections=SHOWN_REFLECTIONS,
    )


@routes.command("export", "export my record", summary="record.summary_export", may=Act.WRITE_OWN_RECORD, rank=70)
async def export_record(turn: Turn) -> None:
    view = await turn.apply(await uc.view_record(turn.db, turn.person, turn.at, subject=turn.person))
    turn.say("record.export", markdown=turn.text("record.export_markdown", **record_context(view.record)))


@routes.command("who is my line manager", "who is my manager", "who is my boss", "who's my boss",
                "who's my manager", "who's my line manager", "whos my boss", "whos my manager", "my manager",
                "my line manager", "my boss")
async def my_manager(turn: Turn) -> None:
    """Staff ask in their own words; the answer is from the organisation's records, not a policy quote."""
    found = await uc.line_manager(turn.db, turn.person)
    turn.say("record.my_manager", manager=found.name if found else "", email=found.email if found else "")
