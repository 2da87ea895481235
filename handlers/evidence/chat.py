"""Logging competence evidence in chat: which competence, what kind, when, what happened — shown back for
review (Save / Change / Cancel) and only then saved and sent to be verified (rules in usecases.py).

The draft lives in the dialog until the person presses Save, so cancelling, walking away or a restart
never leaves evidence half-saved, and nothing goes to a manager that its author did not see first.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.access import Act
from bot.dates import DateParseError, parse_past_date, year_given
from bot.ids import parse_id
from bot.turn import Turn
from bot.typed import answer_typed
from bot.types import Button, Choice, Form, FormField
from bot.unit import Routes
from bot.usecase import Refused
from handlers.evidence import usecases as uc
from handlers.evidence.competences import (
    active_competences,
    competence_choices,
    label,
    mentioned,
    resolve_competences,
)
from storage.models import EVIDENCE_KINDS, Competence, Evidence

routes = Routes()

MAX_DESCRIPTION = uc.MAX_DESCRIPTION
MAX_LINKS_CHARS = uc.MAX_LINKS_CHARS
DIALOG = "evidence"
SAVE_WORDS = {"save", "yes", "y", "ok", "okay", "confirm", "send", "save it"}
CHANGE_WORDS = {"change", "edit", "change it", "no change"}
FIELDS = ("competence", "kind", "date", "description", "links")


def evidence_form(turn: Turn, draft: dict[str, Any] | None = None) -> Form:
    """The evidence form, prefilled from `draft` (a competence named in the command, or Change)."""
    t = turn.text
    draft = draft or {}
    chosen = (Choice(draft["competence_label"], draft["competence"]),) if draft.get("competence") else ()
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
                options=chosen,
                initial=draft.get("competence") or None,
            ),
            FormField(
                "kind",
                t("evidence.field_kind"),
                "choice",
                options=tuple(Choice(text, key) for key, text in EVIDENCE_KINDS.items()),
                initial=draft.get("kind") or None,
            ),
            FormField("date", t("evidence.field_date"), "date", hint=t("evidence.hint_date"),
                      initial=draft.get("date") or None),
            FormField(
                "description",
                t("evidence.field_description"),
                "long_text",
                hint=t("evidence.hint_description"),
                max_length=MAX_DESCRIPTION,
                initial=draft.get("description") or None,
            ),
            FormField(
                "links",
                t("evidence.field_links"),
                "text",
                required=False,
                hint=t("evidence.hint_links"),
                max_length=MAX_LINKS_CHARS,
                initial=draft.get("links") or None,
            ),
        ),
    )


_FOR = re.compile(r"^(for|on|in|of|about)\s+", re.I)


@routes.command(
    "evidence", "log evidence", "add evidence", "new evidence", "record evidence", summary="evidence.summary",
    may=Act.WRITE_OWN_RECORD, rank=20,
)
async def start_evidence(turn: Turn) -> None:
    """`evidence`, or `evidence FFBA1` / `log evidence for BA`: the competence named is filled in."""
    named = _FOR.sub("", turn.args.strip())
    if not named:
        turn.say("evidence.start", form=evidence_form(turn))
        return
    match = await resolve_competences(turn.db, named)
    if match.resolved:
        found = match.resolved[0]
        turn.say("evidence.start_for", code=found.code, title=found.title,
                 form=evidence_form(turn, {"competence": found.code, "competence_label": label(found)}))
        return
    turn.say("evidence.start_unsure", text=named, suggestions=[label(c) for c in match.suggestions],
             form=evidence_form(turn))


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
        typed = values["date"]
        try:
            values["date"] = parse_past_date(typed, turn.today()).isoformat()
            if not year_given(typed):  # kept when the answer, now a full date, is checked again on submit
                values["_date_yearless"] = "yes"
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


def _offered(turn: Turn) -> list[str]:
    """Codes offered as numbered suggestions at the last competence question (field-by-field forms)."""
    return list(turn.dialog.data.get("suggested", [])) if turn.dialog is not None else []


async def _check_competence(turn: Turn, values: dict[str, str]) -> str | None:
    text = (values["competence"] or "").strip()
    if not text:
        return turn.text("evidence.error_competence_missing")
    offered = _offered(turn)
    picked = parse_id(text)
    if picked is not None and offered and picked <= len(offered):
        text = offered[picked - 1]
    match = await resolve_competences(turn.db, text)
    if match.resolved:
        values["competence"] = match.resolved[0].code
        return None
    if turn.dialog is not None:
        turn.dialog.data["suggested"] = [c.code for c in match.suggestions]
    return turn.text("evidence.error_competence", text=text, suggestions=[label(c) for c in match.suggestions])


# --- review, then save ---------------------------------------------------------------------------------------
@routes.form("evidence.new", declare=lambda turn, _context: evidence_form(turn), validate=validate_evidence)
async def review_evidence(turn: Turn, values: dict[str, str]) -> None:
    draft = {name: (values.get(name) or "").strip() for name in FIELDS}
    draft["date_yearless"] = values.get("_date_yearless", "")
    await show_review(turn, draft)


async def show_review(turn: Turn, draft: dict[str, Any]) -> None:
    """What will be saved, exactly, with Save / Change / Cancel; the draft waits in the dialog."""
    competence = await uc.active_competence(turn.db, draft["competence"])
    if competence is None:  # retired between the question and the answer
        turn.say("evidence.error_competence", text=draft["competence"], suggestions=[])
        return
    draft["competence_label"] = label(competence)
    turn.start_dialog(DIALOG, "review", {"draft": draft})
    day = date.fromisoformat(draft["date"])
    turn.say(
        "evidence.review",
        code=competence.code,
        title=competence.title,
        kind=EVIDENCE_KINDS[draft["kind"]],
        date=draft["date"],
        yearless=bool(draft.get("date_yearless")),
        age=uc.questionable_age(competence, day, turn.today(), turn.services.settings.evidence_question_after_years),
        description=draft["description"],
        links=draft["links"].split() if draft.get("links") else [],
        buttons=[
            Button(turn.text("evidence.button_save"), "evidence.save", style="primary"),
            Button(turn.text("evidence.button_change"), "evidence.change"),
            Button(turn.text("evidence.button_cancel"), "evidence.discard", style="danger"),
        ],
    )


def _draft(turn: Turn) -> dict[str, Any] | None:
    return turn.held(DIALOG, "draft")


@routes.dialog(DIALOG)
async def typed_at_review(turn: Turn) -> None:
    if turn.dialog is not None and turn.dialog.step == "offer":
        await answer_typed(turn, [(SAVE_WORDS | {"log it", "yes please"}, accept_offer),
                                  ({"no", "n", "no thanks", "nope"}, decline_offer)], "evidence.offer_help")
        return
    await answer_typed(turn, [(SAVE_WORDS, save_evidence), (CHANGE_WORDS, change_evidence)], "evidence.review_help")


@routes.action("evidence.save")
async def save_evidence(turn: Turn) -> None:
    draft = _draft(turn)
    if draft is None:
        turn.say("evidence.nothing_to_save")
        return
    links = draft["links"].split() if draft.get("links") else []
    try:
        logged = await turn.apply(await uc.log_evidence(
            turn.db, turn.person, turn.at, competence_code=draft["competence"], kind=draft["kind"],
            activity_date=date.fromisoformat(draft["date"]), description=draft["description"], links=links,
        ))
    except Refused as refused:
        turn.end_dialog()
        if refused.reason == "unknown_competence":
            turn.say("evidence.error_competence", text=draft["competence"], suggestions=[])
        else:
            turn.say("core.stale_action")
        return
    turn.end_dialog()
    turn.say(
        "evidence.saved",
        number=logged.evidence.id,
        code=logged.competence.code,
        title=logged.competence.title,
        verifiers=[v.name for v in logged.verifiers],
        to_manager=logged.to_manager,
        replace_original=True,
    )


@routes.action("evidence.change")
async def change_evidence(turn: Turn) -> None:
    draft = _draft(turn)
    if draft is None:
        turn.say("evidence.nothing_to_save")
        return
    turn.end_dialog()
    turn.say("evidence.changing", form=evidence_form(turn, draft))


@routes.action("evidence.discard")
async def discard_evidence(turn: Turn) -> None:
    if _draft(turn) is None:
        turn.say("evidence.nothing_to_save")
        return
    turn.end_dialog()
    turn.say("core.cancelled", replace_original=True)


# --- "I did BA training yesterday": an offer to log it ---------------------------------------------------------
_DID = re.compile(
    r"^\s*(i|we)\s*(('ve|'d| have| had)\s+)?(just\s+)?(did|done|attended|completed|finished|took part in|wore|"
    r"ran|led|went on|passed|used|worked|dealt with|attended to|carried out|practised|practiced)\b",
    re.I,
)
_KINDS = (
    (re.compile(r"\b(training|course|workshop|e-?learning|lecture)\b", re.I), "training_course"),
    (re.compile(r"\b(drill|exercise|scenario|simulation)\b", re.I), "simulated"),
    (re.compile(r"\b(incident|call|shout|job|callout|call-out)\b", re.I), "real_incident"),
    (re.compile(r"\b(assessment|assessed)\b", re.I), "workplace_assessment"),
)


@routes.otherwise(order=10)
async def offer_to_log(turn: Turn) -> bool:
    """Something a person did, in their own words, with a competence in it: offer to log it as evidence
    (shown for review first, like any evidence) instead of searching the policies for it."""
    text = turn.args.strip()
    if not _DID.match(text) or not await turn.may(Act.WRITE_OWN_RECORD, turn.person):
        return False
    competence = mentioned(text, await active_competences(turn.db))
    if competence is None:
        return False
    draft: dict[str, Any] = {"competence": competence.code, "competence_label": label(competence),
                             "description": text, "links": "", "date": "", "kind": "", "date_yearless": ""}
    words = re.findall(r"[\w/.-]+", text.lower())
    for size in (3, 2, 1):  # the date is usually at the end: "yesterday", "last Tuesday", "on 14 Nov"
        try:
            draft["date"] = parse_past_date(" ".join(words[-size:]), turn.today()).isoformat()
            break
        except DateParseError:
            continue
    draft["kind"] = next((kind for pattern, kind in _KINDS if pattern.search(text)), "")
    turn.start_dialog(DIALOG, "offer", {"draft": draft})
    turn.say(
        "evidence.offer", code=competence.code, title=competence.title, date=draft["date"],
        kind=EVIDENCE_KINDS.get(draft["kind"], ""),
        buttons=[Button(turn.text("evidence.button_log_it"), "evidence.accept_offer", style="primary"),
                 Button(turn.text("evidence.button_no_thanks"), "evidence.decline_offer")],
    )
    return True


@routes.action("evidence.accept_offer")
async def accept_offer(turn: Turn) -> None:
    draft = _draft(turn)
    if draft is None:
        turn.say("evidence.nothing_to_save")
        return
    if draft["date"] and draft["kind"]:
        await show_review(turn, draft)
        return
    turn.end_dialog()
    turn.say("evidence.offer_form", form=evidence_form(turn, draft))


@routes.action("evidence.decline_offer")
async def decline_offer(turn: Turn) -> None:
    turn.end_dialog()
    turn.say("evidence.offer_declined", replace_original=True)


# --- withdrawing: list what can be, then confirm ----------------------------------------------------------------
@routes.command("withdraw evidence", "withdraw", summary="evidence.summary_withdraw", may=Act.WRITE_OWN_RECORD,
                rank=80)
async def withdraw(turn: Turn) -> None:
    number = turn.args.strip().lstrip("#")
    if not number:
        waiting = await uc.withdrawable(turn.db, turn.person)
        turn.say("evidence.withdraw_which", items=[_brief(e) for e in waiting],
                 buttons=[Button(turn.text("evidence.button_withdraw_this", number=e.id), "evidence.withdraw_ask", str(e.id))
                          for e in waiting[:5]])
        return
    await _ask_withdraw(turn, number)


@routes.action("evidence.withdraw_ask")
async def withdraw_clicked(turn: Turn) -> None:
    await _ask_withdraw(turn, turn.incoming.action.value if turn.incoming.action else "")


async def _ask_withdraw(turn: Turn, number: str) -> None:
    evidence = await uc.own_waiting(turn.db, turn.person, parse_id(number)) if parse_id(number) else None
    if evidence is None:
        await _say_cannot(turn, number)
        return
    turn.say("evidence.withdraw_confirm", **_brief(evidence), buttons=[
        Button(turn.text("evidence.button_withdraw"), "evidence.withdraw", str(evidence.id), "danger"),
        Button(turn.text("evidence.button_keep"), "evidence.keep", str(evidence.id)),
    ])


async def _say_cannot(turn: Turn, number: str) -> None:
    evidence = await turn.db.get(Evidence, parse_id(number)) if parse_id(number) else None
    if evidence is not None and evidence.person_id == turn.person.id:
        turn.say("evidence.cannot_withdraw", number=evidence.id, status=evidence.status)
    else:
        turn.say("evidence.not_found", number=number)


@routes.action("evidence.withdraw")
async def withdraw_confirmed(turn: Turn) -> None:
    number = turn.incoming.action.value if turn.incoming.action else ""
    if parse_id(number) is None:
        turn.say("core.stale_action")
        return
    try:
        withdrawn = await turn.apply(await uc.withdraw_evidence(turn.db, turn.person, turn.at, evidence_id=parse_id(number)))
    except Refused as refused:
        template = "evidence.cannot_withdraw" if refused.reason == "cannot_withdraw" else "evidence.not_found"
        turn.say(template, replace_original=True, **refused.detail)
        return
    turn.say("evidence.withdrawn", number=withdrawn.evidence.id, replace_original=True)


@routes.action("evidence.keep")
async def withdraw_declined(turn: Turn) -> None:
    turn.say("evidence.kept", number=turn.incoming.action.value if turn.incoming.action else "", replace_original=True)


def _brief(evidence: Evidence) -> dict[str, Any]:
    competence: Competence | None = evidence.competences[0] if evidence.competences else None
    return {"number": evidence.id, "code": competence.code if competence else "", "date": evidence.activity_date.isoformat(),
            "kind": EVIDENCE_KINDS.get(evidence.kind, evidence.kind)}
