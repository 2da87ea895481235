"""`ldbot pathways ...` and `ldbot plans ...`: the command line's names and JSON keys are a contract."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner, Result

from bot.cli import main
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
    await build(services)
    path = tmp_path / "trainee.yaml"
    path.write_text(PATHWAY_YAML)
    await ok(services, "pathways", "add", str(path))
    await ok(services, "plans", "assign", "--user", email("ff"), "--pathway", "Trainee firefighter development",
             "--start", "2026-11-16")
    out = tmp_path / "sam.json"
    await ok(services, "privacy", "export", "--user", email("ff"), "--out", str(out))
    document = json.loads(out.read_text(encoding="utf-8"))
    [plan] = [s for s in document["sections"] if s["table"] == "plans" and s["relation"] == "yours"][0]["rows"]
    assert plan["start_on"] == "2026-11-16" and plan["completed_at"] is None and "agreed_by_person_at" in plan
    await ok(services, "privacy", "erase", "--user", email("ff"), "--reason", "request", "--yes")
    report = json.loads(await ok(services, "plans", "report", "--json"))
    assert report["pathways"][0]["plans"] == 0
