"""`ldbot chat` and `ldbot demo`: the console adapter from the command line."""

from __future__ import annotations

import asyncio
import sys

import click

from bot.app import make_bot
from bot.console import run_console
from bot.runtime import Runtime
from handlers.people.sample import load_everything

DEMO_USER = "alex.morgan@northvale-fire.example"


async def _chat(runtime: Runtime, email: str, *, seed: bool) -> int:
    services = runtime.open_services()
    try:
        if seed:
            await load_everything(services.sessions, services.today())
        code = await run_console(make_bot(services), email)
        if code == 2:
            click.echo(
                f"Error: nobody with the email {email!r} is in the organisation. Add people with "
                "`ldbot org import people.csv` (or load the sample with `ldbot seed --sample`).",
                err=True,
            )
        return code
    finally:
        await services.close()


@click.command("chat")
@click.option("--user", "email", required=True, help="Email of the person you are chatting as.")
@click.pass_obj
def chat(runtime: Runtime, email: str) -> None:
    """Chat with the bot in the terminal (pipe lines in to script it)."""
    sys.exit(_run(_chat(runtime, email, seed=False)))


@click.command("demo")
@click.option("--user", "email", default=DEMO_USER, show_default=True, help="Sample person to chat as.")
@click.pass_obj
def demo(runtime: Runtime, email: str) -> None:
    """Load the sample fire and rescue service (once) and chat as one of its staff."""
    sys.exit(_run(_chat(runtime, email, seed=True)))


def _run(chatting) -> int:  # noqa: ANN001 - the chat coroutine
    """Ctrl-C (or Ctrl-D) ends the chat quietly: what was confirmed is saved, a half-done form is not."""
    try:
        return asyncio.run(chatting)
    except KeyboardInterrupt:
        click.echo("\nBye — anything you didn't confirm was not saved.")
        return 0
