"""`ldbot seed`, `ldbot org import`, `ldbot competences import`: organisation data from files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from bot.runtime import Runtime
from bot.services import Services
from bot.usecase import apply
from handlers.learning.config import config_for
from handlers.people.leavers import leave, rejoin
from handlers.people.sample import load_everything
from handlers.plans.usecases import assign_inductions
from storage.db import unit_of_work
from storage.models import Person
from storage.org_import import ImportReport, PeopleReport, import_competences, import_people
from storage.tabular import Table, TableError, read_table


class _Rejected(Exception):
    """Raised inside the transaction so that nothing of a bad file is applied."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report


def _import(runtime: Runtime, path: Path, importer, what: str) -> None:  # noqa: ANN001 - an import function
    try:
        table = read_table(path)
    except TableError as exc:
        raise click.ClickException(str(exc)) from None

    async def job(services: Services) -> ImportReport:
        try:
            async with unit_of_work(services.sessions) as db:
                report = await importer(db, table)
                if report.errors:
                    raise _Rejected(report)
                return report
        except _Rejected as rejected:
            return rejected.report

    report = runtime.run(job)
    if report.errors:
        for error in report.errors:
            click.echo(f"{path.name}: {error}", err=True)
        raise click.ClickException(f"{len(report.errors)} problem(s) found; nothing was imported.")
    click.echo(f"{what}: {report.summary()}.")


@click.group("org")
def org_group() -> None:
    """People and line management."""


class _Changed(Exception):
    """The people absent from the file are not the ones the operator confirmed (someone else changed them)."""


def ukdate(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@org_group.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--full", is_flag=True, help="The file lists everyone: anyone here who is not in it has left.")
@click.option("--yes", is_flag=True, help="Do not ask before marking people absent from a --full file as left.")
@click.pass_obj
def org_import(runtime: Runtime, path: Path, full: bool, yes: bool) -> None:
    """Import people: email,name,role,team,station,line_manager_email[,timezone,working_pattern,slack_user_id,entra_object_id,left_on]."""
    try:
        table = read_table(path)
    except TableError as exc:
        raise click.ClickException(str(exc)) from None
    trial = runtime.run(lambda services: _people(services, table, full=full, confirmed=None))
    if trial.errors:
        for error in trial.errors:
            click.echo(f"{path.name}: {error}", err=True)
        raise click.ClickException(f"{len(trial.errors)} problem(s) found; nothing was imported.")
    absent = trial.absent
    if absent and not yes:
        click.echo(f"{len(absent)} {'person is' if len(absent) == 1 else 'people are'} not in {path.name} and will be "
                   f"marked as having left today ({ukdate(absent[0].on)}):")
        for leaver in absent:
            click.echo(f"  {leaver.email}  {leaver.name}")
        if not click.confirm("Mark them as left?", default=False):
            click.echo("Nothing was imported.")
            raise click.exceptions.Exit(1)
    try:
        report = runtime.run(lambda services: _people(
            services, table, full=full, confirmed={leaver.person_id for leaver in absent}))
    except _Changed:
        raise click.ClickException("the people missing from the file changed while you were deciding; "
                                   "nothing was imported (run it again)") from None
    click.echo(f"People: {report.summary()}.")
    for leaver in report.leaving:
        how = "not in the file" if leaver.absent else "left_on"
        click.echo(f"Left: {leaver.email} on {ukdate(leaver.on)} ({how}).")
    for email, day in report.scheduled:
        click.echo(f"Leaving later: {email} on {ukdate(day)}.")
    for interim in report.interim:
        acting = interim.acting or "nobody (their evidence goes to the assessors)"
        click.echo(f"Line manager has left: {interim.email} reports to {acting} for now, not {interim.named}.")


async def _people(services: Services, table: Table, *, full: bool, confirmed: set[int] | None) -> PeopleReport:
    """The import with its leavers and rejoiners, in one transaction. `confirmed=None` is a trial run that
    changes nothing; otherwise the people absent from a full file must be exactly those confirmed."""
    at = services.at()
    try:
        async with unit_of_work(services.sessions) as db:
            report = await import_people(db, table, now=at.now, today=at.today, full=full)
            if report.errors or confirmed is None:
                raise _Rejected(report)
            if {leaver.person_id for leaver in report.absent} != confirmed:
                raise _Changed()
            source = "import --full" if full else "import"
            for leaver in report.leaving:
                person = await db.get(Person, leaver.person_id)
                await apply(db, await leave(db, None, at, person=person, on=leaver.on, source=source,
                                             learning=config_for(services)), at)
            for person_id in report.rejoining:
                await apply(db, await rejoin(db, None, at, person=await db.get(Person, person_id), source=source), at)
            for assigned in await assign_inductions(db, at, people=report.new_roles):
                await apply(db, assigned, at)
            return report
    except _Rejected as rejected:
        return rejected.report  # type: ignore[return-value]


@click.group("competences")
def competences_group() -> None:
    """The competence framework."""


@competences_group.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.pass_obj
def competences_import(runtime: Runtime, path: Path) -> None:
    """Import competences: code,title,description,risk_critical,revalidation_months."""
    _import(runtime, path, import_competences, "Competences")


@click.command("seed")
@click.option(
    "--sample", is_flag=True, required=True, help="Load the fictional Northvale Fire and Rescue Service."
)
@click.pass_obj
def seed(runtime: Runtime, sample: bool) -> None:
    """Load the sample organisation, its competence framework and policy documents (idempotent)."""
    counts = runtime.run(lambda services: load_everything(services.sessions, services.today(), now=services.now(),
                                                          learning=config_for(services)))
    click.echo("Sample loaded: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()) + ".")

