"""Logging competence evidence in chat: which competence, what kind, when, what happened — then it goes
to be verified (see usecases.py for the rules)."""

from __future__ import annotations

from datetime import date

from bot.access import Act
from bot.dates import DateParseError, parse_past_date
from bot.turn import Turn
from bot.types import Choice, Form, FormField
from bot.unit import Routes
from bot.usecase import Refused
from handlers.evidence import usecases as uc
from handlers.evidence.competences import active_competences, competence_choices, label, resolve_competences
from storage.models import EVIDENCE_KINDS

routes = Routes()

MAX_DESCRIPTION = uc.MAX_DESCRIPTION
MAX_LINKS_CHARS = uc.MAX_LINKS_CHARS


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


@routes.command(
    "evidence", "log evidence", "add evidence", "new evidence", "record evidence", summary="evidence.summary",
    may=Act.WRITE_OWN_RECORD, rank=20,
)
async def start_evidence(turn: Turn) -> None:
    turn.say("evidence.start", form=evidence_form(turn))


@routes.command("competences", "framework", summary="evidence.summary_competences", rank=90)
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


@routes.options_source("competences")
async def competence_options(turn: Turn, query: str) -> list[Choice]:
    return await competence_choices(turn.db, query)


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
        links, bad = uc.split_links(values["links"])
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


# --- saving ----------------------------------------------------------------------------------------------------
@routes.form("evidence.new", validate=validate_evidence)
async def save_evidence(turn: Turn, values: dict[str, str]) -> None:
    links = values["links"].split() if (values.get("links") or "").strip() else []
    try:
        logged = await turn.apply(await uc.log_evidence(
            turn.db, turn.person, turn.at, competence_code=values["competence"], kind=values["kind"],
            activity_date=date.fromisoformat(values["date"]), description=values["description"], links=links,
        ))
    except Refused as refused:
        if refused.reason == "unknown_competence":
            turn.say("evidence.error_competence", text=values["competence"], suggestions=[])
        else:
            turn.say("core.stale_action")
        return
    turn.say(
        "evidence.saved",
        number=logged.evidence.id,
        code=logged.competence.code,
        title=logged.competence.title,
        verifiers=[v.name for v in logged.verifiers],
        to_manager=logged.to_manager,
    )


# --- withdrawing -------------------------------------------------------------------------------------------------
@routes.command("withdraw evidence", "withdraw", summary="evidence.summary_withdraw", may=Act.WRITE_OWN_RECORD,
                rank=80)
async def withdraw(turn: Turn) -> None:
    number = turn.args.strip().lstrip("#")
    if not number:
        turn.say("evidence.withdraw_which")
        return
    if not number.isdigit():
        turn.say("evidence.not_found", number=number)
        return
    try:
        withdrawn = await turn.apply(await uc.withdraw_evidence(turn.db, turn.person, turn.at, evidence_id=int(number)))
    except Refused as refused:
        template = "evidence.cannot_withdraw" if refused.reason == "cannot_withdraw" else "evidence.not_found"
        turn.say(template, **refused.detail)
        return
    turn.say("evidence.withdrawn", number=withdrawn.evidence.id)
