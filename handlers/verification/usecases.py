"""Deciding evidence: competent, not yet competent, or insufficient evidence — and who is asked to.

Only the owner's line manager or an assessor decides (the access policy), never on their own evidence.
The decision itself is a conditional UPDATE, so an old message, a double click or two verifiers at once
can never decide the same evidence twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.access import Act, Rel
from bot.clock import Moment
from bot.ids import parse_id
from bot.usecase import Refused, Result
from scheduler.outbox import Notice, NoticeButton
from storage.audit import record_audit
from storage.evidence_queries import change_if_submitted
from storage.models import DECISIONS, EVIDENCE_KINDS, Competence, Evidence, Person
from storage.status import valid_until_for

log = logging.getLogger("ldbot.verification")

MAX_FEEDBACK = 2000
ACTION = "evidence.decide"
# (label template, decision, style) of the three decision buttons, in the order they are shown.
DECISION_BUTTONS = (
    ("verification.button_competent", "competent", "primary"),
    ("verification.button_not_yet", "not_yet_competent", None),
    ("verification.button_insufficient", "insufficient_evidence", None),
)


def decision_value(evidence_id: int, decision: str) -> str:
    return f"{evidence_id}:{decision}"


def parse_decision(value: str) -> tuple[int, str] | None:
    """The evidence id and decision from a button value or a form context ("12:competent")."""
    number, _, decision = (value or "").partition(":")
    evidence_id = parse_id(number)
    if evidence_id is None or decision not in DECISIONS:
        return None
    return evidence_id, decision


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


def request_notices(
    evidence: Evidence, owner: Person, verifiers: list[Person], *, to_manager: bool, key: str
) -> list[Notice]:
    """The verification request(s) for new evidence: one for the line manager, or one per assessor."""
    buttons = tuple(
        NoticeButton(label, ACTION, decision_value(evidence.id, decision), style)
        for label, decision, style in DECISION_BUTTONS
    )
    context = {**request_context(evidence, owner), "as_assessor": not to_manager}
    return [
        Notice(v.id, "evidence.verify_request", context, buttons, kind="verify_request",
               dedupe_key=key if to_manager else f"{key}:{v.id}")
        for v in verifiers
    ]


# --- what is waiting -----------------------------------------------------------------------------------
def _awaiting(decider: Person) -> Select:
    """Submitted evidence `decider` may decide, as the access policy says: anyone's for a role that decides
    for everyone (an assessor), otherwise their direct reports'."""
    query = (
        select(Evidence, Person)
        .join(Person, Person.id == Evidence.person_id)
        .where(Evidence.status == "submitted", Person.id != decider.id, Person.active.is_(True))
    )
    if not access.allows(access.roles_of(decider), Rel.OTHER, Act.DECIDE_EVIDENCE):
        query = query.where(Person.line_manager_id == decider.id)
    return query


@dataclass
class Waiting(Result):
    items: list[tuple[Evidence, Person]]
    total: int


async def waiting_for(db: AsyncSession, actor: Person, at: Moment, *, limit: int = 20) -> Waiting:
    """Evidence waiting for this person's decision, oldest first, and how many there are in all."""
    query = _awaiting(actor)
    items = [(e, p) for e, p in (await db.execute(query.order_by(Evidence.created_at, Evidence.id).limit(limit))).all()]
    total = len(items)
    if total == limit:
        subquery = query.with_only_columns(Evidence.id).subquery()
        total = int(await db.scalar(select(func.count()).select_from(subquery)) or 0)
    return Waiting(items, total)


async def decidable(db: AsyncSession, actor: Person, evidence_id: int) -> tuple[Evidence, Person]:
    """The evidence and its owner if `actor` may decide it. Otherwise the same refusal as for missing
    evidence, so nobody learns what evidence exists for people they don't manage."""
    evidence = await db.get(Evidence, evidence_id)
    owner = await db.get(Person, evidence.person_id) if evidence else None
    if evidence is None or owner is None or not await access.may(db, actor, Act.DECIDE_EVIDENCE, owner):
        raise Refused("not_found", number=evidence_id)
    return evidence, owner


async def already_decided(db: AsyncSession, evidence: Evidence) -> Refused:
    decider = await db.get(Person, evidence.decided_by_id) if evidence.decided_by_id else None
    return Refused(
        "already_decided", number=evidence.id, status=evidence.status, by=decider.name if decider else "",
        on=evidence.decided_at.date().isoformat() if evidence.decided_at else "",
    )


async def open_for_decision(db: AsyncSession, actor: Person, at: Moment, *, evidence_id: int) -> tuple[Evidence, Person]:
    """Evidence `actor` may decide and that still waits for a decision."""
    evidence, owner = await decidable(db, actor, evidence_id)
    if evidence.status != "submitted":
        raise await already_decided(db, evidence)
    return evidence, owner


# --- deciding ---------------------------------------------------------------------------------------------
@dataclass
class Decided(Result):
    evidence: Evidence
    owner: Person
    competence: Competence | None
    decision: str
    valid_until: date | None


def feedback_problem(decision: str, feedback: str) -> str | None:
    """Why this feedback cannot go with this decision ("required", "too_long"), or None."""
    if decision != "competent" and not feedback.strip():
        return "required"
    if len(feedback) > MAX_FEEDBACK:
        return "too_long"
    return None


async def decide_evidence(
    db: AsyncSession, actor: Person, at: Moment, *, evidence_id: int, decision: str, feedback: str
) -> Decided:
    if decision not in DECISIONS:
        raise Refused("bad_decision")
    evidence, owner = await decidable(db, actor, evidence_id)  # permission again: a form may be old, or forged
    feedback = feedback.strip()
    problem = feedback_problem(decision, feedback)
    if problem:
        raise Refused(f"feedback_{problem}", limit=MAX_FEEDBACK)
    competence = evidence.competences[0] if evidence.competences else None
    valid_until = valid_until_for(competence, evidence.activity_date) if competence and decision == "competent" else None
    changed = await change_if_submitted(
        db, evidence.id, status=decision, decided_by_id=actor.id, decided_at=at.now, feedback=feedback or None,
        valid_until=valid_until, updated_at=at.now,
    )
    if not changed:
        await db.refresh(evidence)
        raise await already_decided(db, evidence)
    record_audit(db, actor.id, "evidence", evidence.id, "decided", now=at.now, decision=decision,
                 valid_until=str(valid_until or ""))
    log.info("evidence decided id=%s decision=%s by=%s", evidence.id, decision, actor.id)
    notice = Notice(
        owner.id,
        "evidence.decided",
        {
            "number": evidence.id,
            "code": competence.code if competence else "",
            "title": competence.title if competence else "",
            "decision": decision,
            "by": actor.name,
            "feedback": feedback,
            "valid_until": valid_until.isoformat() if valid_until else "",
        },
        kind="decision",
        dedupe_key=f"evidence:{evidence.id}:decided",
    )
    return Decided(evidence, owner, competence, decision, valid_until, notices=[notice])
