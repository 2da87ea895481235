"""`ldbot outbox list|retry|drop`: what the bot is sending, and what an admin can do about parked messages.

Parked messages are those the sender gave up on after hours of back-off, or that could not reach anyone;
`retry` puts them back in the queue (due now), `drop` gives up on them for good (kept, marked dropped).
The command line acts for the service (actor None), through the same use cases as the web console.
"""

from __future__ import annotations

import json

import click

from bot.runtime import Runtime
from bot.services import Services
from bot.usecase import Refused, run_use_case
from handlers.delivery.usecases import (
    MAX_LIMIT,
    MAX_NAMED,
    STATUSES,
    Handled,
    MessageList,
    drop_parked,
    list_messages,
    retry_parked,
)

REFUSALS = {
    "nothing_chosen": "name message ids, or --all-parked",
    "ids_and_every": "name message ids or --all-parked, not both",
    "too_many": f"name at most {MAX_NAMED} ids at a time (or --all-parked)",
}


@click.group("outbox")
def outbox_group() -> None:
    """Messages the bot started: list, retry or drop parked ones."""


@outbox_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), default="parked", show_default=True)
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_obj
def list_command(runtime: Runtime, status: str, limit: int, as_json: bool) -> None:
    """Messages in one state, oldest first, with who they are for and the last error."""

    async def job(services: Services) -> MessageList:
        return await run_use_case(services, list_messages, None, status=status, limit=limit)

    found = runtime.run(job)
    if as_json:
        click.echo(json.dumps({
            "counts": found.counts,
            "messages": [
                {"id": m.id, "kind": m.kind, "recipient": m.email, "attempts": m.attempts, "deferrals": m.deferrals,
                 "last_error": m.last_error, "created_at": m.created_at.isoformat()}
                for m in found.messages
            ],
        }, indent=2))
        return
    click.echo(", ".join(f"{s} {n}" for s, n in found.counts.items()))
    for m in found.messages:
        click.echo(f"{m.id:>6}  {m.kind:<18} {m.email:<40} attempts {m.attempts}  {m.last_error or ''}")
    if found.more:
        click.echo(f"(the first {limit}; --limit shows more)")


def _handle(runtime: Runtime, use_case, ids: tuple[int, ...], every: bool) -> Handled:  # noqa: ANN001 - a use case
    async def job(services: Services) -> Handled:
        return await run_use_case(services, use_case, None, ids=ids, every=every)

    try:
        handled = runtime.run(job)
    except Refused as refused:
        raise click.UsageError(REFUSALS.get(refused.reason, refused.reason)) from None
    if handled.not_parked:
        click.echo("Not parked, so left as they are: " + ", ".join(map(str, handled.not_parked)) + ".")
    return handled


@outbox_group.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-parked", "every", is_flag=True, help="Every parked message.")
@click.pass_obj
def retry_command(runtime: Runtime, ids: tuple[int, ...], every: bool) -> None:
    """Put parked messages back in the queue, due now, with their failures forgotten."""
    click.echo(f"{len(_handle(runtime, retry_parked, ids, every).changed)} message(s) queued again.")


@outbox_group.command("drop")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-parked", "every", is_flag=True, help="Every parked message.")
@click.pass_obj
def drop_command(runtime: Runtime, ids: tuple[int, ...], every: bool) -> None:
    """Give up on parked messages (they stay on record, marked dropped)."""
    click.echo(f"{len(_handle(runtime, drop_parked, ids, every).changed)} message(s) dropped.")
