"""Logging competence evidence: which competence, what kind, when, what happened — then off to be verified."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.dates import DateParseError, parse_past_date
from bot.router import command
from bot.router import form as form_handler
from bot.turn import Turn
from bot.types import Button, Choice, Form, FormField
from handlers.competence_lookup import label, resolve_competences
from storage.models import EVIDENCE_KINDS, Competence, Evidence, Person

MAX_DESCRIPTION = 3000
URL = re.compile(r"^https?://[^\s<>\"]+$", re.I)


def evidence_form(turn: Turn) -> Form:
    t = turn.text
    return Form(
        form_id="evidence.new",
        title=t("evidence.form_title"),
        intro=t("evidence.form_intro"),
        submit_label=t("evidence.submit"),
        fields=(
            FormField("competence", t("evidence.field_competence"), "choice", hint=t("evidence.hint_competence"),
                      options_source="competences"),
            FormField("kind", t("evidence.field_kind"), "choice",
                      options=tuple(Choice(label_, key) for key, label_ in EVIDENCE_KINDS.items())),
            FormField("date", t("evidence.field_date"), "date", hint=t("evidence.hint_date")),
            FormField("description", t("evidence.field_description"), "long_text",
                      hint=t("evidence.hint_description"), max_length=MAX_DESCRIPTION),
            FormField("links", t("evidence.field_links"), "text", required=False, hint=t("evidence.hint_links"),
                      max_length=1000),
        ),
    )


def decision_buttons(turn: Turn, evidence_id: int) -> list[Button]:
    return [
        Button(turn.text("verification.button_competent"), "evidence.decide", f"{evidence_id}:competent", "primary"),
        Button(turn.text("verification.button_not_yet"), "evidence.decide", f"{evidence_id}:not_yet_competent"),
        Button(turn.text("verification.button_insufficient"), "evidence.decide", f"{evidence_id}:insufficient_evidence"),
    ]


@command("evidence", "log evidence", "add evidence", "new evidence", "record evidence", summary="evidence.summary")
async def start_evidence(turn: Turn) -> None:
    turn.say("evidence.start", form=evidence_form(turn))


@command("competences", "framework", summary="evidence.summary_competences")
async def list_competences(turn: Turn) -> None:
    competences = await turn.db.scalars(select(Competence).where(Competence.active.is_(True)).order_by(Competence.code))
    turn.say("evidence.competence_list", competences=[
        {"code": c.code, "title": c.title, "risk_critical": c.risk_critical, "months": c.revalidation_months}
        for c in competences
    ])


async def validate_evidence(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if "competence" in values:
        text = values["competence"].strip()
        match = await resolve_competences(turn.db, text) if text else None
        if match and match.resolved:
            values["competence"] = match.resolved[0].code
        elif not text:
            errors["competence"] = turn.text("evidence.error_competence_missing")
        else:
            errors["competence"] = turn.text(
                "evidence.error_competence", text=text, suggestions=[label(c) for c in match.suggestions]
            )
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
    if values.get("links", "").strip():
        links = [part for part in re.split(r"[\s,]+", values["links"].strip()) if part]
        bad = [link for link in links if not URL.match(link)]
        if bad:
            errors["links"] = turn.text("evidence.error_links", bad=bad[0])
        else:
            values["links"] = " ".join(links)
    return errors


@form_handler("evidence.new", validate=validate_evidence)
async def save_evidence(turn: Turn, values: dict[str, str]) -> None:
    from datetime import date

    competence = await turn.db.scalar(select(Competence).where(Competence.code == values["competence"]))
    person = turn.person
    evidence = Evidence(
        person_id=person.id,
        kind=values["kind"],
        activity_date=date.fromisoformat(values["date"]),
        description=values["description"].strip(),
        links=values.get("links", "").split() if values.get("links") else [],
        status="submitted",
        verifier_id=person.line_manager_id,
        source="chat",
        competences=[competence],
        created_at=turn.now(),
        updated_at=turn.now(),
    )
    turn.db.add(evidence)
    await turn.db.flush()
    await turn.audit("evidence", evidence.id, "submitted", fields=["competence", "kind", "date", "description", "links"])
    verifiers: list[Person] = []
    if person.line_manager_id:
        manager = await turn.db.get(Person, person.line_manager_id)
        if manager is not None and manager.active:
            verifiers = [manager]
    if not verifiers:
        verifiers = list(await turn.db.scalars(
            select(Person).where(Person.role == "assessor", Person.active.is_(True), Person.id != person.id)
        ))
    context = {
        "evidence_id": evidence.id, "staff_name": person.name, "code": competence.code, "title": competence.title,
        "kind": EVIDENCE_KINDS[evidence.kind], "date": evidence.activity_date.isoformat(),
        "description": evidence.description, "links": evidence.links,
    }
    for verifier in verifiers:
        await turn.notify(verifier.id, "verification.request", context, buttons=decision_buttons(turn, evidence.id),
                          kind="verify_request", dedupe_key=f"evidence:{evidence.id}:verify:{verifier.id}")
    turn.say("evidence.saved", number=evidence.id, code=competence.code, title=competence.title,
             verifiers=[v.name for v in verifiers])


@command("withdraw evidence", "withdraw", summary="")
async def withdraw(turn: Turn) -> None:
    number = turn.args.strip().lstrip("#")
    evidence = await turn.db.get(Evidence, int(number)) if number.isdigit() else None
    if evidence is None or evidence.person_id != turn.person.id:
        turn.say("evidence.not_found", number=number)
        return
    if evidence.status != "submitted":
        turn.say("evidence.cannot_withdraw", number=evidence.id, status=evidence.status)
        return
    evidence.status = "withdrawn"
    evidence.updated_at = turn.now()
    await turn.audit("evidence", evidence.id, "withdrawn")
    turn.say("evidence.withdrawn", number=evidence.id)
