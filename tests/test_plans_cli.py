"""`ldbot pathways ...` and `ldbot plans ...`: the command line's names and JSON keys are a contract."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import func, select

from bot.cli import main
from storage.db import unit_of_work
from storage.models.plans import Plan, PlanStepDate
from storage.models.privacy import AnonymousTally
from tests.plans_org import PATHWAY_YAML, build, email


async def ldbot(services, *args: str) -> Result:
    env = {"LDBOT_DATABASE_URL": services.settings.database_url}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env, catch_exceptions=False)


async def ok(services, *args: str) -> str:
    result = await ldbot(services, *args)
    assert result.exit_code == 0, result.output
    return result.output


async def test_pathways_add_list_assign_show_and_report(services, tmp_path: Path):
    await build(services)
    path = tmp_path / "trainee.yaml"
    path.write_text(PATHWAY_YAML)
    added = (await ok(services, "pathways", "add", str(path))).strip()
    assert added.isdigit()
    [listed] = json.loads(await ok(services, "pathways", "list", "--json"))
    assert set(listed) == {"id", "name", "description", "induction_for", "plans", "steps"}
    assert (listed["name"], listed["induction_for"], listed["plans"]) == ("Trainee firefighter development", "firefighter", 0)
    assert listed["steps"][0] == {"step": 1, "kind": "checkin", "title": "Meet your line manager", "target": {},
                                  "within": "2 weeks"}
    assert f"{added}. Trainee firefighter development (5 steps, 0 plans, the induction for firefighter)" in await ok(
        services, "pathways", "list")

    plan_id = (await ok(services, "plans", "assign", "--user", email("ff"), "--pathway", "trainee firefighter development",
                        "--start", "2026-08-03")).strip()
    assert plan_id.isdigit()
    again = await ldbot(services, "plans", "assign", "--user", email("ff"), "--pathway", added)
    assert again.exit_code == 1 and "already has a plan" in again.output
    missing = await ldbot(services, "plans", "assign", "--user", email("ff"), "--pathway", "Nope")
    assert missing.exit_code == 1 and "no pathway 'Nope'" in missing.output

    shown = json.loads(await ok(services, "plans", "show", "--user", email("ff"), "--json"))
    assert set(shown) == {"email", "name", "plans"}
    [plan] = shown["plans"]
    assert set(plan) == {"id", "pathway", "start", "assigned_via", "agreed", "agreed_by_person", "agreed_by_manager",
                         "status", "completed", "done", "total", "next", "steps", "date_changes"}
    assert (plan["start"], plan["assigned_via"], plan["agreed"], plan["completed"]) == ("2026-08-03", "cli", False, None)
    assert set(plan["steps"][0]) == {"step", "kind", "title", "due", "status", "done_on", "changed"}
    assert "Sam Patel: Trainee firefighter development from 2026-08-03" in await ok(
        services, "plans", "show", "--user", email("ff"))

    report = json.loads(await ok(services, "plans", "report", "--json"))
    assert report == {"pathways": [{"pathway": "Trainee firefighter development", "plans": 1, "on_time": 0,
                                    "behind": 1, "completed": 0, "agreed": 0}]}
    rows = list(csv.DictReader(io.StringIO(await ok(services, "plans", "report", "--csv"))))
    assert rows == [{"pathway": "Trainee firefighter development", "plans": "1", "on_time": "0", "behind": "1",
                     "completed": "0", "agreed": "0"}]
    assert "Trainee firefighter development: 1 plan — 0 on time, 1 behind" in await ok(services, "plans", "report")
    assert "(5 steps, 1 plan, the induction for firefighter)" in await ok(services, "pathways", "list")


async def test_a_bad_pathway_file_adds_nothing_and_says_why(services, tmp_path: Path):
    await build(services)
    path = tmp_path / "bad.yaml"
    path.write_text("name: Broken\nsteps:\n  - competence: NOPE\n    within: 3 months\n  - reflection: x\n")
    result = await ldbot(services, "pathways", "add", str(path))
    assert result.exit_code == 1
    assert "step 2: `within` should say by when" in result.output and "nothing was added" in result.output
    path.write_text("name: Broken\nsteps:\n  - competence: NOPE\n    within: 3 months\n")
    result = await ldbot(services, "pathways", "add", str(path))
    assert result.exit_code == 1 and "no competence NOPE in the framework" in result.output
    assert json.loads(await ok(services, "pathways", "list", "--json")) == []


async def test_privacy_export_holds_the_plan_and_erasure_removes_it(services, tmp_path: Path):
    ids = await build(services)
    path = tmp_path / "trainee.yaml"
    path.write_text(PATHWAY_YAML)
    await ok(services, "pathways", "add", str(path))
    plan_id = int(await ok(services, "plans", "assign", "--user", email("ff"), "--pathway",
                           "Trainee firefighter development", "--start", "2026-11-16"))
    async with unit_of_work(services.sessions) as db:
        plan = await db.get(Plan, plan_id)
        plan.completed_at = datetime(2026, 11, 17, 9, tzinfo=UTC)
        db.add(PlanStepDate(plan_id=plan_id, step_id=plan.pathway.steps[0].id, target_on=date(2026, 12, 1),
                            reason="Dana Kowalski is away", changed_by_id=ids["wm"]))
    markdown = await ok(services, "export", "--user", email("ff"))
    assert "- Trainee firefighter development: completed 17 November 2026" in markdown
    out = tmp_path / "sam.json"
    await ok(services, "privacy", "export", "--user", email("ff"), "--out", str(out))
    document = json.loads(out.read_text(encoding="utf-8"))
    [plan] = [s for s in document["sections"] if s["table"] == "plans" and s["relation"] == "yours"][0]["rows"]
    assert plan["start_on"] == "2026-11-16" and plan["completed_at"].startswith("2026-11-17")
    assert "agreed_by_person_at" in plan
    [moved] = [s for s in document["sections"] if s["table"] == "plan_step_dates" and s["relation"] == "on your plans"][0]["rows"]
    assert moved["reason"] == "Dana Kowalski is away"
    await ok(services, "privacy", "erase", "--user", email("ff"), "--reason", "request", "--yes")
    report = json.loads(await ok(services, "plans", "report", "--json"))
    assert report["pathways"][0]["plans"] == 0
    async with services.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(PlanStepDate)) == 0
        tally = await db.scalar(select(AnonymousTally).where(AnonymousTally.kind == "plan_completed"))
    assert (tally.year, tally.station, tally.competence, tally.count) == (2026, "Ashby", "Trainee firefighter development", 1)
