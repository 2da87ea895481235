"""`ldbot privacy export|erase|retention`: subject access requests, erasure and retention from the terminal.

The command line acts for the service. Each export is logged as a look at the person's record, with the
operating-system account that ran it, so the person sees it in "who has looked at my record".
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import click

from bot.runtime import Runtime, operator_account
from bot.services import Services
from bot.settings import SettingsError
from bot.usecase import Refused, apply
from handlers.learning.config import config_for
from handlers.privacy.retention import RetentionReport, run_retention
from handlers.privacy.rules import RetentionRules
from handlers.privacy.usecases import (
    MAX_REASON,
    Erased,
    ErasurePreview,
    erase_person,
    export_person,
    preview_erasure,
    summary_context,
)
from storage.db import unit_of_work
from storage.org_import import person_by_email

VIA = "command_line"


def ukdate(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{table} {number}" for table, number in sorted(counts.items())) or "nothing"


@click.group("privacy")
def privacy_group() -> None:
    """Personal data: export or erase what ldbot holds about a person; retention periods."""


@privacy_group.command("export")
@click.option("--user", "email", required=True, help="Whose data to export (their email).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the JSON to this file (readable only by you) instead of printing it.")
@click.pass_obj
def export_command(runtime: Runtime, email: str, out: Path | None) -> None:
    """Everything ldbot holds about a person (a subject access request), as JSON with a readable summary."""

    async def job(services: Services) -> tuple[dict, str] | None:
        at = services.at()
        async with unit_of_work(services.sessions) as db:
            await services.catalogue.refresh(db, force=True)
            person = await person_by_email(db, email)
            if person is None:
                return None
            exported = await apply(db, await export_person(db, None, at, person=person, via=VIA, account=operator_account()), at)
            summary = str(services.catalogue.render(
                "privacy.export_summary", summary_context(exported, at.today.isoformat()), platform="console"))
            document = {key: exported.document[key] for key in ("format", "generated_at", "person")}
            document["summary"] = summary
            document["sections"] = exported.document["sections"]
            return document, summary

    found = runtime.run(job)
    if found is None:
        raise click.ClickException(f"nobody with the email {email!r} is in the organisation")
    document, summary = found
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    # Personal data: create the file for the owner only, before anything is written to it.
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(summary.rstrip("\n"))
    click.echo(f"Wrote {out} (it holds personal data: send it securely and delete your copy once sent).")


@privacy_group.command("erase")
@click.option("--user", "email", required=True, help="Whose data to erase (their email).")
@click.option("--reason", required=True, help="Why (kept in the audit log, without the person's name).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def erase_command(runtime: Runtime, email: str, reason: str, yes: bool) -> None:
    """Remove or anonymise everything that identifies a person, for good (one transaction)."""
    if not reason.strip():
        raise click.BadParameter("give a reason (it is kept in the audit log)", param_hint="--reason")
    if len(" ".join(reason.split())) > MAX_REASON:
        raise click.BadParameter(f"keep the reason under {MAX_REASON} characters", param_hint="--reason")

    async def preview(services: Services) -> ErasurePreview | None:
        async with services.sessions() as db:
            person = await person_by_email(db, email)
            return await preview_erasure(db, None, services.at(), person=person) if person else None

    found = runtime.run(preview)
    if found is None:
        raise click.ClickException(f"nobody with the email {email!r} is in the organisation")
    subject = found.subject
    click.echo(f"Erasing {subject.name} ({subject.email}) removes {sum(found.remove.values())} rows "
               f"({_counts(found.remove)}), keeps {sum(found.anonymise.values())} rows of other people's records or "
               f"the service's without them ({_counts(found.anonymise)}) and removes {found.audit_entries} audit "
               "entries about them. Their competence assessments, appraisals and reflections are kept only as "
               "anonymous counts.")
    if found.active:
        click.echo("They are still here: they are first marked as having left today (their reports and the "
                   "evidence waiting for them move to their manager, messages to them are cancelled).")
    click.echo("This cannot be undone.")
    if not yes and not click.confirm(f"Erase {subject.email}?", default=False):
        click.echo("Nothing was erased.")
        raise click.exceptions.Exit(1)

    async def job(services: Services) -> Erased | None:
        at = services.at()
        async with unit_of_work(services.sessions) as db:
            person = await person_by_email(db, email)
            if person is None:
                return None
            return await apply(db, await erase_person(db, None, at, person=person, reason=reason, via=VIA,
                                                      learning=config_for(services), account=operator_account()), at)

    try:
        erased = runtime.run(job)
    except Refused as refused:
        raise click.ClickException(f"not erased: {refused.reason.replace('_', ' ')}") from None
    if erased is None:
        raise click.ClickException(f"{email!r} was erased (or removed) by someone else meanwhile")
    outcome = erased.outcome
    click.echo(f"Erased. Removed: {_counts(outcome.removed)}; audit entries about them: {outcome.audit_entries_removed}.")
    click.echo(f"Kept without them: {_counts(outcome.anonymised)}.")
    if outcome.kept_anonymously:
        click.echo(f"Kept as anonymous counts: {_counts(outcome.kept_anonymously)}.")
    if outcome.scrubbed:
        click.echo(f"Their name was taken out of: {_counts(outcome.scrubbed)}.")
    click.echo("The audit log records that an erasure took place, and why, not who. If they are still in the "
               "HR file, take them out of it: the next people import would add them again as someone new.")


@privacy_group.command("retention")
@click.option("--dry-run", is_flag=True, help="Say what would go, and change nothing.")
@click.pass_obj
def retention_command(runtime: Runtime, dry_run: bool) -> None:
    """Apply the retention periods now (the daily job does the same), or say what would go."""
    try:
        rules = RetentionRules.load()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    report: RetentionReport = runtime.run(lambda services: run_retention(services, rules=rules, apply_now=not dry_run))
    verb = "Would go" if dry_run else "Done"
    click.echo(f"{verb} (retention, {ukdate(report.day)}):")
    for step in report.steps:
        click.echo(f"  {step.count:>6}  {step.what}, after {step.period}")
        for who, name, left_on in step.people:
            click.echo(f"          {who}  {name}  (left {ukdate(left_on)})")
    if dry_run:
        click.echo("Nothing was changed.")
