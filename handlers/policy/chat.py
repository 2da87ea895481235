"""Policy questions in chat: free text (or "ask ...") answered from the service's documents, with citations;
helpful / not helpful, "Ask the L&D team", and the team's replies ("reply 12: ...")."""

from __future__ import annotations

import re

from bot.access import Act
from bot.ids import parse_id
from bot.turn import Turn
from bot.typed import answer_typed
from bot.types import Button, Form, FormField
from bot.unit import Routes
from bot.usecase import Refused
from handlers.policy import usecases as uc

routes = Routes()

DIALOG = "policy.handoff"
_REPLY = re.compile(r"^#?\s*(\d+)\s*[:.,\-–]?\s*(.*)$", re.S)


@routes.command("ask", "policy", "question", summary="policy.summary", may=Act.ASK_POLICY, rank=40)
async def ask(turn: Turn) -> None:
    await answer(turn, turn.args)


@routes.otherwise(order=100)
async def free_text(turn: Turn) -> bool:
    """Text nothing else claims is treated as a policy question."""
    await answer(turn, turn.args)
    return True


async def answer(turn: Turn, question: str) -> None:
    try:
        asked = await turn.apply(await uc.ask(turn.db, turn.person, turn.at, question=question,
                                              channel=turn.incoming.platform))
    except Refused:
        turn.say("policy.ask_usage")
        return
    template, context = asked.presentation()
    result = asked.answer
    if template == "policy.no_answer":
        buttons: tuple[Button, ...] = (
            Button(turn.text("policy.button_ask_ld"), f"policy.handoff:{result.question_id}"),
        )
    elif template in ("policy.answer", "policy.standard_answer"):
        buttons = (
            Button(turn.text("policy.button_helpful"), f"policy.feedback:{result.question_id}:yes"),
            Button(turn.text("policy.button_not_helpful"), f"policy.feedback:{result.question_id}:no"),
        )
    else:
        buttons = ()
    turn.say(template, buttons=buttons, **context)


def _action_parts(turn: Turn) -> list[str]:
    assert turn.incoming.action is not None
    return turn.incoming.action.action_id.split(":")[1:]


@routes.action("policy.feedback")
async def feedback(turn: Turn) -> None:
    parts = _action_parts(turn)
    if len(parts) != 2 or parse_id(parts[0]) is None or parts[1] not in ("yes", "no"):
        turn.say("core.stale_action")
        return
    try:
        given = await turn.apply(await uc.give_feedback(turn.db, turn.person, turn.at, question_id=parse_id(parts[0]),
                                                        helpful=parts[1] == "yes"))
    except Refused as refused:
        turn.say("policy.feedback_already" if refused.reason == "already" else "core.stale_action")
        return
    if given.helpful:
        turn.say("policy.feedback_thanks")
    else:
        turn.say(
            "policy.feedback_sorry",
            buttons=(Button(turn.text("policy.button_ask_ld"), f"policy.handoff:{given.question.id}"),),
        )


@routes.action("policy.handoff")
async def hand_off(turn: Turn) -> None:
    """Ask the L&D team: first a chance to add detail, then what will be sent, shown back."""
    parts = _action_parts(turn)
    try:
        number = parse_id(parts[0]) if parts else None
        question = await uc.own_question(turn.db, turn.person, number) if number else None
    except Refused:
        question = None
    if question is None:
        turn.say("core.stale_action")
        return
    turn.say("policy.handoff_detail", question=question.text, form=detail_form(turn, str(question.id)))


def detail_form(turn: Turn, context: str) -> Form:
    field = FormField("detail", turn.text("policy.field_detail"), "long_text", required=False,
                      hint=turn.text("policy.hint_detail"), max_length=uc.MAX_DETAIL)
    return Form("policy.handoff", turn.text("policy.handoff_title"), (field,), turn.text("policy.handoff_next"),
                context=context)


@routes.form("policy.handoff", declare=detail_form)
async def handoff_detail_given(turn: Turn, values: dict[str, str]) -> None:
    context = turn.form_context
    try:
        question = await uc.own_question(turn.db, turn.person, parse_id(context)) if parse_id(context) else None
    except Refused:
        question = None
    if question is None:
        turn.say("core.stale_action")
        return
    detail = (values.get("detail") or "").strip()
    turn.start_dialog(DIALOG, "confirm", {"question_id": question.id, "detail": detail})
    turn.say("policy.handoff_confirm", question=question.text, detail=detail, buttons=[
        Button(turn.text("policy.button_send_ld"), "policy.handoff_send", style="primary"),
        Button(turn.text("policy.button_cancel"), "policy.handoff_cancel", style="danger"),
    ])


@routes.dialog(DIALOG)
async def typed_at_confirm(turn: Turn) -> None:
    await answer_typed(turn, [({"send", "yes", "y", "ok", "send it"}, send_handoff),
                              ({"no", "n", "dont send"}, cancel_handoff)], "policy.handoff_confirm_help")


@routes.action("policy.handoff_send")
async def send_handoff(turn: Turn) -> None:
    held = turn.dialog.data if turn.dialog is not None and turn.in_dialog(DIALOG) else None
    if held is None:
        turn.say("core.stale_action")
        return
    turn.end_dialog()
    try:
        done = await turn.apply(await uc.hand_off(turn.db, turn.person, turn.at, question_id=held["question_id"],
                                                  detail=held["detail"]))
    except Refused as refused:
        if refused.reason == "already":
            turn.say("policy.handoff_already", **refused.detail)
        elif refused.reason == "no_team":
            turn.say("policy.handoff_no_team")
        else:
            turn.say("core.stale_action")
        return
    turn.say("policy.handoff_sent", number=done.handoff.id, replace_original=True)


@routes.action("policy.handoff_cancel")
async def cancel_handoff(turn: Turn) -> None:
    turn.end_dialog()
    turn.say("policy.handoff_not_sent", replace_original=True)


@routes.command("reply", summary="policy.summary_reply", may=Act.ANSWER_HANDOFFS, rank=100)
async def reply(turn: Turn) -> None:
    """An L&D team member answers a handed-over question: "reply 12: your answer"."""
    if not await turn.may(Act.ANSWER_HANDOFFS):
        turn.say("policy.reply_not_allowed")
        return
    m = _REPLY.match(turn.args.strip())
    if m is None or not m.group(2).strip():
        turn.say("policy.reply_usage")
        return
    try:
        replied = await turn.apply(await uc.reply_to_handoff(turn.db, turn.person, turn.at,
                                                             handoff_id=int(m.group(1)), text=m.group(2)))
    except Refused:
        turn.say("policy.reply_not_found", number=m.group(1))
        return
    turn.say(
        "policy.reply_sent",
        number=replied.handoff.id,
        asker=replied.asker.name if replied.asker else "",
        buttons=(Button(turn.text("policy.button_save_standard"), f"policy.save_standard:{replied.handoff.id}"),),
    )


@routes.command("unanswered", "questions", "gaps", summary="policy.summary_unanswered", may=Act.ANSWER_HANDOFFS,
                rank=95)
async def unanswered(turn: Turn) -> None:
    """For the L&D team: questions handed to them, then what the bot could not answer."""
    try:
        gaps = await uc.open_gaps(turn.db, turn.person, turn.at)
    except Refused:
        turn.say("policy.reply_not_allowed")
        return
    turn.say(
        "policy.unanswered_list",
        handoffs=[{"number": h.id, "asker": name, "question": text, "date": h.created_at.date().isoformat()}
                  for h, name, text in gaps.handoffs],
        groups=[{"count": g.count, "examples": g.examples, "nearest": g.nearest or ""} for g in gaps.groups],
    )


@routes.action("policy.save_standard")
async def save_standard(turn: Turn) -> None:
    parts = _action_parts(turn)
    try:
        await turn.apply(await uc.save_standard_answer(
            turn.db, turn.person, turn.at, handoff_id=(parse_id(parts[0]) if parts else None) or 0,
        ))
    except Refused as refused:
        template = {"not_allowed": "policy.reply_not_allowed", "already": "policy.standard_exists"}
        turn.say(template.get(refused.reason, "core.stale_action"))
        return
    turn.say("policy.standard_saved")
