"""Plans and pathways as plain data: the command line's JSON (a contract: keys stay as they are) and the
values chat templates are given."""

from __future__ import annotations

from typing import Any

from handlers.plans.progress import PlanProgress, StepProgress
from handlers.plans.spec import PathwaySpec, StepSpec
from handlers.plans.usecases import DateChange, PathwayFigures
from storage.models.plans import Pathway, PathwayStep

REPORT_COLUMNS = ("pathway", "plans", "on_time", "behind", "completed", "agreed")


def spec_context(spec: PathwaySpec) -> dict[str, Any]:
    """A pathway read from a file or pasted text, before it is saved: what the check page and chat read back."""
    return {"name": spec.name, "description": spec.description,
            "induction_for": (spec.induction_role or "").replace("_", " "),
            "steps": [{"title": s.title, "kind": s.kind, "within": within(s)} for s in spec.steps]}


def within(step: PathwayStep | StepSpec) -> str:
    """The offset as L&D wrote it, near enough: "3 months", "2 weeks", "1 month 10 days"."""
    parts = []
    if step.offset_months:
        parts.append(f"{step.offset_months} month{'s' if step.offset_months != 1 else ''}")
    days = step.offset_days
    if days and days % 7 == 0 and not step.offset_months:
        parts.append(f"{days // 7} week{'s' if days != 7 else ''}")
    elif days or not parts:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    return " ".join(parts)


def pathway_json(pathway: Pathway, plans: int) -> dict[str, Any]:
    return {
        "id": pathway.id, "name": pathway.name, "description": pathway.description,
        "induction_for": pathway.induction_role, "plans": plans,
        "steps": [{"step": s.position, "kind": s.kind, "title": s.title, "target": s.target, "within": within(s)}
                  for s in pathway.steps],
    }


def step_json(found: StepProgress) -> dict[str, Any]:
    return {
        "step": found.step.position, "kind": found.step.kind, "title": found.step.title,
        "due": found.due.isoformat(), "status": found.status,
        "done_on": found.done_on.isoformat() if found.done_on else None, "changed": found.changed,
    }


def plan_json(found: PlanProgress, changes: list[DateChange]) -> dict[str, Any]:
    plan = found.plan
    following = found.next
    return {
        "id": plan.id, "pathway": plan.pathway.name, "start": plan.start_on.isoformat(),
        "assigned_via": plan.assigned_via, "agreed": plan.agreed,
        "agreed_by_person": plan.agreed_by_person_at.isoformat() if plan.agreed_by_person_at else None,
        "agreed_by_manager": plan.agreed_by_manager_at.isoformat() if plan.agreed_by_manager_at else None,
        "status": found.status,
        "completed": plan.completed_at.isoformat() if plan.completed_at else None,
        "done": found.done, "total": len(found.steps),
        "next": step_json(following) if following else None,
        "steps": [step_json(s) for s in found.steps],
        "date_changes": [{"step": c.position, "target": c.target.isoformat(), "reason": c.reason, "by": c.by,
                          "at": c.at} for c in changes],
    }


def figures_json(row: PathwayFigures) -> dict[str, Any]:
    return {key: getattr(row, key) for key in REPORT_COLUMNS}


def plan_context(found: PlanProgress) -> dict[str, Any]:
    """What chat templates are given about one plan."""
    plan = found.plan
    following = found.next
    return {
        "id": plan.id, "pathway": plan.pathway.name, "start": plan.start_on.isoformat(), "status": found.status,
        "agreed": plan.agreed, "agreed_by_person": plan.agreed_by_person_at is not None,
        "agreed_by_manager": plan.agreed_by_manager_at is not None,
        "completed": plan.completed_at.date().isoformat() if plan.completed_at else "",
        "done": found.done, "total": len(found.steps),
        "next": following.step.title if following else "", "next_due": following.due.isoformat() if following else "",
        "steps": [{"position": s.step.position, "title": s.step.title, "due": s.due.isoformat(), "status": s.status,
                   "done_on": s.done_on.isoformat() if s.done_on else "", "changed": s.changed} for s in found.steps],
    }
