"""A plan's progress, read from the record — never ticked by hand where the record can say it.

A step is done when the record shows, on or after the plan's start:
- competence: evidence of the competence judged competent (its activity date);
- learning: attendance at any of the step's opportunities (by number, or by title so a course run again
  counts too);
- reflection: a reflection written (the k-th reflection step needs k reflections);
- appraisal: the person's last appraisal, on or after the previous appraisal step's target date (the record
  keeps only the latest appraisal);
- checkin: a check-in the line manager recorded for this plan (the k-th needs k of them).
Its target is the start plus the step's offset, unless someone changed it (the newest change stands).
A step not done by its target is behind; a plan is completed when every step is done.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.nudges.scan import add_months
from storage.models import Competence, Evidence, Reflection
from storage.models.competence import evidence_competences
from storage.models.learning import LearningBooking, LearningOpportunity, LearningSession
from storage.models.nudges import AppraisalRecord
from storage.models.plans import PathwayStep, Plan, PlanCheckin, PlanStepDate

DONE, BEHIND, TO_DO = "done", "behind", "to_do"
COMPLETED, ON_TIME = "completed", "on_time"


@dataclass
class StepProgress:
    step: PathwayStep
    due: date
    status: str  # done | behind | to_do
    done_on: date | None
    changed: bool  # the target date was changed from the pathway's

    @property
    def late(self) -> bool:
        return self.done_on is not None and self.done_on > self.due


@dataclass
class PlanProgress:
    plan: Plan
    steps: list[StepProgress]

    @property
    def status(self) -> str:
        """completed | behind | on_time (nothing overdue). A completion once recorded stands."""
        if self.plan.completed_at is not None or all(s.status == DONE for s in self.steps):
            return COMPLETED
        return BEHIND if any(s.status == BEHIND for s in self.steps) else ON_TIME

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.status == DONE)

    @property
    def behind(self) -> list[StepProgress]:
        return [s for s in self.steps if s.status == BEHIND]

    @property
    def next(self) -> StepProgress | None:
        """What next: the open step due soonest."""
        open_steps = [s for s in self.steps if s.status != DONE]
        return min(open_steps, key=lambda s: (s.due, s.step.position)) if open_steps else None


def planned_due(plan: Plan, step: PathwayStep) -> date:
    return add_months(plan.start_on, step.offset_months) + timedelta(days=step.offset_days)


async def progress_of(db: AsyncSession, plans: list[Plan], today: date) -> list[PlanProgress]:
    """Progress of each plan, from a handful of queries for all of them together."""
    if not plans:
        return []
    person_ids = {p.person_id for p in plans}
    plan_ids = [p.id for p in plans]
    changed: dict[tuple[int, int], date] = {}
    for row in await db.execute(
        select(PlanStepDate.plan_id, PlanStepDate.step_id, PlanStepDate.target_on)
        .where(PlanStepDate.plan_id.in_(plan_ids)).order_by(PlanStepDate.id)
    ):
        changed[(row.plan_id, row.step_id)] = row.target_on  # the newest change wins
    competent: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for row in await db.execute(
        select(Evidence.person_id, Competence.code, Evidence.activity_date)
        .join(evidence_competences, evidence_competences.c.evidence_id == Evidence.id)
        .join(Competence, Competence.id == evidence_competences.c.competence_id)
        .where(Evidence.person_id.in_(person_ids), Evidence.status == "competent")
    ):
        competent[row.person_id].append((row.code.upper(), row.activity_date))
    attended: dict[int, list[tuple[int, str, date]]] = defaultdict(list)
    for row in await db.execute(
        select(LearningBooking.person_id, LearningOpportunity.id, LearningOpportunity.title,
               func.coalesce(LearningSession.starts_at, LearningBooking.attendance_at).label("when"))
        .join(LearningOpportunity, LearningOpportunity.id == LearningBooking.opportunity_id)
        .outerjoin(LearningSession, LearningSession.id == LearningBooking.session_id)
        .where(LearningBooking.person_id.in_(person_ids), LearningBooking.attendance == "attended")
    ):
        if row.when is not None:
            attended[row.person_id].append((row.id, row.title.lower(), _day(row.when)))
    reflections: dict[int, list[date]] = defaultdict(list)
    for row in await db.execute(
        select(Reflection.person_id, Reflection.created_at)
        .where(Reflection.person_id.in_(person_ids), Reflection.deleted.is_(False))
    ):
        reflections[row.person_id].append(_day(row.created_at))
    appraisals = dict((await db.execute(
        select(AppraisalRecord.person_id, AppraisalRecord.last_appraisal_date)
        .where(AppraisalRecord.person_id.in_(person_ids))
    )).all())
    checkins: dict[int, list[date]] = defaultdict(list)
    for row in await db.execute(
        select(PlanCheckin.plan_id, PlanCheckin.held_on).where(PlanCheckin.plan_id.in_(plan_ids))
    ):
        checkins[row.plan_id].append(row.held_on)

    found = []
    for plan in plans:
        start = plan.start_on
        own_reflections = sorted(d for d in reflections[plan.person_id] if d >= start)
        own_checkins = sorted(d for d in checkins[plan.id] if d >= start)
        counts = defaultdict(int)
        previous_appraisal_due = start
        steps = []
        for step in plan.pathway.steps:
            due = changed.get((plan.id, step.id), planned_due(plan, step))
            done_on: date | None = None
            if step.kind == "competence":
                code = str(step.target.get("competence", "")).upper()
                days = [d for c, d in competent[plan.person_id] if c == code and d >= start]
                done_on = min(days) if days else None
            elif step.kind == "learning":
                ids = {v for v in step.target.get("opportunities", []) if isinstance(v, int)}
                titles = {v.lower() for v in step.target.get("opportunities", []) if isinstance(v, str)}
                days = [d for i, t, d in attended[plan.person_id] if (i in ids or t in titles) and d >= start]
                done_on = min(days) if days else None
            elif step.kind in ("reflection", "checkin"):
                seen = own_reflections if step.kind == "reflection" else own_checkins
                index = counts[step.kind]
                counts[step.kind] += 1
                done_on = seen[index] if index < len(seen) else None
            elif step.kind == "appraisal":
                last = appraisals.get(plan.person_id)
                done_on = last if last is not None and last >= previous_appraisal_due else None
                previous_appraisal_due = due
            status = DONE if done_on is not None else (BEHIND if due < today else TO_DO)
            steps.append(StepProgress(step, due, status, done_on, (plan.id, step.id) in changed))
        found.append(PlanProgress(plan, steps))
    return found


def _day(moment: datetime) -> date:
    """A UTC moment's date (SQLite may hand back a naive one from a coalesce: it is UTC too)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.date()
