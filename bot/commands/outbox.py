"""`ldbot outbox list|retry|drop`: what the bot is sending, and what an admin can do about parked messages.

Parked messages are those the sender gave up on after hours of back-off, or that could not reach anyone;
`retry` puts them back in the queue (due now), `drop` gives up on them for good (kept, marked dropped).
"""

from __future__ import annotations

import json

import click
from sqlalchemy import func, select, update

from bot.runtime import Runtime
from bot.services import Services
from storage.db import unit_of_work
from storage.models import OutgoingMessage, Person

STATUSES = ("pending", "parked", "delivered", "cancelled", "dropped")


@click.group("outbox")
def outbox_group() -> None:
    """Messages the bot started: list, retry or drop parked ones."""


@outbox_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), default="parked", show_default=True)
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_obj
def list_command(runtime: Runtime, status: str, limit: int, as_json: bool) -> None:
    """Messages in one state, oldest first, with who they are for and the last error."""

    async def job(services: Services):  # noqa: ANN202 - (counts, rows)
        async with services.sessions() as db:
            counts = dict((await db.execute(
                select(OutgoingMessage.status, func.count()).group_by(OutgoingMessage.status)
            )).all())
            rows = (await db.execute(
                select(OutgoingMessage.id, OutgoingMessage.kind, OutgoingMessage.attempts, OutgoingMessage.deferrals,
                       OutgoingMessage.last_error, OutgoingMessage.created_at, Person.email)
                .join(Person, Person.id == OutgoingMessage.recipient_id)
                .where(OutgoingMessage.status == status)
                .order_by(OutgoingMessage.id)
                .limit(limit)
            )).all()
        return counts, rows

    counts, rows = runtime.run(job)
    if as_json:
        click.echo(json.dumps({
            "counts": {s: counts.get(s, 0) for s in STATUSES},
            "messages": [
                {"id": r.id, "kind": r.kind, "recipient": r.email, "attempts": r.attempts, "deferrals": r.deferrals,
                 "last_error": r.last_error, "created_at": r.created_at.isoformat()}
                for r in rows
            ],
        }, indent=2))
        return
    click.echo(", ".join(f"{s} {counts.get(s, 0)}" for s in STATUSES))
    for r in rows:
        click.echo(f"{r.id:>6}  {r.kind:<18} {r.email:<40} attempts {r.attempts}  {r.last_error or ''}")


def _ids(ids: tuple[int, ...], every: bool) -> None:
    if not ids and not every:
        raise click.UsageError("name message ids, or --all-parked")


@outbox_group.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-parked", "every", is_flag=True, help="Every parked message.")
@click.pass_obj
def retry_command(runtime: Runtime, ids: tuple[int, ...], every: bool) -> None:
    """Put parked messages back in the queue, due now, with their failures forgotten."""
    _ids(ids, every)

    async def job(services: Services) -> int:
        async with unit_of_work(services.sessions) as db:
            chosen = OutgoingMessage.status == "parked"
            if not every:
                chosen = chosen & OutgoingMessage.id.in_(ids)
            result = await db.execute(
                update(OutgoingMessage).where(chosen).values(
                    status="pending", attempts=0, next_attempt_at=services.now(), claimed_until=None,
                    claim_token=None,
                )
            )
            return result.rowcount or 0

    click.echo(f"{runtime.run(job)} message(s) queued again.")


@outbox_group.command("drop")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-parked", "every", is_flag=True, help="Every parked message.")
@click.pass_obj
def drop_command(runtime: Runtime, ids: tuple[int, ...], every: bool) -> None:
    """Give up on parked messages (they stay on record, marked dropped)."""
    _ids(ids, every)

    async def job(services: Services) -> int:
        async with unit_of_work(services.sessions) as db:
            chosen = OutgoingMessage.status == "parked"
            if not every:
                chosen = chosen & OutgoingMessage.id.in_(ids)
            result = await db.execute(update(OutgoingMessage).where(chosen).values(status="dropped"))
            return result.rowcount or 0

    click.echo(f"{runtime.run(job)} message(s) dropped.")
