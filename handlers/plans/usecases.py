"""Pathways and development plans: the rules, for chat, the command line, jobs and the web alike.

L&D add pathways (MANAGE_PATHWAYS); L&D or the line manager assign one to a person (ASSIGN_PLAN), or an
import does when it gives someone a role with an induction pathway; the person and their line manager each
agree it (AGREE_PLAN) and may change a step's target date with a reason, kept beside the old one; the line
manager records check-ins (RECORD_CHECKIN). Viewing a plan follows the record's rules (VIEW_RECORD).
The command line and jobs act for the service (`actor` None).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access
from bot.access import Act
from bot.clock import Moment
from bot.usecase import Refused, Result, require
from handlers.evidence.usecases import active_line_manager
from handlers.plans.progress import COMPLETED, PlanProgress, progress_of
from handlers.plans.spec import PathwaySpec
from scheduler.outbox import Notice, NoticeButton
from storage.audit import record_audit
from storage.models import Competence, Person
from storage.models.learning import LearningOpportunity
from storage.models.plans import Pathway, PathwayStep, Plan, PlanCheckin, PlanStepDate

log = logging.getLogger("ldbot.plans")

REASON_CHARS = 500
LATEST_START_DAYS = 366  # a plan may start up to a year ahead (or any time back)


async def _allowed(db: AsyncSession, actor: Person | None, act: Act, subject: Person | None = None) -> None:
    if actor is not None:
        await require(db, actor, act, subject)


# --- pathways ---------------------------------------------------------------------------------------------
@dataclass
class PathwaySaved(Result):
    pathway: Pathway
    created: bool


@dataclass
class PathwayChecked(Result):
    spec: PathwaySpec
    problems: list[str]
    replaces: str | None  # the name of the pathway it would replace (nobody has a plan from it yet)


async def check_pathway(db: AsyncSession, actor: Person | None, at: Moment, *, spec: PathwaySpec) -> PathwayChecked:
    """What adding the pathway would do, or every problem with it; changes nothing (the check before L&D
    confirm, on the web console and in chat)."""
    await _allowed(db, actor, Act.MANAGE_PATHWAYS)
    problems, existing = await _problems(db, spec)
    return PathwayChecked(spec, problems, existing.name if existing is not None else None)


async def _problems(db: AsyncSession, spec: PathwaySpec) -> tuple[list[str], Pathway | None]:
    problems: list[str] = []
    codes = {s.target["competence"] for s in spec.steps if s.kind == "competence"}
    known = set(await db.scalars(select(func.upper(Competence.code)).where(Competence.active.is_(True)))) if codes else set()
    for number, step in enumerate(spec.steps, start=1):
        if step.kind == "competence" and step.target["competence"] not in known:
            problems.append(f"step {number}: no competence {step.target['competence']} in the framework")
        if step.kind == "learning":
            for wanted in step.target["opportunities"]:
                if not await _opportunity_exists(db, wanted):
                    problems.append(f"step {number}: no learning opportunity {wanted!r} (see: ldbot learning list)")
    existing = await db.scalar(select(Pathway).where(func.lower(Pathway.name) == spec.name.lower()))
    if spec.induction_role:
        other = await db.scalar(select(Pathway).where(Pathway.induction_role == spec.induction_role))
        if other is not None and (existing is None or other.id != existing.id):
            problems.append(f"induction_for: '{other.name}' is already the induction for {spec.induction_role}")
    if existing is not None and await db.scalar(select(func.count()).select_from(Plan).where(Plan.pathway_id == existing.id)):
        problems.append(f"'{existing.name}' already has plans: give the changed pathway a new name")
    return problems, existing


async def add_pathway(db: AsyncSession, actor: Person | None, at: Moment, *, spec: PathwaySpec) -> PathwaySaved:
    """Add a pathway, or replace one of the same name that nobody has a plan from yet. Every competence and
    learning opportunity it names must exist; problems are all listed (Refused "invalid")."""
    await _allowed(db, actor, Act.MANAGE_PATHWAYS)
    problems, existing = await _problems(db, spec)
    if problems:
        raise Refused("invalid", problems=problems)
    created = existing is None
    pathway = existing or Pathway(name=spec.name, created_by_id=actor.id if actor else None, created_at=at.now)
    pathway.name, pathway.description, pathway.induction_role = spec.name, spec.description, spec.induction_role
    if created:
        db.add(pathway)
    else:
        pathway.steps.clear()
        await db.flush()
    pathway.steps.extend(
        PathwayStep(position=n, kind=s.kind, title=s.title, target=s.target, offset_months=s.offset_months,
                    offset_days=s.offset_days)
        for n, s in enumerate(spec.steps, start=1)
    )
    await db.flush()
    record_audit(db, actor.id if actor else None, "pathway", pathway.id, "added" if created else "replaced",
                 now=at.now, steps=len(spec.steps))
    log.info("pathway saved id=%s created=%s steps=%s", pathway.id, created, len(spec.steps))
    return PathwaySaved(pathway, created)


async def _opportunity_exists(db: AsyncSession, wanted: int | str) -> bool:
    if isinstance(wanted, int):
        return await db.get(LearningOpportunity, wanted) is not None
    found = await db.scalar(
        select(LearningOpportunity.id).where(func.lower(LearningOpportunity.title) == wanted.lower()).limit(1))
    return found is not None


@dataclass
class Pathways(Result):
    pathways: list[Pathway]
    plans: dict[int, int]  # pathway id -> how many plans


async def list_pathways(db: AsyncSession, actor: Person | None, at: Moment) -> Pathways:
    """Those who give plans (L&D, line managers) see the pathways there are."""
    if actor is not None and not (await access.could(db, actor, Act.ASSIGN_PLAN)
                                  or await access.may(db, actor, Act.MANAGE_PATHWAYS)):
        raise Refused("not_allowed")
    pathways = list(await db.scalars(select(Pathway).order_by(Pathway.name)))
    counts = dict((await db.execute(select(Plan.pathway_id, func.count()).group_by(Plan.pathway_id))).all())
    return Pathways(pathways, counts)


async def find_pathway(db: AsyncSession, name: str) -> Pathway:
    """By name (any case), or by number."""
    text = " ".join(name.split())
    found = await db.get(Pathway, int(text)) if text.isdigit() else None
    found = found or await db.scalar(select(Pathway).where(func.lower(Pathway.name) == text.lower()))
    if found is None:
        raise Refused("no_pathway", name=text)
    return found


# --- assigning --------------------------------------------------------------------------------------------
@dataclass
class Assigned(Result):
    plan: Plan
    person: Person


async def assign_plan(
    db: AsyncSession, actor: Person | None, at: Moment, *, person: Person, pathway: Pathway, start: date | None = None,
    via: str = "chat",
) -> Assigned:
    """Give `person` a plan from `pathway` starting `start` (today when left out). They and their line
    manager are told, with a button to agree it."""
    await _allowed(db, actor, Act.ASSIGN_PLAN, person)
    if not person.active:
        raise Refused("no_person", email=person.email)
    start = start or at.today
    if (start - at.today).days > LATEST_START_DAYS:
        raise Refused("far_start")
    if await db.scalar(select(Plan.id).where(Plan.person_id == person.id, Plan.pathway_id == pathway.id)):
        raise Refused("already", name=person.name, pathway=pathway.name)
    plan = Plan(person_id=person.id, pathway_id=pathway.id, start_on=start, assigned_by_id=actor.id if actor else None,
                assigned_via=via, created_at=at.now)
    db.add(plan)
    await db.flush()
    await db.refresh(plan, ["pathway"])
    record_audit(db, actor.id if actor else None, "plan", plan.id, "assigned", now=at.now, via=via)
    log.info("plan assigned plan=%s person=%s pathway=%s via=%s", plan.id, person.id, pathway.id, via)
    manager = await active_line_manager(db, person)
    template = "plans.induction_assigned" if via == "import" else "plans.assigned"
    notices = []
    context = {"pathway": pathway.name, "start": start.isoformat(), "steps": len(pathway.steps),
               "by": actor.name if actor else ""}
    if actor is None or actor.id != person.id:
        notices.append(Notice(person.id, template, {**context, "name": person.name, "for_manager": False},
                              (_agree_button(plan),), kind="plans_assigned", dedupe_key=f"plans:assigned:{plan.id}"))
    if manager is not None and (actor is None or actor.id != manager.id):
        notices.append(Notice(manager.id, template, {**context, "name": person.name, "for_manager": True},
                              (_agree_button(plan),), kind="plans_assigned",
                              dedupe_key=f"plans:assigned:{plan.id}:manager"))
    return Assigned(plan, person, notices=notices)


def _agree_button(plan: Plan) -> NoticeButton:
    return NoticeButton("plans.button_agree", f"plans.agree:{plan.id}", str(plan.id), "primary", {})


async def assign_inductions(
    db: AsyncSession, at: Moment, *, people: list[tuple[int, str]], source: str = "import"
) -> list[Assigned]:
    """An import gave these people (id, new role) a role: those whose role has an induction pathway get a
    plan from it starting today (once: someone who already had it keeps theirs)."""
    roles = {role for _, role in people}
    if not roles:
        return []
    pathways = {p.induction_role: p for p in await db.scalars(select(Pathway).where(Pathway.induction_role.in_(roles)))}
    done = []
    for person_id, role in people:
        pathway = pathways.get(role)
        person = await db.get(Person, person_id) if pathway else None
        if pathway is None or person is None or not person.active:
            continue
        try:
            done.append(await assign_plan(db, None, at, person=person, pathway=pathway, via="import"))
        except Refused:
            continue  # already on it
    return done


# --- looking at plans ------------------------------------------------------------------------------------
@dataclass
class PlansOf(Result):
    person: Person
    progress: list[PlanProgress]
    may_agree: bool = False
    may_checkin: bool = False
    own: bool = False


async def plans_of(db: AsyncSession, actor: Person | None, at: Moment, *, person: Person) -> PlansOf:
    """A person's plans with their progress; completion is recorded the first time it is seen."""
    own = actor is not None and actor.id == person.id
    await _allowed(db, actor, Act.VIEW_RECORD, person)
    plans = list(await db.scalars(select(Plan).where(Plan.person_id == person.id).order_by(Plan.start_on, Plan.id)))
    progress = await progress_of(db, plans, at.today)
    record_completions(db, progress, at)
    if actor is not None and not own:
        record_audit(db, actor.id, "person", person.id, "record_viewed", now=at.now, what="plans")
    return PlansOf(
        person, progress, own=own,
        may_agree=actor is not None and await access.may(db, actor, Act.AGREE_PLAN, person),
        may_checkin=actor is not None and await access.may(db, actor, Act.RECORD_CHECKIN, person),
    )


def record_completions(db: AsyncSession, progress: list[PlanProgress], at: Moment) -> None:
    """The day the record first shows every step done is the plan's completion, kept from then on."""
    for found in progress:
        if found.status == COMPLETED and found.plan.completed_at is None:
            found.plan.completed_at = at.now
            record_audit(db, None, "plan", found.plan.id, "completed", now=at.now)
            log.info("plan completed plan=%s", found.plan.id)


async def plan_summaries(db: AsyncSession, person: Person, at: Moment) -> list[dict]:
    """A line per plan for a record view the caller has already been allowed (the record's own check)."""
    plans = list(await db.scalars(select(Plan).where(Plan.person_id == person.id).order_by(Plan.start_on, Plan.id)))
    progress = await progress_of(db, plans, at.today)
    record_completions(db, progress, at)
    return [{"pathway": p.plan.pathway.name, "status": p.status, "done": p.done, "total": len(p.steps),
             "completed": p.plan.completed_at.date().isoformat() if p.plan.completed_at else ""} for p in progress]


@dataclass
class TeamPlans(Result):
    progress: list[tuple[Person, PlanProgress]]


async def team_plans(db: AsyncSession, actor: Person, at: Moment) -> TeamPlans:
    """The plans of the actor's direct reports."""
    if not await access.could(db, actor, Act.VIEW_TEAM):
        raise Refused("not_allowed")
    people = {p.id: p for p in await db.scalars(
        select(Person).where(Person.line_manager_id == actor.id, Person.active.is_(True)))}
    plans = list(await db.scalars(
        select(Plan).where(Plan.person_id.in_(people)).order_by(Plan.start_on, Plan.id))) if people else []
    progress = await progress_of(db, plans, at.today)
    record_completions(db, progress, at)
    return TeamPlans(sorted(((people[p.plan.person_id], p) for p in progress), key=lambda x: (x[0].name, x[1].plan.id)))


async def plan_for(db: AsyncSession, actor: Person | None, plan_id: int, act: Act) -> tuple[Plan, Person]:
    """The plan and its person, if the actor may do `act` to it; else the same refusal whether or not it exists."""
    plan = await db.get(Plan, plan_id) if plan_id else None
    person = await db.get(Person, plan.person_id) if plan else None
    if plan is None or person is None or (actor is not None and not await access.may(db, actor, act, person)):
        if plan is not None and person is not None and actor is not None:
            await require(db, actor, act, person)  # audited as a refused attempt
        raise Refused("no_plan")
    return plan, person


# --- agreeing, dates, check-ins ------------------------------------------------------------------------
@dataclass
class Agreed(Result):
    plan: Plan
    person: Person
    as_manager: bool
    already: bool = False


async def agree_plan(db: AsyncSession, actor: Person, at: Moment, *, plan_id: int) -> Agreed:
    """The person agrees their plan, or their line manager does; it is agreed when both have. The other one
    is told (once both have, both are)."""
    plan, person = await plan_for(db, actor, plan_id, Act.AGREE_PLAN)
    as_manager = actor.id != person.id
    when = plan.agreed_by_manager_at if as_manager else plan.agreed_by_person_at
    if when is not None:
        return Agreed(plan, person, as_manager, already=True)
    if as_manager:
        plan.agreed_by_manager_at, plan.agreed_manager_id = at.now, actor.id
    else:
        plan.agreed_by_person_at = at.now
    record_audit(db, actor.id, "plan", plan.id, "agreed_by_manager" if as_manager else "agreed_by_person", now=at.now)
    log.info("plan agreed plan=%s manager=%s", plan.id, as_manager)
    other = person if as_manager else await active_line_manager(db, person)
    notices = []
    if other is not None:
        notices.append(Notice(
            other.id, "plans.agreed_notice",
            {"name": person.name, "by": actor.name, "pathway": plan.pathway.name, "agreed": plan.agreed,
             "for_manager": not as_manager},
            () if plan.agreed else (_agree_button(plan),), kind="plans_agreed",
            dedupe_key=f"plans:agreed:{plan.id}:{'manager' if as_manager else 'person'}",
        ))
    return Agreed(plan, person, as_manager, notices=notices)


@dataclass
class DateChanged(Result):
    plan: Plan
    person: Person
    step: PathwayStep
    target: date


async def change_step_date(
    db: AsyncSession, actor: Person, at: Moment, *, plan_id: int, position: int, target: date, reason: str
) -> DateChanged:
    """A new target date for one step, with the reason; the old date and reason stay on record. The other
    of the person and their line manager is told."""
    plan, person = await plan_for(db, actor, plan_id, Act.AGREE_PLAN)
    step = next((s for s in plan.pathway.steps if s.position == position), None)
    if step is None:
        raise Refused("no_step", position=position)
    reason = " ".join(reason.split())
    if not reason:
        raise Refused("no_reason")
    if len(reason) > REASON_CHARS:
        raise Refused("long_reason", limit=REASON_CHARS)
    if target < plan.start_on:
        raise Refused("before_start", start=plan.start_on.isoformat())
    if (target - at.today).days > 2 * LATEST_START_DAYS:
        raise Refused("far_date")
    db.add(PlanStepDate(plan_id=plan.id, step_id=step.id, target_on=target, reason=reason, changed_by_id=actor.id,
                        created_at=at.now))
    await db.flush()
    record_audit(db, actor.id, "plan", plan.id, "date_changed", now=at.now, step=position)
    other = person if actor.id != person.id else await active_line_manager(db, person)
    notices = []
    if other is not None:
        notices.append(Notice(other.id, "plans.date_changed_notice",
                              {"name": person.name, "by": actor.name, "pathway": plan.pathway.name,
                               "step": step.title, "target": target.isoformat(), "reason": reason},
                              kind="plans_date_changed"))
    return DateChanged(plan, person, step, target, notices=notices)


@dataclass
class CheckedIn(Result):
    plan: Plan
    person: Person
    held_on: date


async def record_checkin(db: AsyncSession, actor: Person, at: Moment, *, plan_id: int, held_on: date) -> CheckedIn:
    """The line manager says a check-in took place on a day (not in the future, not before the plan)."""
    plan, person = await plan_for(db, actor, plan_id, Act.RECORD_CHECKIN)
    if held_on > at.today:
        raise Refused("future_date")
    if held_on < plan.start_on:
        raise Refused("before_start", start=plan.start_on.isoformat())
    db.add(PlanCheckin(plan_id=plan.id, held_on=held_on, recorded_by_id=actor.id, created_at=at.now))
    await db.flush()
    record_audit(db, actor.id, "plan", plan.id, "checkin", now=at.now)
    return CheckedIn(plan, person, held_on)


@dataclass
class DateChange:
    position: int
    target: date
    reason: str
    by: str
    at: str


async def date_changes(db: AsyncSession, plan: Plan) -> list[DateChange]:
    """Every change to the plan's target dates, oldest first (the record keeps them all)."""
    rows = await db.execute(
        select(PlanStepDate, PathwayStep.position, Person.name)
        .join(PathwayStep, PathwayStep.id == PlanStepDate.step_id)
        .outerjoin(Person, Person.id == PlanStepDate.changed_by_id)
        .where(PlanStepDate.plan_id == plan.id).order_by(PlanStepDate.id)
    )
    return [DateChange(position, change.target_on, change.reason, name or "", change.created_at.isoformat())
            for change, position, name in rows]


# --- reporting ------------------------------------------------------------------------------------------
@dataclass
class PathwayFigures:
    pathway: str
    plans: int = 0
    on_time: int = 0
    behind: int = 0
    completed: int = 0
    agreed: int = 0


@dataclass
class Report(Result):
    pathways: list[PathwayFigures] = field(default_factory=list)


async def report(db: AsyncSession, actor: Person | None, at: Moment) -> Report:
    """Per pathway: how many plans are on time, behind, completed (and agreed), people active or not."""
    await _allowed(db, actor, Act.VIEW_REPORTS)
    figures = {p.id: PathwayFigures(p.name) for p in await db.scalars(select(Pathway).order_by(Pathway.name))}
    plans = list(await db.scalars(select(Plan).order_by(Plan.id)))
    progress = await progress_of(db, plans, at.today)
    record_completions(db, progress, at)
    for found in progress:
        row = figures[found.plan.pathway_id]
        row.plans += 1
        row.agreed += found.plan.agreed
        setattr(row, found.status, getattr(row, found.status) + 1)
    return Report(list(figures.values()))
