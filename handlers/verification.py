"""Line managers and assessors decide evidence: competent, not yet competent, or insufficient evidence."""

from __future__ import annotations

from sqlalchemy import update

from bot.router import action, command
from bot.router import form as form_handler
from bot.turn import Turn
from bot.types import Form, FormField
from handlers.evidence import decision_buttons
from storage.evidence_queries import awaiting_decision, may_decide
from storage.models import DECISIONS, EVIDENCE_KINDS, Competence, Evidence, Person
from storage.status import valid_until_for


def _item(evidence: Evidence, owner: Person) -> dict:
    competence = evidence.competences[0] if evidence.competences else None
    return {
        "evidence_id": evidence.id, "staff_name": owner.name, "code": competence.code if competence else "",
        "title": competence.title if competence else "", "kind": EVIDENCE_KINDS.get(evidence.kind, evidence.kind),
        "date": evidence.activity_date.isoformat(), "description": evidence.description, "links": evidence.links,
    }


@command("verify", "pending", "to verify", "awaiting", summary="verification.summary", audience="manager")
async def list_pending(turn: Turn) -> None:
    number = turn.args.strip().lstrip("#")
    if number.isdigit():
        await _show_one(turn, int(number))
        return
    items = await awaiting_decision(turn.db, turn.person)
    if not items:
        turn.say("verification.none")
        return
    turn.say("verification.list_intro", count=len(items))
    for evidence, owner in items:
        turn.say("verification.request", buttons=decision_buttons(turn, evidence.id), **_item(evidence, owner))


async def _show_one(turn: Turn, evidence_id: int) -> None:
    loaded = await _load(turn, evidence_id)
    if loaded is None:
        return
    evidence, owner = loaded
    if evidence.status != "submitted":
        await _already_decided(turn, evidence)
        return
    turn.say("verification.request", buttons=decision_buttons(turn, evidence.id), **_item(evidence, owner))


async def _load(turn: Turn, evidence_id: int) -> tuple[Evidence, Person] | None:
    """The evidence and its owner, if this person may decide it; otherwise the same reply as a missing one."""
    evidence = await turn.db.get(Evidence, evidence_id)
    owner = await turn.db.get(Person, evidence.person_id) if evidence else None
    if evidence is None or owner is None or not may_decide(turn.person, owner):
        turn.say("verification.not_found", number=evidence_id)
        return None
    return evidence, owner


async def _already_decided(turn: Turn, evidence: Evidence, *, replace: bool = False) -> None:
    decider = await turn.db.get(Person, evidence.decided_by_id) if evidence.decided_by_id else None
    turn.say("verification.already", number=evidence.id, status=evidence.status,
             by=decider.name if decider else "", on=evidence.decided_at.date().isoformat() if evidence.decided_at else "",
             replace_original=replace)


def _parse(value: str) -> tuple[int, str] | None:
    number, _, decision = value.partition(":")
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
        "feedback", turn.text("verification.field_feedback", decision=decision), "long_text",
        required=decision != "competent", hint=turn.text("verification.hint_feedback", decision=decision),
        max_length=2000,
    )
    turn.say(
        "verification.feedback_intro", decision=decision, staff_name=owner.name, number=evidence.id,
        form=Form("evidence.feedback", turn.text("verification.form_title"), (feedback,),
                  turn.text("verification.submit", decision=decision), context=f"{evidence.id}:{decision}"),
    )


async def _validate_feedback(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    parsed = _parse(turn.form_context)
    if parsed and "feedback" in values and parsed[1] != "competent" and not values["feedback"].strip():
        return {"feedback": turn.text("verification.error_feedback")}
    return {}


@form_handler("evidence.feedback", validate=_validate_feedback)
async def record_decision(turn: Turn, values: dict[str, str]) -> None:
    parsed = _parse(turn.form_context)
    if parsed is None:
        turn.say("core.stale_action")
        return
    evidence_id, decision = parsed
    loaded = await _load(turn, evidence_id)
    if loaded is None:
        return
    evidence, owner = loaded
    competence: Competence | None = evidence.competences[0] if evidence.competences else None
    valid_until = valid_until_for(competence, evidence.activity_date) if competence and decision == "competent" else None
    now = turn.now()
    # Conditional on the status still being "submitted": a second click, an old message or another
    # process deciding at the same moment changes nothing.
    result = await turn.db.execute(
        update(Evidence)
        .where(Evidence.id == evidence.id, Evidence.status == "submitted")
        .values(status=decision, decided_by_id=turn.person.id, decided_at=now,
                feedback=values.get("feedback", "").strip() or None, valid_until=valid_until, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        await turn.db.refresh(evidence)
        await _already_decided(turn, evidence, replace=True)
        return
    await turn.audit("evidence", evidence.id, "decided", decision=decision, fields=["status", "feedback"])
    await turn.notify(
        owner.id, "evidence.decided",
        {"number": evidence.id, "code": competence.code if competence else "", "title": competence.title if competence else "",
         "decision": decision, "by": turn.person.name, "feedback": values.get("feedback", "").strip(),
         "valid_until": valid_until.isoformat() if valid_until else ""},
        kind="decision", dedupe_key=f"evidence:{evidence.id}:decided",
    )
    turn.say("verification.done", decision=decision, by=turn.person.name, staff_name=owner.name,
             number=evidence.id, replace_original=True)
