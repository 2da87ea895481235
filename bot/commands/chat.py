"""`ldbot chat` and `ldbot demo`: the console adapter from the command line."""

from __future__ import annotations

import asyncio
import sys

import click

from bot.console import run_console
from bot.core import Bot
from bot.runtime import open_services

DEMO_USER = "alex.morgan@northvale-fire.example"


async def _chat(email: str, *, seed: bool) -> int:
    services = open_services()
    try:
        if seed:
            from storage.demo import load_everything

            await load_everything(services)
        bot = Bot(services)
        code = await run_console(bot, email)
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
def chat(email: str) -> None:
    """Chat with the bot in the terminal (pipe lines in to script it)."""
    sys.exit(asyncio.run(_chat(email, seed=False)))


@click.command("demo")
@click.option("--user", "email", default=DEMO_USER, show_default=True, help="Sample person to chat as.")
def demo(email: str) -> None:
    """Load the sample fire and rescue service (once) and chat as one of its staff."""
    sys.exit(asyncio.run(_chat(email, seed=True)))


COMMANDS = [chat, demo]
