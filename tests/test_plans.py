"""Development plans (issue 15 part 1): pathways from files, plans assigned and agreed, progress read from
the record, dates changed with reasons kept, completion, the report, weekly reminders and induction on a
role change — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import yaml
from sqlalchemy import func, select

from bot.app import make_bot
from bot.usecase import Refused, run_use_case
from handlers.nudges.rules import NudgeRules
from handlers.plans import usecases as uc
from handlers.plans.progress import BEHIND, DONE, TO_DO
from handlers.plans.reminders import queue_behind
from handlers.plans.spec import SpecProblems, parse_spec, parse_within
from storage.db import unit_of_work
from storage.models import Evidence, OutgoingMessage, Reflection
from storage.models.competence import Competence
from storage.models.learning import LearningOpportunity
from storage.models.nudges import AppraisalRecord
from storage.models.plans import Pathway, Plan, PlanStepDate
from tests.plans_org import PATHWAY_YAML, START, add_pathway, attended, build, email, moment, person
from tests.support import Chat, audit_details


async def _assign(services, actor_name: str | None, who: str, pathway_id: int, start: date = START) -> Plan:
    actor = await person(services, actor_name) if actor_name else None
    async with services.sessions() as db:
        pathway = await db.get(Pathway, pathway_id)
    subject = await person(services, who)
    return (await run_use_case(services, uc.assign_plan, actor, person=subject, pathway=pathway, start=start)).plan


async def _progress(services, who: str):
    return (await run_use_case(services, uc.plans_of, None, person=await person(services, who))).progress


def _statuses(found) -> list[str]:
    return [s.status for s in found.steps]


# --- pathway files ---------------------------------------------------------------------------------------
def test_within_reads_days_weeks_months_and_years():
    assert [parse_within(v) for v in ("3 months", "6 weeks", "1 year", "10 days", 30, "soon", True, -1)] == [
        (3, 0), (0, 42), (12, 0), (0, 10), (0, 30), None, None, None]


def test_a_bad_pathway_file_lists_every_problem():
    data = {"name": "", "colour": "red", "induction_for": "wizard",
            "steps": [{"competence": "X", "within": "whenever"}, {"reflection": "a", "learning": "b", "within": "1 week"},
                      "checkin"]}
    with pytest.raises(SpecProblems) as problems:
        parse_spec(data)
    text = "\n".join(problems.value.problems)
    for expected in ("needs a name", "unknown field 'colour'", "unknown role 'wizard'", "step 1: `within`",
                     "step 2: needs exactly one of", "step 3: should be one of"):
        assert expected in text


async def test_a_pathway_naming_what_does_not_exist_is_refused_and_adds_nothing(services):
    await build(services)
    data = yaml.safe_load(PATHWAY_YAML)
    data["steps"] += [{"competence": "NOPE1", "within": "1 month"}, {"learning": [999], "within": "1 month"}]
    with pytest.raises(Refused) as refused:
        await run_use_case(services, uc.add_pathway, None, spec=parse_spec(data))
    assert refused.value.reason == "invalid"
    assert refused.value.detail["problems"] == ["step 6: no competence NOPE1 in the framework",
                                                "step 7: no learning opportunity 999 (see: ldbot learning list)"]
    async with services.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(Pathway)) == 0


async def test_only_ld_add_pathways_and_a_second_induction_for_a_role_is_refused(services):
    await build(services)
    with pytest.raises(Refused):
        await run_use_case(services, uc.add_pathway, await person(services, "wm"), spec=parse_spec(yaml.safe_load(PATHWAY_YAML)))
    await run_use_case(services, uc.add_pathway, await person(services, "ld"), spec=parse_spec(yaml.safe_load(PATHWAY_YAML)))
    with pytest.raises(Refused) as refused:
        await add_pathway(services, name="Another firefighter pathway")
    assert "already the induction for firefighter" in refused.value.detail["problems"][0]


async def test_a_pathway_is_replaced_by_name_until_someone_has_a_plan_from_it(services):
    await build(services)
    first = await add_pathway(services)
    assert await add_pathway(services, description="Changed.") == first
    await _assign(services, "wm", "ff", first)
    with pytest.raises(Refused) as refused:
        await add_pathway(services, description="Changed again.")
    assert "already has plans" in refused.value.detail["problems"][0]


# --- assigning and agreeing ------------------------------------------------------------------------------
async def test_the_line_manager_or_ld_assign_a_plan_and_nobody_else(services):
    ids = await build(services)
    pathway = await add_pathway(services)
    for who in ("ff2", "other_wm", "admin"):  # themselves, someone else's manager, an admin
        with pytest.raises(Refused):
            await _assign(services, who, "ff2" if who == "ff2" else "ff", pathway)
    plan = await _assign(services, "wm", "ff", pathway)
    assert plan.assigned_by_id == ids["wm"] and plan.start_on == START
    await _assign(services, "ld", "far", pathway)
    with pytest.raises(Refused) as twice:
        await _assign(services, "ld", "ff", pathway)
    assert twice.value.reason == "already"
    async with services.sessions() as db:
        told = list(await db.scalars(select(OutgoingMessage).where(OutgoingMessage.template == "plans.assigned")))
    # Sam is told; Dana assigned it herself so is not; Kofi and his manager both are (L&D assigned it).
    assert sorted(m.recipient_id for m in told) == sorted([ids["ff"], ids["far"], ids["other_wm"]])


async def test_a_plan_is_agreed_when_the_person_and_their_line_manager_both_have(services):
    ids = await build(services)
    plan = await _assign(services, "ld", "ff", await add_pathway(services))
    with pytest.raises(Refused):  # L&D give plans but do not agree them
        await run_use_case(services, uc.agree_plan, await person(services, "ld"), plan_id=plan.id)
    with pytest.raises(Refused):
        await run_use_case(services, uc.agree_plan, await person(services, "ff2"), plan_id=plan.id)
    first = await run_use_case(services, uc.agree_plan, await person(services, "ff"), plan_id=plan.id)
    assert not first.plan.agreed and [n.recipient_id for n in first.notices] == [ids["wm"]]
    again = await run_use_case(services, uc.agree_plan, await person(services, "ff"), plan_id=plan.id)
    assert again.already and not again.notices
    both = await run_use_case(services, uc.agree_plan, await person(services, "wm"), plan_id=plan.id)
    assert both.plan.agreed and both.plan.agreed_manager_id == ids["wm"]
    assert [(n.recipient_id, n.context["agreed"]) for n in both.notices] == [(ids["ff"], True)]


# --- progress from the record -------------------------------------------------------------------------
async def test_progress_is_read_from_the_record_and_never_from_before_the_start(services):
    ids = await build(services)
    plan = await _assign(services, "wm", "ff", await add_pathway(services))
    [found] = await _progress(services, "ff")
    # Due: check-in 17 Aug (behind), FFBA1 3 Nov (behind), course 3 Dec, reflection 3 Oct (behind), appraisal 3 Aug 2027.
    assert _statuses(found) == [BEHIND, BEHIND, TO_DO, BEHIND, TO_DO] and found.status == "behind"
    async with unit_of_work(services.sessions) as db:
        ffba1 = await db.get(Competence, ids["FFBA1"])
        for day, status in ((date(2026, 7, 1), "competent"), (date(2026, 9, 1), "submitted")):
            db.add(Evidence(person_id=ids["ff"], kind="observed", activity_date=day, description="BA", status=status,
                            competences=[ffba1]))
        db.add(Reflection(person_id=ids["ff"], what_happened="old", created_at=moment(date(2026, 7, 1))))
        db.add(Reflection(person_id=ids["ff"], what_happened="gone", deleted=True, created_at=moment(date(2026, 9, 1))))
        db.add(AppraisalRecord(person_id=ids["ff"], last_appraisal_date=date(2026, 7, 30)))
    await attended(services, ids["ff"], ids["course"], moment(date(2026, 7, 20)))
    [found] = await _progress(services, "ff")
    assert _statuses(found) == [BEHIND, BEHIND, TO_DO, BEHIND, TO_DO]  # all before the start, not verified or deleted
    async with unit_of_work(services.sessions) as db:
        ffba1 = await db.get(Competence, ids["FFBA1"])
        db.add(Evidence(person_id=ids["ff"], kind="observed", activity_date=date(2026, 10, 1), description="BA",
                        status="competent", competences=[ffba1]))
        db.add(Reflection(person_id=ids["ff"], what_happened="new", created_at=moment(date(2026, 10, 10))))
        (await db.get(AppraisalRecord, 1) or await db.scalar(select(AppraisalRecord))).last_appraisal_date = date(2026, 11, 1)
    async with unit_of_work(services.sessions) as db:
        again = LearningOpportunity(title="Breathing Apparatus Refresher", kind="course")  # run again: same title
        db.add(again)
        await db.flush()
    await attended(services, ids["ff"], again.id, moment(date(2026, 11, 2)))
    await run_use_case(services, uc.record_checkin, await person(services, "wm"), plan_id=plan.id,
                       held_on=date(2026, 8, 10))
    [found] = await _progress(services, "ff")
    assert [(s.status, s.done_on, s.late) for s in found.steps] == [
        (DONE, date(2026, 8, 10), False), (DONE, date(2026, 10, 1), False), (DONE, date(2026, 11, 2), False),
        (DONE, date(2026, 10, 10), True), (DONE, date(2026, 11, 1), False)]
    assert found.status == "completed"
    async with services.sessions() as db:
        assert (await db.get(Plan, plan.id)).completed_at is not None  # completion is recorded


async def test_a_changed_date_keeps_the_old_one_and_needs_a_reason(services):
    ids = await build(services)
    plan = await _assign(services, "wm", "ff", await add_pathway(services))
    sam, dana = await person(services, "ff"), await person(services, "wm")
    for kwargs, reason in (({"reason": "  "}, "no_reason"), ({"reason": "x" * 501}, "long_reason"),
                           ({"target": date(2026, 7, 1)}, "before_start"), ({"position": 9}, "no_step")):
        with pytest.raises(Refused) as refused:
            await run_use_case(services, uc.change_step_date, sam, **{
                "plan_id": plan.id, "position": 2, "target": date(2027, 1, 31), "reason": "Course full", **kwargs})
        assert refused.value.reason == reason
    with pytest.raises(Refused):  # someone else's manager
        await run_use_case(services, uc.change_step_date, await person(services, "other_wm"), plan_id=plan.id,
                           position=2, target=date(2027, 1, 31), reason="no")
    first = await run_use_case(services, uc.change_step_date, sam, plan_id=plan.id, position=2,
                               target=date(2027, 1, 31), reason="BA course full until January")
    assert [n.recipient_id for n in first.notices] == [ids["wm"]]
    await run_use_case(services, uc.change_step_date, dana, plan_id=plan.id, position=2, target=date(2027, 2, 14),
                       reason="Moved again: the January course was cancelled")
    [found] = await _progress(services, "ff")
    assert (found.steps[1].due, found.steps[1].status, found.steps[1].changed) == (date(2027, 2, 14), TO_DO, True)
    async with services.sessions() as db:
        changes = await uc.date_changes(db, await db.get(Plan, plan.id))
        assert await db.scalar(select(func.count()).select_from(PlanStepDate)) == 2
    assert [(c.target, c.reason, c.by) for c in changes] == [
        (date(2027, 1, 31), "BA course full until January", "Sam Patel"),
        (date(2027, 2, 14), "Moved again: the January course was cancelled", "Dana Kowalski")]


async def test_checkins_are_the_line_managers_to_record_and_not_in_the_future(services):
    await build(services)
    plan = await _assign(services, "ld", "ff", await add_pathway(services))
    for who, day, reason in (("ff", date(2026, 11, 1), "not_allowed"), ("ld", date(2026, 11, 1), "not_allowed"),
                             ("wm", date(2026, 11, 18), "future_date"), ("wm", date(2026, 8, 1), "before_start")):
        with pytest.raises(Refused) as refused:
            await run_use_case(services, uc.record_checkin, await person(services, who), plan_id=plan.id, held_on=day)
        assert refused.value.reason in (reason, "no_plan")


async def test_seeing_a_plan_follows_the_records_rules(services):
    await build(services)
    await _assign(services, "wm", "ff", await add_pathway(services))
    sam = await person(services, "ff")
    for who, allowed in (("ff", True), ("wm", True), ("ld", True), ("ff2", False), ("other_wm", False)):
        if allowed:
            assert len((await run_use_case(services, uc.plans_of, await person(services, who), person=sam)).progress) == 1
        else:
            with pytest.raises(Refused):
                await run_use_case(services, uc.plans_of, await person(services, who), person=sam)


async def test_the_report_counts_plans_per_pathway(services):
    ids = await build(services)
    pathway = await add_pathway(services)
    await _assign(services, "wm", "ff", pathway)  # behind
    await _assign(services, "wm", "ff2", pathway, start=date(2026, 11, 16))  # on time
    plan = await _assign(services, "ld", "far", pathway, start=date(2026, 11, 16))
    async with unit_of_work(services.sessions) as db:
        done = await db.get(Plan, plan.id)
        done.completed_at = moment(date(2026, 11, 17))
        done.agreed_by_person_at = done.agreed_by_manager_at = moment(date(2026, 11, 17))
    with pytest.raises(Refused):
        await run_use_case(services, uc.report, await person(services, "wm"))
    found = await run_use_case(services, uc.report, await person(services, "ld"))
    [row] = found.pathways
    assert (row.pathway, row.plans, row.on_time, row.behind, row.completed, row.agreed) == (
        "Trainee firefighter development", 3, 1, 1, 1, 1)
    assert ids


# --- reminders ------------------------------------------------------------------------------------------
async def test_steps_behind_are_told_once_a_week_in_working_time(services):
    ids = await build(services)
    await _assign(services, "wm", "ff", await add_pathway(services))
    rules = NudgeRules.load()
    monday_night = moment(date(2026, 11, 16), 21)  # after office hours: waits for Tuesday 09:00
    async with unit_of_work(services.sessions) as db:
        first = await queue_behind(db, now=monday_night, rules=rules)
    assert (first.people, first.managers, len(first.queued)) == (1, 1, 2)
    async with unit_of_work(services.sessions) as db:
        again = await queue_behind(db, now=monday_night + timedelta(days=2), rules=rules)
        messages = list(await db.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id)))
    assert again.queued == []  # the same week: nothing twice
    assert [(m.recipient_id, m.template) for m in messages if m.template.startswith("plans.")] == [
        (ids["ff"], "plans.assigned"), (ids["ff"], "plans.behind_reminder"), (ids["wm"], "plans.team_behind")]
    reminder = next(m for m in messages if m.template == "plans.behind_reminder")
    assert reminder.next_attempt_at == moment(date(2026, 11, 17), 9)
    assert [s["step"] for s in reminder.context["steps"]] == ["Meet your line manager", "Evidence FFBA1 verified",
                                                               "Reflect on your first shifts"]
    async with unit_of_work(services.sessions) as db:
        next_week = await queue_behind(db, now=moment(date(2026, 11, 23)), rules=rules)
    assert len(next_week.queued) == 2


# --- induction on a role change --------------------------------------------------------------------------
async def test_an_import_giving_someone_a_role_with_an_induction_starts_it(services, tmp_path):
    from tests.test_plans_cli import ldbot

    ids = await build(services)
    await add_pathway(services, name="New crew manager induction", induction_for="crew manager")
    people = tmp_path / "people.csv"
    people.write_text("email,name,role,team,station,line_manager_email\n"
                      f"{email('ff')},Sam Patel,Crew Manager,,Ashby,{email('wm')}\n"
                      f"{email('ff2')},Jo Bloggs,Firefighter,,Ashby,{email('wm')}\n")
    result = await ldbot(services, "org", "import", str(people))
    assert result.exit_code == 0, result.output
    async with services.sessions() as db:
        plans = list(await db.scalars(select(Plan)))
        told = list(await db.scalars(select(OutgoingMessage).where(OutgoingMessage.template == "plans.induction_assigned")))
    assert [(p.person_id, p.assigned_via) for p in plans] == [(ids["ff"], "import")]
    assert plans[0].start_on == services.today() or plans[0].start_on <= date.today()
    assert sorted(m.recipient_id for m in told) == sorted([ids["ff"], ids["wm"]])
    again = await ldbot(services, "org", "import", str(people))  # nothing changes: nothing more
    assert again.exit_code == 0
    async with services.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(Plan)) == 1


# --- chat -------------------------------------------------------------------------------------------------
async def test_my_plan_agree_in_chat_and_the_manager_sees_the_team(services):
    await build(services)
    await _assign(services, "ld", "ff", await add_pathway(services))
    bot = make_bot(services)
    sam = Chat(bot, email("ff"))
    shown = await sam.send("my plan")
    assert "Trainee firefighter development" in shown and "*behind*" in shown and "Not agreed yet" in shown
    agree = next(b for b in sam.buttons() if b[1].startswith("plans.agree"))
    assert "agreed *Trainee firefighter development*" in await sam.click(agree[1], agree[2])
    dana = Chat(bot, email("wm"))
    team = await dana.send("team plans")
    assert "Sam Patel: Trainee firefighter development" in team and "(not agreed yet)" in team
    shown = await dana.send("plan Sam Patel")
    assert "Sam Patel's development plan" in shown
    assert {b[0] for b in dana.buttons()} >= {"Agree this plan", "Change a date", "Record a check-in"}
    agree = next(b for b in dana.buttons() if b[1].startswith("plans.agree"))
    assert "is now Sam Patel's agreed development plan" in await dana.click(agree[1], agree[2])
    jo = Chat(bot, email("ff2"))
    assert "can't find a development plan" in await jo.send("plan Sam Patel")
    assert "no development plan yet" in await jo.send("my plan")


async def test_assigning_in_chat_is_confirmed_before_anything_is_saved(services):
    await build(services)
    await add_pathway(services)
    dana = Chat(make_bot(services), email("wm"))
    assert "Nothing is saved until you confirm" in await dana.send("assign plan")
    outcome = await dana.submit("plans.assign", {"person": "Kofi Mensah", "pathway": "Trainee firefighter development",
                                                 "start": "17/11/2026"})
    assert "among the people you may give a plan to" in "\n".join(r.text for r in outcome.replies)
    await dana.submit("plans.assign", {"person": "Jo Bloggs", "pathway": "trainee firefighter development",
                                       "start": "16/11/2026"})
    assert "Give Jo Bloggs *Trainee firefighter development*" in "\n".join(r.text for r in dana.last)
    async with services.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(Plan)) == 0
    label, action, value = dana.buttons()[0]
    assert "has *Trainee firefighter development* from 16 November 2026" in await dana.click(action, value)
    async with services.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(Plan)) == 1


async def test_a_date_change_in_chat_asks_for_a_reason(services):
    await build(services)
    plan = await _assign(services, "wm", "ff", await add_pathway(services))
    sam = Chat(make_bot(services), email("ff"))
    asked = await sam.click("plans.change", str(plan.id))
    assert "2. Evidence FFBA1 verified" in asked
    outcome = await sam.submit("plans.change", {"step": "2", "date": "31/01/2027", "reason": " "}, context=str(plan.id))
    assert "nothing was saved" in "\n".join(r.text for r in outcome.replies)
    outcome = await sam.submit("plans.change", {"step": "2", "date": "whenever", "reason": "x"}, context=str(plan.id))
    assert "couldn't read that date" in "\n".join(r.text for r in outcome.replies)
    async with services.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(PlanStepDate)) == 0
    await sam.submit("plans.change", {"step": "2", "date": "31/01/2027", "reason": "Course full"}, context=str(plan.id))
    assert "now due by 31 January 2027" in "\n".join(r.text for r in sam.last)


async def test_the_record_shows_the_plan_and_its_completion(services):
    await build(services)
    plan = await _assign(services, "wm", "ff", await add_pathway(services))
    bot = make_bot(services)
    assert "Development plan:* Trainee firefighter development — 0 of 5 steps done, some behind" in await Chat(
        bot, email("ff")).send("record")
    async with unit_of_work(services.sessions) as db:
        (await db.get(Plan, plan.id)).completed_at = moment(date(2026, 11, 16))
    shown = await Chat(bot, email("wm")).send("record Sam Patel")
    assert "Trainee firefighter development — completed 16 November 2026 (say *plan Sam Patel*)" in shown
    exported = await Chat(bot, email("ff")).send("export")
    assert "## Development plans\n\n- Trainee firefighter development: completed 16 November 2026\n" in exported


async def test_the_scheduled_job_records_completions_and_queues_reminders(services):
    from handlers.plans.jobs import behind

    ids = await build(services)
    pathway = await add_pathway(services, steps=[{"reflection": "One reflection", "within": "1 month"},
                                                 {"checkin": "A check-in", "within": "2 weeks"}])
    done = await _assign(services, "wm", "ff", pathway)
    late = await _assign(services, "wm", "ff2", pathway)
    async with unit_of_work(services.sessions) as db:
        db.add(Reflection(person_id=ids["ff"], what_happened="x", created_at=moment(date(2026, 9, 1))))
    await run_use_case(services, uc.record_checkin, await person(services, "wm"), plan_id=done.id,
                       held_on=date(2026, 9, 2))
    report = await behind(services)
    assert (report.people, report.managers) == (1, 1)
    async with services.sessions() as db:
        assert (await db.get(Plan, done.id)).completed_at is not None
        assert (await db.get(Plan, late.id)).completed_at is None
    assert (await behind(services)).queued == []


# --- adding a pathway in chat (L&D) ------------------------------------------------------------------------
async def _pathways(services) -> list[str]:
    async with services.sessions() as db:
        return list(await db.scalars(select(Pathway.name).order_by(Pathway.name)))


async def test_ld_add_a_pathway_in_chat_only_after_save(services):
    await build(services)
    lee = Chat(make_bot(services), email("ld"))
    lee.platform = "slack"  # a whole form at once
    assert "Paste the pathway in YAML or JSON" in await lee.send("add pathway")
    assert any(r.form and r.form.form_id == "plans.pathway" for r in lee.last)
    bad = PATHWAY_YAML.replace("FFBA1", "FFXX9").replace("within: 2 months", "within: whenever")
    outcome = await lee.submit("plans.pathway", {"text": bad})
    said = "\n".join(r.text for r in outcome.replies)
    assert "1 problem, so nothing was saved" in said  # the file's own problems first, then the framework's
    assert "step 4:" in said and "should say by when" in said
    outcome = await lee.submit("plans.pathway", {"text": PATHWAY_YAML.replace("FFBA1", "FFXX9")})
    assert "step 2: no competence FFXX9 in the framework" in "\n".join(r.text for r in outcome.replies)
    assert await _pathways(services) == []

    outcome = await lee.submit("plans.pathway", {"text": PATHWAY_YAML})
    said = "\n".join(r.text for r in outcome.replies)
    assert "*Trainee firefighter development* — the induction for firefighter" in said
    assert "1. Meet your line manager (checkin, within 2 weeks)" in said
    assert "2. Evidence FFBA1 verified (competence, within 3 months)" in said
    assert await _pathways(services) == []  # nothing until Save
    assert [b[1] for b in lee.buttons()] == ["plans.pathway_save", "plans.pathway_cancel"]
    assert "is a learning pathway now (5 steps)" in await lee.click("plans.pathway_save")
    assert await _pathways(services) == ["Trainee firefighter development"]
    assert "no pathway waiting to be saved" in await lee.click("plans.pathway_save")  # a second click adds nothing
    outcome = await lee.submit("plans.pathway", {"text": PATHWAY_YAML.replace("within: 2 weeks", "within: 3 weeks")})
    assert "It replaces the pathway *Trainee firefighter development*" in "\n".join(r.text for r in outcome.replies)
    assert "is replaced (5 steps)" in await lee.click("plans.pathway_save")
    assert await audit_details(services, "pathway", "added") and await audit_details(services, "pathway", "replaced")


async def test_cancel_adds_nothing_and_staff_may_not_add_pathways_in_chat(services):
    await build(services)
    bot = make_bot(services)
    lee = Chat(bot, email("ld"))  # the console: the form is asked a question at a time
    asked = await lee.send("add pathway")
    assert "Paste the pathway" in asked and "The pathway (YAML or JSON)" in asked
    one_line = json.dumps(yaml.safe_load(PATHWAY_YAML))
    assert "Please check this pathway" in await lee.send(one_line)
    assert "Choose *Save this pathway* or *Cancel*" in await lee.send("maybe")
    assert "Nothing was saved" in await lee.send("cancel")  # the word that leaves any dialog
    await lee.send("add pathway")
    await lee.send(one_line)
    assert "the pathway was not saved" in await lee.click("plans.pathway_cancel")
    assert "no pathway waiting" in await lee.click("plans.pathway_save")
    assert await _pathways(services) == []
    sam = Chat(bot, email("ff"))
    assert "Adding learning pathways is for L&D" in await sam.send("add pathway")
    outcome = await sam.submit("plans.pathway", {"text": PATHWAY_YAML})
    assert "Adding learning pathways is for L&D" in "\n".join(r.text for r in outcome.replies)
    assert await sam.click("plans.pathway_save") and await _pathways(services) == []
    ian = Chat(bot, email("admin"))  # admins see reports, L&D manage pathways
    assert "Adding learning pathways is for L&D" in await ian.send("add pathway")
