"""Line managers and assessors decide evidence in chat: a button asks for feedback; feedback, which goes
to the member of staff, is shown back (Send / Change / Cancel) before the decision is recorded."""

from __future__ import annotations

from typing import Any

from bot.access import Act
from bot.ids import parse_id
from bot.turn import Turn
from bot.typed import answer_typed
from bot.types import Button, Form, FormField
from bot.unit import Routes
from bot.usecase import Refused
from handlers.verification import usecases as uc

routes = Routes()

LIST_LIMIT = 20
DIALOG = "verification"
SEND_WORDS = {"send", "yes", "y", "ok", "okay", "confirm", "send it"}
CHANGE_WORDS = {"change", "edit", "change it"}


def decision_buttons(turn: Turn, evidence_id: int) -> list[Button]:
    """Competent / Not yet competent / Insufficient evidence, each carrying "<id>:<decision>"."""
    return [
        Button(turn.text(label), uc.ACTION, uc.decision_value(evidence_id, decision), style)
        for label, decision, style in uc.DECISION_BUTTONS
    ]


def say_refusal(turn: Turn, refused: Refused, *, replace: bool = False) -> None:
    if refused.reason == "already_decided":
        turn.say("verification.already", replace_original=replace, **refused.detail)
    elif refused.reason == "not_found":
        turn.say("verification.not_found", **refused.detail)
    else:
        turn.say("core.stale_action")


@routes.command("verify", "pending", "to verify", "awaiting", summary="verification.summary",
                may=Act.DECIDE_EVIDENCE, rank=50)
async def list_pending(turn: Turn) -> None:
    """Everything waiting for this person's decision; "verify 12" shows just that one."""
    number = turn.args.strip().lstrip("#")
    if number:
        if parse_id(number) is None:
            turn.say("verification.not_found", number=number)
            return
        try:
            evidence, owner = await uc.open_for_decision(turn.db, turn.person, turn.at, evidence_id=parse_id(number))
        except Refused as refused:
            say_refusal(turn, refused)
            return
        turn.say("verification.request", buttons=decision_buttons(turn, evidence.id),
                 **uc.request_context(evidence, owner))
        return
    waiting = await uc.waiting_for(turn.db, turn.person, turn.at, limit=LIST_LIMIT)
    if not waiting.items:
        turn.say("verification.none")
        return
    turn.say("verification.list_intro", count=waiting.total, shown=len(waiting.items))
    for evidence, owner in waiting.items:
        turn.say("verification.request", buttons=decision_buttons(turn, evidence.id),
                 **uc.request_context(evidence, owner))


@routes.action(uc.ACTION)
async def decide_clicked(turn: Turn) -> None:
    parsed = uc.parse_decision(turn.incoming.action.value if turn.incoming.action else "")
    if parsed is None:
        turn.say("core.stale_action")
        return
    evidence_id, decision = parsed
    try:
        evidence, owner = await uc.open_for_decision(turn.db, turn.person, turn.at, evidence_id=evidence_id)
    except Refused as refused:
        say_refusal(turn, refused, replace=True)
        return
    _ask_feedback(turn, evidence.id, owner.name, decision)


def feedback_form(turn: Turn, context: str, initial: str = "") -> Form:
    """The feedback form for "<evidence id>:<decision>": feedback required unless the decision is competent."""
    _, _, decision = context.partition(":")
    feedback = FormField(
        "feedback",
        turn.text("verification.field_feedback", decision=decision),
        "long_text",
        required=decision != "competent",
        hint=turn.text("verification.hint_feedback", decision=decision),
        max_length=uc.MAX_FEEDBACK,
        initial=initial or None,
    )
    return Form("evidence.feedback", turn.text("verification.form_title"), (feedback,),
                turn.text("verification.submit", decision=decision), context=context)


def _ask_feedback(turn: Turn, evidence_id: int, staff_name: str, decision: str, initial: str = "") -> None:
    turn.say(
        "verification.feedback_intro",
        decision=decision,
        staff_name=staff_name,
        number=evidence_id,
        form=feedback_form(turn, uc.decision_value(evidence_id, decision), initial),
    )


async def _validate_feedback(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    parsed = uc.parse_decision(turn.form_context)
    if "feedback" not in values or parsed is None:
        return {}
    problem = uc.feedback_problem(parsed[1], values["feedback"] or "")
    if problem == "required":
        return {"feedback": turn.text("verification.error_feedback")}
    if problem == "too_long":
        return {"feedback": turn.text("core.field_error", code="too_long", limit=uc.MAX_FEEDBACK)}
    return {}


@routes.form("evidence.feedback", declare=feedback_form, validate=_validate_feedback)
async def feedback_given(turn: Turn, values: dict[str, str]) -> None:
    """With feedback, show it back as the member of staff will read it; a bare "competent", decide."""
    parsed = uc.parse_decision(turn.form_context)
    if parsed is None:
        turn.say("core.stale_action")
        return
    evidence_id, decision = parsed
    feedback = (values.get("feedback") or "").strip()
    if not feedback:
        await _decide(turn, {"evidence_id": evidence_id, "decision": decision, "feedback": ""})
        return
    try:
        evidence, owner = await uc.open_for_decision(turn.db, turn.person, turn.at, evidence_id=evidence_id)
    except Refused as refused:
        say_refusal(turn, refused, replace=True)
        return
    turn.start_dialog(DIALOG, "confirm", {"held": {"evidence_id": evidence_id, "decision": decision,
                                                   "feedback": feedback, "staff_name": owner.name}})
    turn.say(
        "verification.confirm",
        number=evidence.id, decision=decision, staff_name=owner.name, feedback=feedback,
        buttons=[
            Button(turn.text("verification.button_send"), "verification.send", style="primary"),
            Button(turn.text("verification.button_change"), "verification.change"),
            Button(turn.text("verification.button_cancel"), "verification.discard", style="danger"),
        ],
    )


def _held(turn: Turn) -> dict[str, Any] | None:
    return turn.held(DIALOG, "held")


@routes.dialog(DIALOG)
async def typed_at_confirm(turn: Turn) -> None:
    await answer_typed(turn, [(SEND_WORDS, send_decision), (CHANGE_WORDS, change_feedback)], "verification.confirm_help")


@routes.action("verification.send")
async def send_decision(turn: Turn) -> None:
    held = _held(turn)
    if held is None:
        turn.say("verification.nothing_held")
        return
    turn.end_dialog()
    await _decide(turn, held)


@routes.action("verification.change")
async def change_feedback(turn: Turn) -> None:
    held = _held(turn)
    if held is None:
        turn.say("verification.nothing_held")
        return
    turn.end_dialog()
    _ask_feedback(turn, held["evidence_id"], held["staff_name"], held["decision"], held["feedback"])


@routes.action("verification.discard")
async def discard_decision(turn: Turn) -> None:
    if _held(turn) is None:
        turn.say("verification.nothing_held")
        return
    turn.end_dialog()
    turn.say("verification.not_sent", replace_original=True)


async def _decide(turn: Turn, held: dict[str, Any]) -> None:
    decision = held["decision"]
    try:
        decided = await turn.apply(await uc.decide_evidence(
            turn.db, turn.person, turn.at, evidence_id=held["evidence_id"], decision=decision,
            feedback=held["feedback"],
        ))
    except Refused as refused:
        say_refusal(turn, refused, replace=True)
        return
    turn.say(
        "verification.done",
        decision=decision,
        by=turn.person.name,
        staff_name=decided.owner.name,
        number=decided.evidence.id,
        valid_until=decided.valid_until.isoformat() if decided.valid_until else "",
        replace_original=True,
    )
