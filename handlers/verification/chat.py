"""Line managers and assessors decide evidence in chat: a button asks for feedback, the form decides."""

from __future__ import annotations

from bot.access import Act
from bot.turn import Turn
from bot.types import Button, Form, FormField
from bot.unit import Routes
from bot.usecase import Refused
from handlers.verification import usecases as uc

routes = Routes()

LIST_LIMIT = 20


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
        if not number.isdigit():
            turn.say("verification.not_found", number=number)
            return
        try:
            evidence, owner = await uc.open_for_decision(turn.db, turn.person, turn.at, evidence_id=int(number))
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
    feedback = FormField(
        "feedback",
        turn.text("verification.field_feedback", decision=decision),
        "long_text",
        required=decision != "competent",
        hint=turn.text("verification.hint_feedback", decision=decision),
        max_length=uc.MAX_FEEDBACK,
    )
    turn.say(
        "verification.feedback_intro",
        decision=decision,
        staff_name=owner.name,
        number=evidence.id,
        form=Form(
            "evidence.feedback",
            turn.text("verification.form_title"),
            (feedback,),
            turn.text("verification.submit", decision=decision),
            context=uc.decision_value(evidence.id, decision),
        ),
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


@routes.form("evidence.feedback", validate=_validate_feedback)
async def record_decision(turn: Turn, values: dict[str, str]) -> None:
    parsed = uc.parse_decision(turn.form_context)
    if parsed is None:
        turn.say("core.stale_action")
        return
    evidence_id, decision = parsed
    try:
        decided = await turn.apply(await uc.decide_evidence(
            turn.db, turn.person, turn.at, evidence_id=evidence_id, decision=decision,
            feedback=values.get("feedback") or "",
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
