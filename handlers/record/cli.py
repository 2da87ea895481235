"""`ldbot export`: a person's record as Markdown or CSV for an IPDR meeting."""

from __future__ import annotations

from pathlib import Path

import click

from bot.runtime import Runtime, operator_account
from bot.services import Services
from handlers.plans.usecases import plan_summaries
from handlers.record.usecases import export_markdown, view_for_service
from storage.db import unit_of_work
from storage.org_import import person_by_email
from storage.record import to_csv


@click.command("export")
@click.option("--user", "email", required=True, help="Whose record to export.")
@click.option("--format", "fmt", type=click.Choice(["md", "csv"]), default="md", show_default=True)
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="Write to a file instead of stdout."
)
@click.pass_obj
def export(runtime: Runtime, email: str, fmt: str, out: Path | None) -> None:
    """Export a person's competence status, evidence and reflections (an admin tool: everything is included;
    the export is logged as a look at their record)."""

    async def job(services: Services) -> str | None:
        async with unit_of_work(services.sessions) as db:
            person = await person_by_email(db, email)
            if person is None:
                return None
            view = await view_for_service(db, None, services.at(), subject=person, via="command_line",
                                          account=operator_account())
            record = view.record
            if fmt == "csv":
                return to_csv(record)
            await services.catalogue.refresh(db, force=True)  # an admin may have reworded the export
            plans = await plan_summaries(db, person, services.at())
            return export_markdown(record, services.catalogue, plans=plans)

    text = runtime.run(job)
    if text is None:
        raise click.ClickException(f"nobody with the email {email!r} is in the organisation")
    if out is None:
        click.echo(text, nl=False)
    else:
        # A BOM lets Excel open a CSV as UTF-8 (names with accents survive).
        out.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        click.echo(f"Wrote {out}")

