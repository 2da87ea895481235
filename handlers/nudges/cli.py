"""`ldbot nudges preview|run` and `ldbot records import`: nudges from the terminal."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from bot.runtime import Runtime
from bot.services import Services
from bot.settings import SettingsError
from handlers.nudges.job import preview, run_nudges
from handlers.nudges.rules import NudgeRules, load_rules
from scheduler.outbox import OutboxSender
from storage.db import unit_of_work
from storage.org_import import ImportReport
from storage.records_import import import_records
from storage.tabular import TableError, read_table

STATUS_WORDS = {"due_soon": "due soon", "overdue": "overdue"}
KIND_WORDS = {"digest": "weekly digest", "escalation": "escalation", "expiry": "expiry reminder",
              "handover": "new-manager hand-over"}


def _rules() -> NudgeRules:
    try:
        return load_rules()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("nudges")
def nudges_group() -> None:
    """Reminders to line managers and staff about appraisals and competences."""


@nudges_group.command("preview")
@click.option("--date", "on", help="The day to preview (YYYY-MM-DD); today if left out.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list (recipient, kind, items).")
@click.pass_obj
def preview_command(runtime: Runtime, on: str | None, as_json: bool) -> None:
    """Show, without sending, what each manager and member of staff would receive on a day."""
    rules = _rules()
    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        raise click.BadParameter(f"not a date: {on!r} (use YYYY-MM-DD)", param_hint="--date") from None

    async def job(services: Services):  # noqa: ANN202
        when = day or services.now().astimezone(ZoneInfo(rules.timezone)).date()
        return await preview(services, when, rules=rules)

    plan = runtime.run(job)
    if as_json:
        click.echo(json.dumps(plan.for_json(), indent=2))
        return
    if not plan.nudges:
        click.echo(f"{plan.day.isoformat()}: no nudges.")
        return
    click.echo(f"{plan.day.isoformat()}: {len(plan.nudges)} nudge(s)")
    for nudge in plan.nudges:
        recipient = plan.people[nudge.recipient_id]
        kind = KIND_WORDS.get(nudge.kind, nudge.kind)
        click.echo(f"- {kind} to {recipient.email} at {nudge.slot.astimezone(ZoneInfo(rules.timezone)):%H:%M}")
        if nudge.kind == "handover":
            for person_id, _ in nudge.moved:
                click.echo(f"    now looks after {plan.people[person_id].email}")
        for item in nudge.items:
            status = STATUS_WORDS.get(item.status, item.status)
            click.echo(f"    {plan.people[item.person_id].email}: {item.what} {status} (due {item.due:%d %B %Y})")


@nudges_group.command("run")
@click.pass_obj
def run_command(runtime: Runtime) -> None:
    """Decide the nudges due by now, queue them, and deliver what the configured platforms can reach."""
    rules = _rules()

    async def job(services: Services) -> tuple[str, str]:
        report = await run_nudges(services, rules=rules)
        deliverers = runtime.platform_deliverers(services)
        if not deliverers:
            return str(report), "no platform configured: messages wait in the outbox"
        return str(report), str(await OutboxSender(services, deliverers).deliver_due())

    decided, delivered = runtime.run(job)
    click.echo(f"Nudges {decided}.")
    click.echo(f"Delivery: {delivered}.")


# --- records import ---------------------------------------------------------------------------------------
class _Rejected(Exception):
    """Raised inside the transaction so nothing of a bad file is applied."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report


@click.group("records")
def records_group() -> None:
    """Appraisal and workplace-assessment history."""


@records_group.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.pass_obj
def records_import(runtime: Runtime, path: Path) -> None:
    """Import email,last_appraisal_date[,next_due_date] or email,competence_code,last_assessed_date."""
    try:
        table = read_table(path)
    except TableError as exc:
        raise click.ClickException(str(exc)) from None

    async def job(services: Services) -> tuple[str | None, ImportReport]:
        description = services.catalogue.render("nudges.imported_assessment", {})
        try:
            async with unit_of_work(services.sessions) as db:
                kind, report = await import_records(
                    db, table, today=services.today(), description=description, now=services.now()
                )
                if report.errors:
                    raise _Rejected(report)
                return kind, report
        except _Rejected as rejected:
            return None, rejected.report

    kind, report = runtime.run(job)
    if report.errors:
        for error in report.errors:
            click.echo(f"{path.name}: {error}", err=True)
        raise click.ClickException(f"{len(report.errors)} problem(s) found; nothing was imported.")
    what = "Appraisals" if kind == "appraisal" else "Workplace assessments"
    click.echo(f"{what}: {report.summary()}.")
