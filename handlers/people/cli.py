"""`ldbot seed`, `ldbot org import`, `ldbot competences import`: organisation data from files."""

from __future__ import annotations

from pathlib import Path

import click

from bot.runtime import Runtime
from bot.services import Services
from handlers.learning.config import config_for
from handlers.people.sample import load_everything
from storage.db import unit_of_work
from storage.org_import import ImportReport, import_competences, import_people
from storage.tabular import TableError, read_table


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


@org_group.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.pass_obj
def org_import(runtime: Runtime, path: Path) -> None:
    """Import people: email,name,role,team,station,line_manager_email[,timezone,working_pattern,slack_user_id,entra_object_id]."""
    _import(runtime, path, import_people, "People")


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

