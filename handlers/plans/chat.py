"""Development plans in chat: "my plan", a manager's "team plans" and "plan NAME", agreeing a plan,
changing a step's target date (with a reason), recording a check-in, "pathways", "assign plan" and L&D's
"add pathway" (the pathway file's YAML or JSON, pasted).

Assigning and adding a pathway are confirmed with a button before anything is saved or sent. Forms degrade to questions asked one
at a time on the console, as every form does.
"""

from __future__ import annotations

from datetime import date

from bot.access import Act
from bot.dates import DateParseError, parse_uk_date
from bot.ids import parse_id
from bot.turn import Turn
from bot.typed import answer_typed
from bot.types import Button, Form, FormField
from bot.unit import Routes
from bot.usecase import Refused
from handlers.plans import usecases as uc
from handlers.plans.describe import plan_context, spec_context, within
from handlers.plans.progress import PlanProgress
from handlers.plans.spec import PathwaySpec, SpecProblems, parse_spec, read_spec
from handlers.record.usecases import find_viewable
from storage.models import Person
from storage.models.plans import Pathway
from storage.records_import import parse_day

routes = Routes()


def _value(turn: Turn) -> str:
    act = turn.incoming.action
    if act is None:
        return ""
    return act.value or act.action_id.partition(":")[2]


def _parse(turn: Turn, text: str) -> date | None:
    try:
        return parse_uk_date(text, turn.today())
    except DateParseError:
        return parse_day(text)


def _refused(turn: Turn, refused: Refused) -> None:
    known = {"not_allowed", "no_plan", "already", "no_reason", "long_reason", "before_start", "future_date",
             "far_date", "far_start", "no_step", "no_pathway", "no_person"}
    turn.say(f"plans.{refused.reason}" if refused.reason in known else "plans.no_plan", **{
        k: refused.detail.get(k, "") for k in _DETAIL.get(refused.reason, ())})


_DETAIL = {"already": ("name", "pathway"), "before_start": ("start",), "long_reason": ("limit",),
           "no_pathway": ("name",), "no_person": ("email",), "no_step": ("position",)}


def _buttons(turn: Turn, shown: uc.PlansOf | None, found: PlanProgress, *, as_manager: bool) -> list[Button]:
    plan, value = found.plan, str(found.plan.id)
    buttons = []
    mine_agreed = plan.agreed_by_manager_at if as_manager else plan.agreed_by_person_at
    if shown is not None and shown.may_agree and mine_agreed is None:
        buttons.append(Button(turn.text("plans.button_agree"), f"plans.agree:{value}", value, "primary"))
    if shown is not None and shown.may_agree and plan.completed_at is None:
        buttons.append(Button(turn.text("plans.button_change"), f"plans.change:{value}", value))
    if shown is not None and shown.may_checkin and plan.completed_at is None:
        buttons.append(Button(turn.text("plans.button_checkin"), f"plans.checkin:{value}", value))
    return buttons


async def _show(turn: Turn, person: Person) -> None:
    try:
        shown = await uc.plans_of(turn.db, turn.person, turn.at, person=person)
    except Refused:
        turn.say("plans.not_allowed")
        return
    if not shown.progress:
        turn.say("plans.none", own=shown.own, name=person.name)
        return
    for found in shown.progress:
        turn.say("plans.plan", own=shown.own, name=person.name, **plan_context(found),
                 buttons=_buttons(turn, shown, found, as_manager=not shown.own))


@routes.command("my plan", "my plans", "my development plan", "my pathway", "development plan", "plan",
                summary="plans.summary_plan", rank=52)
async def my_plan(turn: Turn) -> None:
    """"plan" alone is the person's own; "plan NAME" (or "plan for NAME") someone else's, if they may."""
    wanted = turn.args.strip()
    if wanted.lower().startswith("for "):
        wanted = wanted[4:].strip()
    if not wanted:
        await _show(turn, turn.person)
        return
    found = await find_viewable(turn.db, turn.person, wanted)
    if len(found) != 1:
        turn.say("plans.not_allowed" if not found else "plans.which_person", who=wanted,
                 people=[{"name": p.name, "team": p.team or ""} for p in found],
                 buttons=[Button(p.name, "plans.open", str(p.id)) for p in found[:10]])
        return
    await _show(turn, found[0])


@routes.action("plans.open")
async def open_plan(turn: Turn) -> None:
    person = await turn.db.get(Person, parse_id(_value(turn)) or 0)
    if person is None:
        turn.say("plans.not_allowed")
        return
    await _show(turn, person)


@routes.command("team plans", "my team's plans", "team's plans", "plans for my team", summary="plans.summary_team",
                may=Act.VIEW_TEAM, rank=57)
async def show_team(turn: Turn) -> None:
    try:
        team = await uc.team_plans(turn.db, turn.person, turn.at)
    except Refused:
        turn.say("plans.not_allowed")
        return
    turn.say("plans.team", plans=[{"name": p.name, **plan_context(found)} for p, found in team.progress],
             buttons=[Button(p.name, "plans.open", str(p.id)) for p, _ in team.progress[:10]])


@routes.command("pathways", "learning pathways", "list pathways", summary="plans.summary_pathways",
                may=Act.ASSIGN_PLAN, rank=75)
async def show_pathways(turn: Turn) -> None:
    try:
        found = await uc.list_pathways(turn.db, turn.person, turn.at)
    except Refused:
        turn.say("plans.not_allowed")
        return
    turn.say("plans.pathways", pathways=[
        {"name": p.name, "description": p.description, "induction_for": (p.induction_role or "").replace("_", " "),
         "plans": found.plans.get(p.id, 0),
         "steps": [{"title": s.title, "within": within(s)} for s in p.steps]} for p in found.pathways])


# --- agree --------------------------------------------------------------------------------------------------
@routes.action("plans.agree")
async def agree(turn: Turn) -> None:
    try:
        agreed = await turn.apply(await uc.agree_plan(turn.db, turn.person, turn.at, plan_id=parse_id(_value(turn)) or 0))
    except Refused as refused:
        _refused(turn, refused)
        return
    turn.say("plans.agreed", name=agreed.person.name, pathway=agreed.plan.pathway.name, agreed=agreed.plan.agreed,
             already=agreed.already, as_manager=agreed.as_manager)


# --- change a target date -------------------------------------------------------------------------------
def change_form(turn: Turn, context: str) -> Form:
    """Which step (its number, as the plan shows them), the new date and why: the use case checks the step."""
    return Form("plans.change", turn.text("plans.change_title"), (
        FormField("step", turn.text("plans.change_step"), "number"),
        FormField("date", turn.text("plans.change_date"), "date",
                  hint=turn.text("plans.date_hint", example=turn.today().strftime("%d/%m/%Y"))),
        FormField("reason", turn.text("plans.change_reason"), "long_text", max_length=uc.REASON_CHARS),
    ), turn.text("plans.save"), context=context)


@routes.action("plans.change")
async def ask_change(turn: Turn) -> None:
    value = _value(turn)
    try:
        plan, person = await uc.plan_for(turn.db, turn.person, parse_id(value) or 0, Act.AGREE_PLAN)
    except Refused as refused:
        _refused(turn, refused)
        return
    turn.say("plans.change_ask", name=person.name, pathway=plan.pathway.name,
             steps=[{"position": st.position, "title": st.title} for st in plan.pathway.steps],
             form=change_form(turn, str(plan.id)))


async def _validate_date(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    if "date" not in values:
        return {}
    day = _parse(turn, values["date"])
    if day is None:
        return {"date": turn.text("plans.bad_date", example=turn.today().strftime("%d/%m/%Y"))}
    values["date"] = day.isoformat()
    return {}


async def _validate_change(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    problems = await _validate_date(turn, values)
    if "reason" in values and not values["reason"].strip():
        problems["reason"] = turn.text("plans.no_reason")
    return problems


@routes.form("plans.change", declare=change_form, validate=_validate_change)
async def save_change(turn: Turn, values: dict[str, str]) -> None:
    try:
        changed = await turn.apply(await uc.change_step_date(
            turn.db, turn.person, turn.at, plan_id=parse_id(turn.form_context) or 0,
            position=parse_id(values.get("step")) or 0, target=date.fromisoformat(values["date"]),
            reason=values.get("reason", ""),
        ))
    except Refused as refused:
        _refused(turn, refused)
        return
    turn.say("plans.date_changed", name=changed.person.name, step=changed.step.title,
             target=changed.target.isoformat())


# --- record a check-in -------------------------------------------------------------------------------------
def checkin_form(turn: Turn, context: str, name: str = "") -> Form:
    return Form("plans.checkin", turn.text("plans.checkin_title", name=name), (
        FormField("date", turn.text("plans.checkin_date"), "date", initial=turn.today().isoformat(),
                  hint=turn.text("plans.date_hint", example=turn.today().strftime("%d/%m/%Y"))),
    ), turn.text("plans.save"), context=context)


@routes.action("plans.checkin")
async def ask_checkin(turn: Turn) -> None:
    try:
        plan, person = await uc.plan_for(turn.db, turn.person, parse_id(_value(turn)) or 0, Act.RECORD_CHECKIN)
    except Refused as refused:
        _refused(turn, refused)
        return
    turn.say("plans.checkin_ask", name=person.name, form=checkin_form(turn, str(plan.id), person.name))


@routes.form("plans.checkin", declare=checkin_form, validate=_validate_date)
async def save_checkin(turn: Turn, values: dict[str, str]) -> None:
    try:
        done = await turn.apply(await uc.record_checkin(
            turn.db, turn.person, turn.at, plan_id=parse_id(turn.form_context) or 0,
            held_on=date.fromisoformat(values["date"])))
    except Refused as refused:
        _refused(turn, refused)
        return
    turn.say("plans.checkin_saved", name=done.person.name, held_on=done.held_on.isoformat())


# --- assign --------------------------------------------------------------------------------------------------
def assign_form(turn: Turn, context: str) -> Form:
    return Form("plans.assign", turn.text("plans.assign_title"), (
        FormField("person", turn.text("plans.assign_person"), "text", max_length=320),
        FormField("pathway", turn.text("plans.assign_pathway"), "text", max_length=200),
        FormField("start", turn.text("plans.assign_start"), "date", initial=turn.today().isoformat(),
                  hint=turn.text("plans.date_hint", example=turn.today().strftime("%d/%m/%Y"))),
    ), turn.text("plans.assign_submit"), context=context)


@routes.command("assign plan", "assign a plan", "assign pathway", "give plan", "new plan",
                summary="plans.summary_assign", may=Act.ASSIGN_PLAN, rank=76)
async def ask_assign(turn: Turn) -> None:
    if not await turn.could(Act.ASSIGN_PLAN):
        turn.say("plans.not_allowed")
        return
    found = await uc.list_pathways(turn.db, turn.person, turn.at)
    if not found.pathways:
        turn.say("plans.no_pathways")
        return
    turn.say("plans.assign_ask", pathways=[p.name for p in found.pathways], form=assign_form(turn, ""))


async def _validate_assign(turn: Turn, values: dict[str, str]) -> dict[str, str]:
    problems: dict[str, str] = {}
    if "person" in values:
        found = await find_viewable(turn.db, turn.person, values["person"])
        found = [p for p in found if await turn.may(Act.ASSIGN_PLAN, p)]
        if len(found) != 1:
            problems["person"] = turn.text("plans.assign_who", who=values["person"], many=len(found) > 1)
        else:
            values["person"] = str(found[0].id)
    if "pathway" in values:
        try:
            values["pathway"] = str((await uc.find_pathway(turn.db, values["pathway"])).id)
        except Refused:
            problems["pathway"] = turn.text("plans.no_pathway", name=values["pathway"])
    if "start" in values:
        day = _parse(turn, values["start"])
        if day is None:
            problems["start"] = turn.text("plans.bad_date", example=turn.today().strftime("%d/%m/%Y"))
        else:
            values["start"] = day.isoformat()
    return problems


@routes.form("plans.assign", declare=assign_form, validate=_validate_assign)
async def confirm_assign(turn: Turn, values: dict[str, str]) -> None:
    """Nothing is saved yet: the choice is shown with a button to confirm it."""
    person = await turn.db.get(Person, parse_id(values.get("person")) or 0)
    pathway = await turn.db.get(Pathway, parse_id(values.get("pathway")) or 0)
    if person is None or pathway is None or not await turn.may(Act.ASSIGN_PLAN, person):
        turn.say("plans.not_allowed")
        return
    value = f"{person.id}:{pathway.id}:{values['start']}"
    turn.say("plans.assign_confirm", name=person.name, pathway=pathway.name, start=values["start"],
             steps=len(pathway.steps), buttons=[
                 Button(turn.text("plans.button_assign"), f"plans.assign_yes:{value}", value, "primary")])


@routes.action("plans.assign_yes")
async def assign(turn: Turn) -> None:
    person_id, _, rest = _value(turn).partition(":")
    pathway_id, _, start = rest.partition(":")
    person = await turn.db.get(Person, parse_id(person_id) or 0)
    pathway = await turn.db.get(Pathway, parse_id(pathway_id) or 0)
    try:
        day = date.fromisoformat(start)
    except ValueError:
        day = None
    if person is None or pathway is None or day is None:
        turn.say("plans.not_allowed")
        return
    try:
        done = await turn.apply(await uc.assign_plan(turn.db, turn.person, turn.at, person=person, pathway=pathway,
                                                     start=day))
    except Refused as refused:
        _refused(turn, refused)
        return
    turn.say("plans.assigned_saved", name=done.person.name, pathway=pathway.name, start=day.isoformat())


# --- add a pathway (L&D): the file's text pasted, read back, saved only on Save ------------------------------
PATHWAY_DIALOG = "plans.pathway"
PATHWAY_CHARS = 20_000  # Slack's box holds 3,000: a longer pathway goes in a file (the web console or ldbot)
SAVE_WORDS = {"save", "yes", "y", "ok", "confirm", "save it"}
CANCEL_WORDS = {"cancel", "no", "n", "stop", "discard"}


def pathway_form(turn: Turn, context: str) -> Form:
    return Form("plans.pathway", turn.text("plans.pathway_title"), (
        FormField("text", turn.text("plans.pathway_text"), "long_text", hint=turn.text("plans.pathway_hint"),
                  max_length=PATHWAY_CHARS),
    ), turn.text("plans.pathway_submit"), context=context)


@routes.command("add pathway", "add a pathway", "new pathway", "add learning pathway", "define pathway",
                summary="plans.summary_add_pathway", may=Act.MANAGE_PATHWAYS, rank=77)
async def ask_pathway(turn: Turn) -> None:
    if not await turn.may(Act.MANAGE_PATHWAYS):
        turn.say("plans.not_allowed_pathways")
        return
    turn.say("plans.pathway_ask", form=pathway_form(turn, ""))


async def _read(turn: Turn, text: str) -> tuple[PathwaySpec | None, list[str], str | None]:
    """The pathway in the text with every problem the file and the use case's check find (nothing saved)."""
    try:
        spec = parse_spec(read_spec(text, "The pathway"))
    except SpecProblems as problems:
        return None, problems.problems, None
    checked = await uc.check_pathway(turn.db, turn.person, turn.at, spec=spec)
    return spec, checked.problems, checked.replaces


@routes.form("plans.pathway", declare=pathway_form)
async def check_pathway(turn: Turn, values: dict[str, str]) -> None:
    """Nothing is saved yet: the problems, or the pathway read back with Save and Cancel."""
    if not await turn.may(Act.MANAGE_PATHWAYS):
        turn.say("plans.not_allowed_pathways")
        return
    text = values.get("text") or ""
    spec, problems, replaces = await _read(turn, text)
    if spec is None or problems:
        turn.end_dialog()
        turn.say("plans.pathway_problems", problems=problems)
        return
    turn.start_dialog(PATHWAY_DIALOG, "confirm", {"text": text})
    turn.say("plans.pathway_check", **spec_context(spec), replaces=replaces or "", buttons=[
        Button(turn.text("plans.button_save_pathway"), "plans.pathway_save", style="primary"),
        Button(turn.text("plans.button_cancel"), "plans.pathway_cancel", style="danger"),
    ])


def _held_text(turn: Turn) -> str | None:
    return turn.held(PATHWAY_DIALOG, "text")


@routes.dialog(PATHWAY_DIALOG)
async def typed_at_pathway(turn: Turn) -> None:
    await answer_typed(turn, [(SAVE_WORDS, save_pathway), (CANCEL_WORDS, cancel_pathway)], "plans.pathway_confirm_help")


@routes.action("plans.pathway_save")
async def save_pathway(turn: Turn) -> None:
    """The held text read again and added through the same use case as `ldbot pathways add`."""
    text = _held_text(turn)
    if text is None:
        turn.say("plans.pathway_nothing_held")
        return
    turn.end_dialog()
    try:
        spec = parse_spec(read_spec(text, "The pathway"))
        saved = await turn.apply(await uc.add_pathway(turn.db, turn.person, turn.at, spec=spec))
    except SpecProblems as problems:
        turn.say("plans.pathway_problems", problems=problems.problems)
        return
    except Refused as refused:
        if refused.reason == "invalid":  # something changed since the check
            turn.say("plans.pathway_problems", problems=refused.detail.get("problems", []))
        else:
            turn.say("plans.not_allowed_pathways")
        return
    turn.say("plans.pathway_saved", name=saved.pathway.name, created=saved.created, steps=len(spec.steps),
             replace_original=True)


@routes.action("plans.pathway_cancel")
async def cancel_pathway(turn: Turn) -> None:
    if _held_text(turn) is None:
        turn.say("plans.pathway_nothing_held")
        return
    turn.end_dialog()
    turn.say("plans.pathway_cancelled", replace_original=True)
