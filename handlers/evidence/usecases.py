"""Logging competence evidence and withdrawing it: what staff do with their own record.

On save the evidence goes to the person's line manager; someone with no (active) line manager has it sent
to every assessor instead, so nothing waits unseen. Evidence can be withdrawn while it still waits.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.access import Act
from bot.clock import Moment
from bot.usecase import Refused, Result, require
from handlers.verification.usecases import request_notices
from scheduler.outbox import Notice, cancel
from storage.audit import record_audit
from storage.evidence_queries import assessors, change_if_submitted
from storage.models import EVIDENCE_KINDS, Competence, Evidence, Person

log = logging.getLogger("ldbot.evidence")

MAX_DESCRIPTION = 3000
MAX_LINKS_CHARS = 1000


def request_key(evidence_id: int) -> str:
    """The outbox key of an evidence's verification request(s): sent once, and found again on withdrawal."""
    return f"evidence:{evidence_id}:verify"


def split_links(text: str) -> tuple[list[str], list[str]]:
    """(links, the ones that are not http(s) web addresses), from text separated by spaces or commas."""
    links = [part for part in re.split(r"[\s,]+", text.strip()) if part]
    return links, [link for link in links if not is_web_link(link)]


def is_web_link(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    host = parts.hostname or ""
    return (
        parts.scheme in ("http", "https")
        and bool(re.fullmatch(r"[a-z0-9.-]+", host))
        and ("." in host or host == "localhost")
        and not re.search(r"[<>\"'\s]", text)
    )


async def active_line_manager(db: AsyncSession, person: Person) -> Person | None:
    if not person.line_manager_id:
        return None
    manager = await db.get(Person, person.line_manager_id)
    return manager if manager is not None and manager.active else None


@dataclass
class EvidenceLogged(Result):
    evidence: Evidence
    competence: Competence
    verifiers: list[Person]
    to_manager: bool


async def log_evidence(
    db: AsyncSession,
    actor: Person,
    at: Moment,
    *,
    competence_code: str,
    kind: str,
    activity_date: date,
    description: str,
    links: list[str],
    source: str = "chat",
) -> EvidenceLogged:
    """Save the actor's evidence and ask for it to be verified."""
    await require(db, actor, Act.WRITE_OWN_RECORD, actor)
    competence = await db.scalar(
        select(Competence).where(Competence.code == competence_code, Competence.active.is_(True))
    )
    if competence is None:  # unknown, or retired between the question and the answer
        raise Refused("unknown_competence", text=competence_code)
    if kind not in EVIDENCE_KINDS:
        raise Refused("bad_kind")
    if activity_date > at.today:
        raise Refused("future_date")
    description = description.strip()
    if not description or len(description) > MAX_DESCRIPTION:
        raise Refused("bad_description", limit=MAX_DESCRIPTION)
    bad = [link for link in links if not is_web_link(link)]
    if bad or len(" ".join(links)) > MAX_LINKS_CHARS:
        raise Refused("bad_links", bad=bad[0] if bad else "")
    evidence = Evidence(
        person_id=actor.id,
        kind=kind,
        activity_date=activity_date,
        description=description,
        links=list(links),
        status="submitted",
        verifier_id=actor.line_manager_id,
        source=source,
        competences=[competence],
        created_at=at.now,
        updated_at=at.now,
    )
    db.add(evidence)
    await db.flush()
    record_audit(db, actor.id, "evidence", evidence.id, "submitted", now=at.now, competence=competence.code,
                 kind=evidence.kind)
    manager = await active_line_manager(db, actor)
    verifiers = [manager] if manager else await assessors(db, exclude_id=actor.id)
    log.info("evidence submitted id=%s person=%s verifiers=%s", evidence.id, actor.id, len(verifiers))
    return EvidenceLogged(
        evidence, competence, verifiers, manager is not None,
        notices=request_notices(evidence, actor, verifiers, to_manager=manager is not None,
                                key=request_key(evidence.id)),
    )


@dataclass
class EvidenceWithdrawn(Result):
    evidence: Evidence


async def withdraw_evidence(db: AsyncSession, actor: Person, at: Moment, *, evidence_id: int) -> EvidenceWithdrawn:
    """Own evidence only, and only while it is still waiting for a decision."""
    evidence = await db.get(Evidence, evidence_id)
    if evidence is None or evidence.person_id != actor.id or not await access.may(db, actor, Act.WRITE_OWN_RECORD, actor):
        raise Refused("not_found", number=evidence_id)
    if evidence.status != "submitted" or not await change_if_submitted(
        db, evidence.id, status="withdrawn", updated_at=at.now
    ):
        await db.refresh(evidence)
        raise Refused("cannot_withdraw", number=evidence.id, status=evidence.status)
    record_audit(db, actor.id, "evidence", evidence.id, "withdrawn", now=at.now)
    code = evidence.competences[0].code if evidence.competences else ""
    # A request not sent yet is simply not sent; whoever already has one is told there is nothing to do.
    notices = [
        Notice(verifier_id, "evidence.withdrawn_notice",
               {"staff_name": actor.name, "number": evidence.id, "code": code},
               dedupe_key=f"evidence:{evidence.id}:withdrawn:{verifier_id}")
        for verifier_id in await cancel(db, request_key(evidence.id), now=at.now)
    ]
    return EvidenceWithdrawn(evidence, notices=notices)


async def active_competence(db: AsyncSession, code: str) -> Competence | None:
    return await db.scalar(select(Competence).where(Competence.code == code, Competence.active.is_(True)))


def questionable_age(competence: Competence, day: date, today: date, years: int) -> dict | None:
    """A date old enough to ask "is that right?" about: past the competence's own revalidation period (the
    evidence would be out of date the day it is saved) or older than the service's limit, in years."""
    if competence.risk_critical and competence.revalidation_months:
        if day + relativedelta(months=competence.revalidation_months) < today:
            return {"why": "revalidation", "months": competence.revalidation_months}
    if day + relativedelta(years=years) < today:
        return {"why": "limit", "years": years}
    return None


async def withdrawable(db: AsyncSession, actor: Person) -> list[Evidence]:
    """The actor's evidence still waiting for a decision, newest first."""
    return list(await db.scalars(
        select(Evidence).where(Evidence.person_id == actor.id, Evidence.status == "submitted")
        .order_by(Evidence.created_at.desc(), Evidence.id.desc())
    ))


async def own_waiting(db: AsyncSession, actor: Person, evidence_id: int) -> Evidence | None:
    evidence = await db.get(Evidence, evidence_id)
    if evidence is None or evidence.person_id != actor.id or evidence.status != "submitted":
        return None
    return evidence
