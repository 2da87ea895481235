"""`ldbot policy import|list|remove|unanswered|synonyms` and `ldbot ask`: policy documents from the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import delete, select

from bot.runtime import Runtime
from bot.services import Services
from handlers.policy.usecases import ask
from storage.db import unit_of_work
from storage.policy.importer import EmptyDocument, import_path, list_documents, remove_document
from storage.policy.models import PolicySynonym
from storage.policy.parse import UnsupportedFormat, parse_date
from storage.policy.report import off_topic_count, unanswered_groups
from storage.policy.synonyms import DEFAULT_GROUPS


@click.group("policy")
def policy_group() -> None:
    """Policy documents the bot answers questions from."""


@policy_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", help="Document title (one file only); re-importing the same title replaces it.")
@click.option("--version", "version", help="Version, e.g. 2.0.")
@click.option("--published", help="Published date, e.g. 2022-03-28 or '28 March 2022'.")
@click.option("--review", help="Review date; answers from a document past it are flagged.")
@click.option("--url", help="Where staff can read the whole document.")
@click.pass_obj
def import_command(
    runtime: Runtime, paths: tuple[Path, ...], title: str | None, version: str | None, published: str | None,
    review: str | None, url: str | None,
) -> None:
    """Import Markdown, text, HTML, Word (.docx) or PDF documents."""
    if title and len(paths) > 1:
        raise click.UsageError("--title can only be given with one file")
    for name, value in (("--published", published), ("--review", review)):
        if value and parse_date(value) is None:
            raise click.BadParameter(f"not a date: {value!r}", param_hint=name)

    async def job(services: Services) -> list[str]:
        lines = []
        for path in paths:
            async with unit_of_work(services.sessions) as db:
                try:
                    result = await import_path(
                        db, path, title=title, version=version, published=published, review=review, url=url,
                        now=services.now(),
                    )
                except UnsupportedFormat as exc:
                    raise click.ClickException(
                        f"{path}: can't read {exc} files (use .md, .txt, .html, .docx or .pdf)"
                    ) from None
                except EmptyDocument:
                    raise click.ClickException(
                        f"{path}: found no text to answer questions from (is the file empty, or only a "
                        "title and menus?); nothing was imported"
                    ) from None
            verb = {"new": "Imported", "replaced": "Replaced", "unchanged": "Unchanged"}[result.status]
            was = f" (was v{result.previous_version})" if result.status == "replaced" and result.previous_version else ""
            lines.append(f"{verb}: {result.title} — {result.sections} sections{was}")
        return lines

    for line in runtime.run(job):
        click.echo(line)


@policy_group.command("list")
@click.pass_obj
def list_command(runtime: Runtime) -> None:
    """Documents being served, with version, dates and section counts."""

    async def job(services: Services):
        async with unit_of_work(services.sessions) as db:
            return await list_documents(db), services.today()

    documents, today = runtime.run(job)
    if not documents:
        click.echo("No policy documents yet (ldbot policy import PATH).")
        return
    for d in documents:
        details = [f"v{d.version}" if d.version else "no version"]
        if d.published_on:
            details.append(f"published {d.published_on.isoformat()}")
        if d.review_on:
            details.append(f"review {d.review_on.isoformat()}" + (" (OVERDUE)" if d.review_on < today else ""))
        details.append(f"{d.sections} sections")
        if d.history:
            details.append(f"{d.history} earlier version{'s' if d.history != 1 else ''} kept")
        click.echo(f"{d.id:>4}  {d.title}  [{', '.join(details)}]  from {d.source_name}")


@policy_group.command("remove")
@click.argument("document")
@click.pass_obj
def remove_command(runtime: Runtime, document: str) -> None:
    """Stop serving a document (by id or title); its text is kept as history."""

    async def job(services: Services):
        async with unit_of_work(services.sessions) as db:
            return await remove_document(db, document, now=services.now())

    removed = runtime.run(job)
    if removed is None:
        raise click.ClickException(f"no document {document!r} (see: ldbot policy list)")
    click.echo(f"Removed: {removed.title}")


@policy_group.command("unanswered")
@click.option("--since", help="Only questions asked on or after this date.")
@click.option("--limit", default=30, show_default=True, help="Groups to show.")
@click.pass_obj
def unanswered_command(runtime: Runtime, since: str | None, limit: int) -> None:
    """Questions the bot could not answer (or answered unhelpfully), grouped by similarity."""
    from datetime import UTC, datetime, time

    since_dt = None
    if since:
        day = parse_date(since)
        if day is None:
            raise click.BadParameter(f"not a date: {since!r}", param_hint="--since")
        since_dt = datetime.combine(day, time(0), tzinfo=UTC)

    async def job(services: Services):  # noqa: ANN202 - (groups, off-topic count)
        async with unit_of_work(services.sessions) as db:
            return await unanswered_groups(db, since=since_dt), await off_topic_count(db, since=since_dt)

    groups, off_topic = runtime.run(job)
    if off_topic:
        click.echo(f"({off_topic} question{'s' if off_topic != 1 else ''} outside learning and development "
                   "declined, not listed)")
    if not groups:
        click.echo("No unanswered questions.")
        return
    for g in groups[:limit]:
        parts = []
        if g.unanswered:
            parts.append(f"{g.unanswered} unanswered")
        if g.not_helpful:
            parts.append(f"{g.not_helpful} not helpful")
        if g.handed_off:
            parts.append(f"{g.handed_off} sent to L&D")
        last = g.last_asked.date().isoformat() if g.last_asked else "?"
        click.echo(f"{g.count:>4} × {g.examples[0]}  ({', '.join(parts)}; last {last})")
        for example in g.examples[1:]:
            click.echo(f"       also: {example}")
        if g.nearest:
            click.echo(f"       nearest section: {g.nearest}")


@policy_group.group("synonyms", invoke_without_command=True)
@click.pass_context
def synonyms_group(ctx: click.Context) -> None:
    """Words that mean the same ("boss" ~ "line manager"); built-in ones plus the L&D team's own."""
    if ctx.invoked_subcommand is not None:
        return
    runtime: Runtime = ctx.obj

    async def job(services: Services):
        async with unit_of_work(services.sessions) as db:
            return list(await db.execute(select(PolicySynonym.term, PolicySynonym.means).order_by(PolicySynonym.term)))

    rows = runtime.run(job)
    click.echo("Built in:")
    for group in DEFAULT_GROUPS:
        click.echo("  " + " ~ ".join(group))
    click.echo("Added by the L&D team:" if rows else "Added by the L&D team: none yet (ldbot policy synonyms add TERM MEANING)")
    for term, means in rows:
        click.echo(f"  {term} ~ {means}")


@synonyms_group.command("add")
@click.argument("term")
@click.argument("meaning")
@click.pass_obj
def synonyms_add(runtime: Runtime, term: str, meaning: str) -> None:
    """Treat TERM as meaning MEANING in questions, e.g. add "bluelight" "emergency response driving"."""

    async def job(services: Services) -> None:
        async with unit_of_work(services.sessions) as db:
            # Replace rather than update, so the new id tells every running bot to reload its synonyms.
            await db.execute(delete(PolicySynonym).where(PolicySynonym.term == term.strip().lower()))
            await db.flush()
            db.add(PolicySynonym(term=term.strip().lower(), means=meaning.strip().lower(), added_at=services.now()))

    runtime.run(job)
    click.echo(f"Added: {term} ~ {meaning}")


@synonyms_group.command("remove")
@click.argument("term")
@click.pass_obj
def synonyms_remove(runtime: Runtime, term: str) -> None:
    """Remove a synonym the L&D team added."""

    async def job(services: Services) -> int:
        async with unit_of_work(services.sessions) as db:
            result = await db.execute(delete(PolicySynonym).where(PolicySynonym.term == term.strip().lower()))
            return result.rowcount or 0

    if not runtime.run(job):
        raise click.ClickException(f"no added synonym {term!r}")
    click.echo(f"Removed: {term}")


@click.command("ask")
@click.argument("question", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: answer, confident, citations.")
@click.option("--log", "log", is_flag=True, help="Record the question (and any gap) as a chat question is.")
@click.pass_obj
def ask_command(runtime: Runtime, question: tuple[str, ...], as_json: bool, log: bool) -> None:
    """Ask a policy question as staff would, e.g. ldbot ask "is workplace assessment mandatory?".

    Trying questions from the command line leaves no trace unless --log is given, so the L&D team's
    unanswered list holds what staff really asked."""
    text = " ".join(question)

    async def job(services: Services):  # noqa: ANN202 - (Asked, rendered text)
        async with unit_of_work(services.sessions) as db:
            asked = await ask(db, None, services.at(), question=text, channel="cli", record=log)
        template, context = asked.presentation(in_chat=False)
        return asked, services.catalogue.render(template, context)

    asked, rendered = runtime.run(job)
    if not as_json:
        click.echo(rendered)
        return
    result = asked.answer
    if result.standard is not None:
        answer_text = result.standard.text
    elif result.confident:
        answer_text = "\n".join(result.quote)
    else:
        answer_text = rendered
    payload = {
        "answer": answer_text,
        "confident": bool(result.answered),
        "citations": [c.as_json() for c in result.citations],
    }
    click.echo(json.dumps(payload, ensure_ascii=False))
