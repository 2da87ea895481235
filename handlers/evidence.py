"""Logging competence evidence: which competence, what kind, when, what happened — then off to be verified.

On save the evidence goes to the person's line manager; someone with no line manager (or an inactive
one) has it sent to every assessor instead, so nothing waits unseen.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import select

from bot.dates import DateParseError, parse_past_date
from bot.router import command
from bot.router import form as form_handler
from bot.turn import Turn
from bot.types import Button, Choice, Form, FormField
from handlers.competence_lookup import active_competences, label, resolve_competences
from scheduler.outbox import cancel_unsent
from storage.evidence_queries import assessors, change_if_submitted
from storage.models import EVIDENCE_KINDS, Competence, Evidence, Person

log = logging.getLogger("ldbot.evidence")

MAX_DESCRIPTION = 3000
MAX_LINKS_CHARS = 1000


def evidence_form(turn: Turn) -> Form:
    t = turn.text
    return Form(
        form_id="evidence.new",
        title=t("evidence.form_title"),
        intro=t("evidence.form_intro"),
        submit_label=t("evidence.submit"),
        fields=(
            FormField(
                "competence",
                t("evidence.field_competence"),
                "choice",
                hint=t("evidence.hint_competence"),
                options_source="competences",
            ),
            FormField(
                "kind",
                t("evidence.field_kind"),
                "choice",
                options=tuple(Choice(text, key) for key, text in EVIDENCE_KINDS.items()),
            ),
            FormField("date", t("evidence.field_date"), "date", hint=t("evidence.hint_date")),
            FormField(
                "description",
                t("evidence.field_description"),
                "long_text",
                hint=t("evidence.hint_description"),
                max_length=MAX_DESCRIPTION,
            ),
            FormField(
                "links",
                t("evidence.field_links"),
                "text",
                required=False,
                hint=t("evidence.hint_links"),
                max_length=MAX_LINKS_CHARS,
            ),
        ),
    )


def decision_buttons(turn: Turn, evidence_id: int) -> list[Button]:
    """Competent / Not yet competent / Insufficient evidence, each carrying "<id>:<decision>"."""
    return [
        Button(
            turn.text("verification.button_competent"),
            "evidence.decide",
            f"{evidence_id}:competent",
            "primary",
        ),
        Button(
            turn.text("verification.button_not_yet"), "evidence.decide", f"{evidence_id}:not_yet_competent"
        ),
        Button(
            turn.text("verification.button_insufficient"),
            "evidence.decide",
            f"{evidence_id}:insufficient_evidence",
        ),
    ]


@command(
    "evidence", "log evidence", "add evidence", "new evidence", "record evidence", summary="evidence.summary"
)
async def start_evidence(turn: Turn) -> None:
    turn.say("evidence.start", form=evidence_form(turn))


@command("competences", "framework", summary="evidence.summary_competences")
async def list_competences(turn: Turn) -> None:
    competences = await active_competences(turn.db)
    turn.say(
        "evidence.competence_list",
        competences=[
            {
                "code": c.code,
                "title": c.title,
                "risk_critical": c.risk_critical,
                "months": c.revalidation_months,
            }
            for c in competences
        ],
    )


# --- validation: only the fields present (the console asks one at a time); normalises in place ----------------
async def validate_evidence(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if "competence" in values:
        error = await _check_competence(turn, values)
        if error:
            errors["competence"] = error
    if "kind" in values and values["kind"] not in EVIDENCE_KINDS:
        errors["kind"] = turn.text("evidence.error_kind", kinds=list(EVIDENCE_KINDS.values()))
    if "date" in values:
        try:
            values["date"] = parse_past_date(values["date"], turn.today()).isoformat()
        except DateParseError as exc:
            errors["date"] = turn.text("evidence.error_date", reason=exc.reason, text=exc.text)
    if "description" in values:
        description = values["description"].strip()
        if not description:
            errors["description"] = turn.text("evidence.error_description")
        elif len(description) > MAX_DESCRIPTION:
            errors["description"] = turn.text("core.field_error", code="too_long", limit=MAX_DESCRIPTION)
    if (values.get("links") or "").strip():
        links, bad = split_links(values["links"])
        if bad:
            errors["links"] = turn.text("evidence.error_links", bad=bad[0])
        elif len(" ".join(links)) > MAX_LINKS_CHARS:
            errors["links"] = turn.text("core.field_error", code="too_long", limit=MAX_LINKS_CHARS)
        else:
            values["links"] = " ".join(links)
    return errors


async def _check_competence(turn: Turn, values: dict[str, str]) -> str | None:
    text = (values["competence"] or "").strip()
    if not text:
        return turn.text("evidence.error_competence_missing")
    match = await resolve_competences(turn.db, text)
    if match.resolved:
        values["competence"] = match.resolved[0].code
        return None
    return turn.text(
        "evidence.error_competence", text=text, suggestions=[label(c) for c in match.suggestions]
    )


def split_links(text: str) -> tuple[list[str], list[str]]:
    """(links, the ones that are not http(s) web addresses), from text separated by spaces or commas."""
    links = [part for part in re.split(r"[\s,]+", text.strip()) if part]
    return links, [link for link in links if not _is_web_link(link)]


def _is_web_link(text: str) -> bool:
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


# --- saving ----------------------------------------------------------------------------------------------------
@form_handler("evidence.new", validate=validate_evidence)
async def save_evidence(turn: Turn, values: dict[str, str]) -> None:
    competence = await turn.db.scalar(
        select(Competence).where(Competence.code == values["competence"], Competence.active.is_(True))
    )
    if competence is None:  # retired between the question and the answer
        turn.say("evidence.error_competence", text=values["competence"], suggestions=[])
        return
    person = turn.person
    evidence = Evidence(
        person_id=person.id,
        kind=values["kind"],
        activity_date=date.fromisoformat(values["date"]),
        description=values["description"].strip(),
        links=values["links"].split() if (values.get("links") or "").strip() else [],
        status="submitted",
        verifier_id=person.line_manager_id,
        source="chat",
        competences=[competence],
        created_at=turn.now(),
        updated_at=turn.now(),
    )
    turn.db.add(evidence)
    await turn.db.flush()
    await turn.audit("evidence", evidence.id, "submitted", competence=competence.code, kind=evidence.kind)

    manager = await _active_line_manager(turn, person)
    verifiers = [manager] if manager else await assessors(turn.db, exclude_id=person.id)
    context = {
        "evidence_id": evidence.id,
        "staff_name": person.name,
        "code": competence.code,
        "title": competence.title,
        "kind": EVIDENCE_KINDS[evidence.kind],
        "date": evidence.activity_date.isoformat(),
        "description": evidence.description,
        "links": evidence.links,
        "as_assessor": manager is None,
    }
    for verifier in verifiers:
        # One request per evidence for the line manager; one each when it goes to the assessors.
        dedupe = request_key(evidence.id) if manager else f"{request_key(evidence.id)}:{verifier.id}"
        await turn.notify(
            verifier.id,
            "evidence.verify_request",
            context,
            buttons=decision_buttons(turn, evidence.id),
            kind="verify_request",
            dedupe_key=dedupe,
        )
    log.info("evidence submitted id=%s person=%s verifiers=%s", evidence.id, person.id, len(verifiers))
    turn.say(
        "evidence.saved",
        number=evidence.id,
        code=competence.code,
        title=competence.title,
        verifiers=[v.name for v in verifiers],
        to_manager=manager is not None,
    )


def request_key(evidence_id: int) -> str:
    """The outbox key of an evidence's verification request(s): sent once, and found again on withdrawal."""
    return f"evidence:{evidence_id}:verify"


async def _active_line_manager(turn: Turn, person: Person) -> Person | None:
    if not person.line_manager_id:
        return None
    manager = await turn.db.get(Person, person.line_manager_id)
    return manager if manager is not None and manager.active else None


# --- withdrawing -------------------------------------------------------------------------------------------------
@command("withdraw evidence", "withdraw", summary="evidence.summary_withdraw")
async def withdraw(turn: Turn) -> None:
    """Own evidence only, and only while it is still waiting for a decision."""
    number = turn.args.strip().lstrip("#")
    if not number:
        turn.say("evidence.withdraw_which")
        return
    evidence = await turn.db.get(Evidence, int(number)) if number.isdigit() else None
    if evidence is None or evidence.person_id != turn.person.id:
        turn.say("evidence.not_found", number=number)
        return
    if evidence.status != "submitted":
        turn.say("evidence.cannot_withdraw", number=evidence.id, status=evidence.status)
        return
    if not await change_if_submitted(turn.db, evidence.id, status="withdrawn", updated_at=turn.now()):
        await turn.db.refresh(evidence)
        turn.say("evidence.cannot_withdraw", number=evidence.id, status=evidence.status)
        return
    await turn.audit("evidence", evidence.id, "withdrawn")
    # A request not sent yet is simply not sent; whoever already has one is told there is nothing to do.
    for verifier_id in await cancel_unsent(turn.db, request_key(evidence.id), now=turn.now()):
        code = evidence.competences[0].code if evidence.competences else ""
        await turn.notify(
            verifier_id,
            "evidence.withdrawn_notice",
            {"staff_name": turn.person.name, "number": evidence.id, "code": code},
            dedupe_key=f"evidence:{evidence.id}:withdrawn:{verifier_id}",
        )
    turn.say("evidence.withdrawn", number=evidence.id)
