"""Staff and managers in chat: the invitation's buttons (Sign up, Not for me, Open), "my bookings",
cancelling a place, answering an offer, a manager's approval, and the evaluations afterwards."""

from __future__ import annotations

from bot.access import Act
from bot.turn import Turn
from bot.types import Button, Choice, Form, FormField
from bot.usecase import Refused
from handlers.learning import attendance as att
from handlers.learning import bookings as uc
from handlers.learning import evaluation as ev
from handlers.learning import records as rec
from handlers.learning.chat.common import action_args, config, number, routes, say_refused
from handlers.learning.describe import opportunity_context, session_context
from handlers.learning.times import moment_context

MAX_LISTED = 10


def _booking_context(turn: Turn, placed_or_item) -> dict:  # noqa: ANN001 - Placed, Answered or MyBooking
    tz = config(turn).tz
    context = opportunity_context(placed_or_item.opportunity, tz, sessions=False)
    session = placed_or_item.session
    context["session"] = session_context(session, tz) if session is not None else None
    return context


def _placed_reply(turn: Turn, placed: uc.Placed) -> None:
    turn.say("learning.signed_up", replace_original=True, status=placed.status, position=placed.position,
             approvers=[a.name for a in placed.approvers], **_booking_context(turn, placed))


# --- the invitation ----------------------------------------------------------------------------------------
@routes.action("learning.signup")
async def sign_up_clicked(turn: Turn) -> None:
    args = action_args(turn)
    opportunity_id = number(args[0] if args else None)
    try:
        found = await rec.opportunity(turn.db, opportunity_id)
        open_sessions = [s for s in found.sessions if s.status == "open" and s.closes_at() > turn.now()]
        if len(open_sessions) > 1:
            turn.say("learning.choose_session", replace_original=True,
                     buttons=[Button(turn.text("learning.button_session", **session_context(s, config(turn).tz)),
                                     f"learning.session:{found.id}:{s.number}", f"{found.id}:{s.number}")
                              for s in open_sessions[:MAX_LISTED]],
                     **opportunity_context(found, config(turn).tz, sessions=False))
            return
        chosen = open_sessions[0].number if open_sessions else None
        placed = await turn.apply(await uc.sign_up(turn.db, turn.person, turn.at, opportunity_id=found.id,
                                                   session_number=chosen, config=config(turn)))
    except Refused as refused:
        say_refused(turn, refused, replace=True)
        return
    _placed_reply(turn, placed)


@routes.action("learning.session")
async def session_chosen(turn: Turn) -> None:
    args = action_args(turn)
    try:
        placed = await turn.apply(await uc.sign_up(
            turn.db, turn.person, turn.at, opportunity_id=number(args[0] if args else None) or 0,
            session_number=number(args[1] if len(args) > 1 else None), config=config(turn)))
    except Refused as refused:
        say_refused(turn, refused, replace=True)
        return
    _placed_reply(turn, placed)


@routes.action("learning.not_for_me")
async def not_for_me(turn: Turn) -> None:
    args = action_args(turn)
    try:
        done = await turn.apply(await uc.not_for_me(turn.db, turn.person, turn.at,
                                                    opportunity_id=number(args[0] if args else None) or 0))
    except Refused as refused:
        say_refused(turn, refused, replace=True)
        return
    turn.say("learning.not_for_me", replace_original=True, title=done.opportunity.title)


@routes.action("learning.open")
async def open_clicked(turn: Turn) -> None:
    args = action_args(turn)
    try:
        opened = await turn.apply(await uc.open_elearning(
            turn.db, turn.person, turn.at, opportunity_id=number(args[0] if args else None) or 0, config=config(turn)))
    except Refused as refused:
        say_refused(turn, refused)
        return
    value = str(opened.opportunity.id)
    turn.say("learning.opened", link=opened.link, title=opened.opportunity.title,
             complete_by=opened.opportunity.complete_by.isoformat() if opened.opportunity.complete_by else "",
             buttons=[Button(turn.text("learning.button_done"), f"learning.done:{value}", value, "primary")])


@routes.action("learning.done")
async def done_clicked(turn: Turn) -> None:
    args = action_args(turn)
    try:
        done = await turn.apply(await att.complete_elearning(
            turn.db, turn.person, turn.at, opportunity_id=number(args[0] if args else None) or 0, config=config(turn)))
    except Refused as refused:
        say_refused(turn, refused, replace=True)
        return
    entries = [e for m in done.marks for e in m.evidence]
    turn.say("learning.completed", replace_original=True, title=done.opportunity.title,
             entries=len(entries), codes=[c.code for e in entries for c in e.competences])


# --- my bookings ----------------------------------------------------------------------------------------------
@routes.command("my bookings", "bookings", "my courses", "my training", summary="learning.summary_bookings",
                may=Act.TAKE_LEARNING, rank=55)
async def my_bookings(turn: Turn) -> None:
    mine = await uc.my_bookings(turn.db, turn.person, turn.at)
    if not mine.items:
        turn.say("learning.no_bookings")
        return
    turn.say("learning.bookings_intro", count=len(mine.items))
    for item in mine.items[:MAX_LISTED]:
        value = str(item.booking.id)
        buttons = []
        if item.booking.status == "offered":
            buttons += [Button(turn.text("learning.button_accept"), f"learning.accept:{value}", value, "primary"),
                        Button(turn.text("learning.button_decline"), f"learning.decline:{value}", value)]
        elif item.session is None and item.opportunity.link:
            buttons.append(Button(turn.text("learning.button_open"), f"learning.open:{item.opportunity.id}",
                                  str(item.opportunity.id)))
        if item.booking.status != "offered":
            buttons.append(Button(turn.text("learning.button_cancel_place"), f"learning.cancel:{value}", value))
        turn.say("learning.booking_item", status=item.booking.status, position=item.position,
                 offered_until=moment_context(item.booking.offered_until, config(turn).tz),
                 buttons=buttons, **_booking_context(turn, item))


@routes.action("learning.cancel")
async def cancel_asked(turn: Turn) -> None:
    args = action_args(turn)
    booking_id = number(args[0] if args else None) or 0
    mine = await uc.my_bookings(turn.db, turn.person, turn.at)
    item = next((i for i in mine.items if i.booking.id == booking_id), None)
    if item is None:
        say_refused(turn, Refused("no_booking"), replace=True)
        return
    value = str(booking_id)
    turn.say("learning.cancel_confirm", status=item.booking.status, **_booking_context(turn, item),
             buttons=[Button(turn.text("learning.button_cancel_yes"), f"learning.cancel_yes:{value}", value, "danger"),
                      Button(turn.text("learning.button_keep"), f"learning.keep:{value}", value)])


@routes.action("learning.cancel_yes")
async def cancel_confirmed(turn: Turn) -> None:
    args = action_args(turn)
    try:
        released = await turn.apply(await uc.cancel_own(
            turn.db, turn.person, turn.at, booking_id=number(args[0] if args else None) or 0, config=config(turn)))
    except Refused as refused:
        say_refused(turn, refused, replace=True)
        return
    turn.say("learning.cancelled", replace_original=True, **_booking_context(turn, released))


@routes.action("learning.keep")
async def keep_place(turn: Turn) -> None:
    turn.say("learning.kept", replace_original=True)


# --- offers ----------------------------------------------------------------------------------------------------
async def _answer_offer(turn: Turn, accept: bool) -> None:
    args = action_args(turn)
    try:
        answered = await turn.apply(await uc.answer_offer(
            turn.db, turn.person, turn.at, booking_id=number(args[0] if args else None) or 0, accept=accept,
            config=config(turn)))
    except Refused as refused:
        say_refused(turn, refused, replace=True)
        return
    turn.say("learning.offer_answered", replace_original=True, status=answered.status,
             approvers=[a.name for a in answered.approvers], **_booking_context(turn, answered))


@routes.action("learning.accept")
async def accept_offer(turn: Turn) -> None:
    await _answer_offer(turn, True)


@routes.action("learning.decline")
async def decline_offer(turn: Turn) -> None:
    await _answer_offer(turn, False)


# --- a manager's approval ---------------------------------------------------------------------------------------
async def _decide(turn: Turn, approve: bool) -> None:
    args = action_args(turn)
    try:
        answered = await turn.apply(await uc.decide_approval(
            turn.db, turn.person, turn.at, booking_id=number(args[0] if args else None) or 0, approve=approve,
            config=config(turn)))
    except Refused as refused:
        say_refused(turn, refused, replace=True)
        return
    turn.say("learning.approval_done", replace_original=True, approved=approve, name=answered.person.name,
             **_booking_context(turn, answered))


@routes.action("learning.approve")
async def approve(turn: Turn) -> None:
    await _decide(turn, True)


@routes.action("learning.refuse")
async def refuse(turn: Turn) -> None:
    await _decide(turn, False)


# --- evaluation --------------------------------------------------------------------------------------------------
def evaluation_form(turn: Turn, booking_id: int, title: str) -> Form:
    t = turn.text
    return Form(
        "learning.evaluation", t("learning.evaluation_title", title=title),
        (
            FormField("useful", t("learning.field_useful"), "choice",
                      options=tuple(Choice(t("learning.rating", n=n), str(n)) for n in range(5, 0, -1))),
            FormField("apply", t("learning.field_apply"), "long_text", hint=t("learning.hint_apply"),
                      max_length=ev.MAX_TEXT),
            FormField("comment", t("learning.field_comment"), "long_text", required=False,
                      max_length=ev.MAX_TEXT),
        ),
        t("learning.evaluation_submit"), intro=t("learning.evaluation_intro"), context=str(booking_id),
    )


@routes.action("learning.evaluate")
async def evaluate_clicked(turn: Turn) -> None:
    args = action_args(turn)
    try:
        open_one = await ev.can_evaluate(turn.db, turn.person, turn.at, booking_id=number(args[0] if args else None) or 0)
    except Refused as refused:
        say_refused(turn, refused)
        return
    turn.say("learning.evaluation_ask", title=open_one.opportunity.title,
             form=evaluation_form(turn, open_one.booking.id, open_one.opportunity.title))


async def _validate_evaluation(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    errors = {}
    if "useful" in values and values["useful"] not in {"1", "2", "3", "4", "5"}:
        errors["useful"] = turn.text("learning.error_rating")
    if "apply" in values and not values["apply"].strip():
        errors["apply"] = turn.text("learning.error_apply")
    return errors


@routes.form("learning.evaluation", declare=lambda turn, context: evaluation_form(turn, number(context) or 0, ""),
             validate=_validate_evaluation)
async def save_evaluation(turn: Turn, values: dict[str, str]) -> None:
    try:
        saved = await turn.apply(await ev.answer_evaluation(
            turn.db, turn.person, turn.at, booking_id=number(turn.form_context) or 0,
            useful=int(values["useful"]), apply=values["apply"], comment=values.get("comment") or ""))
    except Refused as refused:
        say_refused(turn, refused)
        return
    turn.say("learning.evaluation_saved", title=saved.opportunity.title, weeks=config(turn).rules.follow_up_weeks)


@routes.action("learning.used")
async def used_clicked(turn: Turn) -> None:
    args = action_args(turn)
    try:
        saved = await turn.apply(await ev.answer_follow_up(
            turn.db, turn.person, turn.at, booking_id=number(args[0] if args else None) or 0,
            answer=args[1] if len(args) > 1 else ""))
    except Refused as refused:
        say_refused(turn, refused, replace=True)
        return
    turn.say("learning.follow_up_saved", replace_original=True, title=saved.opportunity.title,
             answer=args[1])


@routes.action("learning.seen")
async def seen_clicked(turn: Turn) -> None:
    args = action_args(turn)
    try:
        saved = await turn.apply(await ev.answer_manager(
            turn.db, turn.person, turn.at, booking_id=number(args[0] if args else None) or 0,
            answer=args[1] if len(args) > 1 else ""))
    except Refused as refused:
        say_refused(turn, refused, replace=True)
        return
    turn.say("learning.manager_saved", replace_original=True, title=saved.opportunity.title,
             name=saved.person.name if saved.person else "", answer=args[1])
