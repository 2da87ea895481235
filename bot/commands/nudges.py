"""`ldbot nudges preview|run`, `ldbot records import`, `ldbot worker`: nudges from the terminal."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from bot.runtime import configure_logging, open_services, run, until_stopped
from bot.services import Services
from bot.settings import SettingsError
from scheduler.rules import NudgeRules, load_rules
from storage.db import unit_of_work
from storage.org_import import ImportReport
from storage.records_import import import_records
from storage.tabular import TableError, read_table


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
def preview_command(on: str | None, as_json: bool) -> None:
    """Show, without sending, what each manager and member of staff would receive on a day."""
    rules = _rules()
    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        raise click.BadParameter(f"not a date: {on!r} (use YYYY-MM-DD)", param_hint="--date") from None

    async def job(services: Services):  # noqa: ANN202
        from scheduler.nudges_job import preview

        when = day or services.now().astimezone(ZoneInfo(rules.timezone)).date()
        return await preview(services, when, rules=rules)

    plan = run(job)
    if as_json:
        click.echo(json.dumps(plan.for_json(), indent=2))
        return
    if not plan.nudges:
        click.echo(f"{plan.day.isoformat()}: no nudges.")
        return
    click.echo(f"{plan.day.isoformat()}: {len(plan.nudges)} nudge(s)")
    for nudge in plan.nudges:
        recipient = plan.people[nudge.recipient_id]
        click.echo(f"- {nudge.kind} to {recipient.email} at {nudge.slot.astimezone(ZoneInfo(rules.timezone)):%H:%M}")
        if nudge.kind == "handover":
            for person_id, _ in nudge.moved:
                click.echo(f"    now looks after {plan.people[person_id].email}")
        for item in nudge.items:
            click.echo(f"    {plan.people[item.person_id].email}: {item.what} {item.status} (due {item.due.isoformat()})")


@nudges_group.command("run")
def run_command() -> None:
    """Decide the nudges due by now, queue them, and deliver what the configured platforms can reach."""
    rules = _rules()

    async def job(services: Services) -> tuple[str, str]:
        from bot.core import Bot
        from bot.platforms import enabled_plugins
        from scheduler.nudges_job import run_nudges
        from scheduler.outbox import deliver_due

        report = await run_nudges(services, rules=rules)
        bot = Bot(services)
        try:
            deliverers = [p.deliverer(bot) for p in enabled_plugins(services.settings)]
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from None
        delivery = await deliver_due(bot, deliverers) if deliverers else None
        return str(report), str(delivery) if delivery else "no platform configured: messages wait in the outbox"

    decided, delivered = run(job)
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
def records_import(path: Path) -> None:
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

    kind, report = run(job)
    if report.errors:
        for error in report.errors:
            click.echo(f"{path.name}: {error}", err=True)
        raise click.ClickException(f"{len(report.errors)} problem(s) found; nothing was imported.")
    what = "Appraisals" if kind == "appraisal" else "Workplace assessments"
    click.echo(f"{what}: {report.summary()}.")


# --- worker -------------------------------------------------------------------------------------------------
async def _work() -> None:
    from bot.core import Bot
    from bot.platforms import enabled_plugins
    from scheduler.jobs import build_scheduler

    rules = _rules()
    services = open_services()
    try:
        plugins = enabled_plugins(services.settings)
    except SettingsError as exc:
        await services.close()
        raise click.ClickException(str(exc)) from None
    bot = Bot(services)
    scheduler = build_scheduler(bot, [p.deliverer(bot) for p in plugins], rules=rules)
    scheduler.start()
    names = ", ".join(p.name for p in plugins) or "none (messages wait in the outbox)"
    click.echo(f"ldbot worker: scanning every {rules.scan_every_minutes} min, delivering every minute; platforms: {names}")
    try:
        await until_stopped()
    finally:
        scheduler.shutdown(wait=False)
        await services.close()


@click.command("worker")
def worker() -> None:
    """Run the scheduled jobs (nudges and outbox delivery) without web endpoints."""
    configure_logging()
    asyncio.run(_work())


COMMANDS = [nudges_group, records_group, worker]
