"""`ldbot pathways ...` and `ldbot plans ...`: L&D's pathways and people's plans from the terminal.

A contract (issue 15): these names, options and JSON keys stay as they are (README "Development plans").
The operator has the database, so acts for the service (the use cases' `actor` None); `plans show` is
logged as a look at the person's record, with the operating-system account that ran it.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import click

from bot.runtime import Runtime, operator_account
from bot.services import Services
from bot.usecase import Refused, apply, run_use_case
from handlers.plans import usecases as uc
from handlers.plans.describe import REPORT_COLUMNS, figures_json, pathway_json, plan_json
from handlers.plans.spec import SpecProblems, load_spec, parse_spec
from storage.audit import record_audit
from storage.db import unit_of_work
from storage.org_import import person_by_email


def _refused(refused: Refused) -> click.ClickException:
    d = refused.detail
    if refused.reason == "invalid":
        for problem in d.get("problems", []):
            click.echo(problem, err=True)
        return click.ClickException(f"{len(d.get('problems', []))} problem(s) found; nothing was changed.")
    texts = {
        "no_pathway": f"no pathway {d.get('name')!r} (see: ldbot pathways list)",
        "no_person": f"nobody active with the email {d.get('email')} in the organisation",
        "already": f"{d.get('name')} already has a plan from '{d.get('pathway')}'",
        "far_start": "--start is more than a year ahead",
    }
    return click.ClickException(texts.get(refused.reason, refused.reason.replace("_", " ")))


def _run(runtime: Runtime, fn: Any, **kwargs: Any) -> Any:
    async def job(services: Services) -> Any:
        try:
            return await run_use_case(services, fn, None, **kwargs)
        except Refused as refused:
            return refused

    result = runtime.run(job)
    if isinstance(result, Refused):
        raise _refused(result)
    return result


def _count(number: int, word: str) -> str:
    """"1 plan", "2 plans", "0 plans"."""
    return f"{number} {word}{'' if number == 1 else 's'}"


@click.group("pathways")
def pathways_group() -> None:
    """Learning pathways: add one from a YAML or JSON file, list them."""


@pathways_group.command("add")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.pass_obj
def add_command(runtime: Runtime, path: Path) -> None:
    """Add a pathway (or replace one of the same name nobody has a plan from yet); prints its id."""
    try:
        spec = parse_spec(load_spec(path))
    except SpecProblems as exc:
        for problem in exc.problems:
            click.echo(f"{path.name}: {problem}", err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s) found; nothing was added.") from None
    saved = _run(runtime, uc.add_pathway, spec=spec)
    click.echo(saved.pathway.id)


@pathways_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_obj
def list_command(runtime: Runtime, as_json: bool) -> None:
    """Every pathway with its steps and how many plans it has."""
    found = _run(runtime, uc.list_pathways)
    rows = [pathway_json(p, found.plans.get(p.id, 0)) for p in found.pathways]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No pathways yet (add one: ldbot pathways add FILE.yaml).")
        return
    for row in rows:
        induction = f", the induction for {row['induction_for'].replace('_', ' ')}" if row["induction_for"] else ""
        click.echo(f"{row['id']}. {row['name']} ({_count(len(row['steps']), 'step')}, "
                   f"{_count(row['plans'], 'plan')}{induction})")
        for step in row["steps"]:
            click.echo(f"   {step['step']}. {step['title']} [{step['kind']}] within {step['within']}")


@click.group("plans")
def plans_group() -> None:
    """Development plans: assign a pathway to someone, show a person's plans, report progress per pathway."""


@plans_group.command("assign")
@click.option("--user", "email", required=True, help="Whose plan (their email).")
@click.option("--pathway", "name", required=True, help="The pathway's name (or number).")
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="YYYY-MM-DD (default: today).")
@click.pass_obj
def assign_command(runtime: Runtime, email: str, name: str, start: Any) -> None:
    """Give a person a plan; they and their line manager are told and asked to agree it. Prints its id."""
    day: date | None = start.date() if start else None

    async def job(services: Services) -> Any:
        at = services.at()
        try:
            async with unit_of_work(services.sessions) as db:
                person = await person_by_email(db, email)
                if person is None or not person.active:
                    raise Refused("no_person", email=email)
                pathway = await uc.find_pathway(db, name)
                return await apply(db, await uc.assign_plan(db, None, at, person=person, pathway=pathway, start=day,
                                                            via="cli"), at)
        except Refused as refused:
            return refused

    result = runtime.run(job)
    if isinstance(result, Refused):
        raise _refused(result)
    click.echo(result.plan.id)


@plans_group.command("show")
@click.option("--user", "email", required=True, help="Whose plans (their email).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: email, name, plans.")
@click.pass_obj
def show_command(runtime: Runtime, email: str, as_json: bool) -> None:
    """A person's plans: each step's target, what is done and when, what is behind, date changes and why."""

    async def job(services: Services) -> dict[str, Any] | None:
        at = services.at()
        async with unit_of_work(services.sessions) as db:
            person = await person_by_email(db, email)
            if person is None:
                return None
            found = await uc.plans_of(db, None, at, person=person)
            record_audit(db, None, "person", person.id, "record_viewed", now=at.now, via="command_line",
                         account=operator_account(), what="plans")
            return {"email": person.email, "name": person.name,
                    "plans": [plan_json(p, await uc.date_changes(db, p.plan)) for p in found.progress]}

    data = runtime.run(job)
    if data is None:
        raise click.ClickException(f"nobody with the email {email!r} is in the organisation")
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    if not data["plans"]:
        click.echo(f"{data['name']} has no development plan.")
    for plan in data["plans"]:
        agreed = "agreed" if plan["agreed"] else "not yet agreed"
        state = f"completed {plan['completed'][:10]}" if plan["completed"] else plan["status"].replace("_", " ")
        click.echo(f"{data['name']}: {plan['pathway']} from {plan['start']} ({agreed}; {state}; "
                   f"{plan['done']} of {plan['total']} done)")
        for step in plan["steps"]:
            done = f"done {step['done_on']}" if step["done_on"] else step["status"].replace("_", " ")
            click.echo(f"   {step['step']}. {step['title']} by {step['due']}: {done}")
        for change in plan["date_changes"]:
            click.echo(f"   step {change['step']} moved to {change['target']} by {change['by']}: {change['reason']}")


@plans_group.command("report")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: pathways.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV: " + ",".join(REPORT_COLUMNS) + ".")
@click.pass_obj
def report_command(runtime: Runtime, as_json: bool, as_csv: bool) -> None:
    """Progress per pathway: how many plans are on time, behind and completed (and how many agreed)."""
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    found = _run(runtime, uc.report)
    rows = [figures_json(row) for row in found.pathways]
    if as_json:
        click.echo(json.dumps({"pathways": rows}, indent=2))
    elif as_csv:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=REPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(out.getvalue(), nl=False)
    elif not rows:
        click.echo("No pathways yet (add one: ldbot pathways add FILE.yaml).")
    else:
        for row in rows:
            click.echo(f"{row['pathway']}: {_count(row['plans'], 'plan')} — {row['on_time']} on time, {row['behind']} behind, "
                       f"{row['completed']} completed ({row['agreed']} agreed)")
