"""Line managers and assessors decide evidence: competent, not yet competent, or insufficient evidence.

A button click asks for feedback (a form); only the submitted feedback records the decision. Permission is
checked at both steps, and the decision itself is a conditional UPDATE, so an old message, a double click
or two verifiers at once can never decide the same evidence twice.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.router import action, command
from bot.router import form as form_handler
from bot.turn import Turn
from bot.types import Form, FormField
from handlers.evidence import decision_buttons
from storage.evidence_queries import awaiting_decision, change_if_submitted, count_awaiting, may_decide
from storage.models import DECISIONS, EVIDENCE_KINDS, Competence, Evidence, Person
from storage.status import valid_until_for

log = logging.getLogger("ldbot.verification")

MAX_FEEDBACK = 2000
LIST_LIMIT = 20


def request_context(evidence: Evidence, owner: Person) -> dict[str, Any]:
    competence = evidence.competences[0] if evidence.competences else None
    return {
        "evidence_id": evidence.id,
        "staff_name": owner.name,
        "code": competence.code if competence else "",
        "title": competence.title if competence else "",
        "kind": EVIDENCE_KINDS.get(evidence.kind, evidence.kind),
        "date": evidence.activity_date.isoformat(),
        "description": evidence.description,
        "links": list(evidence.links or []),
    }


@command("verify", "pending", "to verify", "awaiting", summary="verification.summary", audience="manager")
async def list_pending(turn: Turn) -> None:
    """Everything waiting for this person's decision; "verify 12" shows just that one."""
    number = turn.args.strip().lstrip("#")
    if number:
        if not number.isdigit():
            turn.say("verification.not_found", number=number)
            return
        await _show_one(turn, int(number))
        return
    items = await awaiting_decision(turn.db, turn.person, limit=LIST_LIMIT)
    if not items:
        turn.say("verification.none")
        return
    total = await count_awaiting(turn.db, turn.person)
    turn.say("verification.list_intro", count=total, shown=len(items))
    for evidence, owner in items:
        turn.say(
            "verification.request",
            buttons=decision_buttons(turn, evidence.id),
            **request_context(evidence, owner),
        )


async def _show_one(turn: Turn, evidence_id: int) -> None:
    loaded = await _load(turn, evidence_id)
    if loaded is None:
        return
    evidence, owner = loaded
    if evidence.status != "submitted":
        await _already_decided(turn, evidence)
        return
    turn.say(
        "verification.request",
        buttons=decision_buttons(turn, evidence.id),
        **request_context(evidence, owner),
    )


async def _load(turn: Turn, evidence_id: int) -> tuple[Evidence, Person] | None:
    """The evidence and its owner if this person may decide it; otherwise the same reply as a missing one,
    so nobody learns what evidence exists for people they don't manage."""
    evidence = await turn.db.get(Evidence, evidence_id)
    owner = await turn.db.get(Person, evidence.person_id) if evidence else None
    if evidence is None or owner is None or not may_decide(turn.person, owner):
        turn.say("verification.not_found", number=evidence_id)
        return None
    return evidence, owner


async def _already_decided(turn: Turn, evidence: Evidence, *, replace: bool = False) -> None:
    decider = await turn.db.get(Person, evidence.decided_by_id) if evidence.decided_by_id else None
    turn.say(
        "verification.already",
        number=evidence.id,
        status=evidence.status,
        by=decider.name if decider else "",
        on=evidence.decided_at.date().isoformat() if evidence.decided_at else "",
        replace_original=replace,
    )


def _parse(value: str) -> tuple[int, str] | None:
    """The evidence id and decision from a button value or a form context ("12:competent")."""
    number, _, decision = (value or "").partition(":")
    if not number.isdigit() or decision not in DECISIONS:
        return None
    return int(number), decision


@action("evidence.decide")
async def decide_clicked(turn: Turn) -> None:
    parsed = _parse(turn.incoming.action.value if turn.incoming.action else "")
    if parsed is None:
        turn.say("core.stale_action")
        return
    evidence_id, decision = parsed
    loaded = await _load(turn, evidence_id)
    if loaded is None:
        return
    evidence, owner = loaded
    if evidence.status != "submitted":
        await _already_decided(turn, evidence, replace=True)
        return
    feedback = FormField(
        "feedback",
        turn.text("verification.field_feedback", decision=decision),
        "long_text",
        required=decision != "competent",
        hint=turn.text("verification.hint_feedback", decision=decision),
        max_length=MAX_FEEDBACK,
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
            context=f"{evidence.id}:{decision}",
        ),
    )


async def _validate_feedback(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    parsed = _parse(turn.form_context)
    if "feedback" not in values or parsed is None:
        return {}
    feedback = (values["feedback"] or "").strip()
    if parsed[1] != "competent" and not feedback:
        return {"feedback": turn.text("verification.error_feedback")}
    if len(feedback) > MAX_FEEDBACK:
        return {"feedback": turn.text("core.field_error", code="too_long", limit=MAX_FEEDBACK)}
    return {}


@form_handler("evidence.feedback", validate=_validate_feedback)
async def record_decision(turn: Turn, values: dict[str, str]) -> None:
    parsed = _parse(turn.form_context)
    if parsed is None:
        turn.say("core.stale_action")
        return
    evidence_id, decision = parsed
    loaded = await _load(turn, evidence_id)  # permission again: the form may be old, or forged
    if loaded is None:
        return
    evidence, owner = loaded
    competence: Competence | None = evidence.competences[0] if evidence.competences else None
    valid_until = (
        valid_until_for(competence, evidence.activity_date)
        if competence and decision == "competent"
        else None
    )
    feedback = (values.get("feedback") or "").strip()
    now = turn.now()
    changed = await change_if_submitted(
        turn.db,
        evidence.id,
        status=decision,
        decided_by_id=turn.person.id,
        decided_at=now,
        feedback=feedback or None,
        valid_until=valid_until,
        updated_at=now,
    )
    if not changed:
        await turn.db.refresh(evidence)
        await _already_decided(turn, evidence, replace=True)
        return
    await turn.audit(
        "evidence", evidence.id, "decided", decision=decision, valid_until=str(valid_until or "")
    )
    await turn.notify(
        owner.id,
        "evidence.decided",
        {
            "number": evidence.id,
            "code": competence.code if competence else "",
            "title": competence.title if competence else "",
            "decision": decision,
            "by": turn.person.name,
            "feedback": feedback,
            "valid_until": valid_until.isoformat() if valid_until else "",
        },
        kind="decision",
        dedupe_key=f"evidence:{evidence.id}:decided",
    )
    log.info("evidence decided id=%s decision=%s by=%s", evidence.id, decision, turn.person.id)
    turn.say(
        "verification.done",
        decision=decision,
        by=turn.person.name,
        staff_name=owner.name,
        number=evidence.id,
        valid_until=valid_until.isoformat() if valid_until else "",
        replace_original=True,
    )
