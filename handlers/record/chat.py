"""My record in chat — and the view a line manager, assessor, L&D or admin gets of someone else's.

`record EMAIL-or-name` shows someone else's record only to those the access policy allows. Anyone else
gets the same polite refusal whether or not the person exists.
"""

from __future__ import annotations

from bot.access import Act
from bot.turn import Turn
from bot.unit import Routes
from bot.usecase import Refused
from handlers.record import usecases as uc
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
        if len(found) != 1:
            turn.say("record.not_allowed", who=turn.args.strip())
            return
        subject = found[0]
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
