"""Opening the bot for a command-line process: settings, migrations, services, the core."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from bot.clock import Clock, system_clock
from bot.services import Services
from bot.settings import Settings, SettingsError, load_settings
from storage.migrate import upgrade

T = TypeVar("T")


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def open_services(*, migrate: bool = True, clock: Clock = system_clock) -> Services:
    settings = settings_or_exit()
    if migrate:
        upgrade(settings.database_url)
    return Services.create(settings, clock=clock)


def run(fn: Callable[[Services], Awaitable[T]], *, migrate: bool = True) -> T:
    """Run one async job with fresh services, closing the engine afterwards."""

    async def main() -> T:
        services = open_services(migrate=migrate)
        try:
            return await fn(services)
        finally:
            await services.close()

    return asyncio.run(main())


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")


async def until_stopped() -> None:
    """Wait for SIGINT or SIGTERM, so long-running commands shut down cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
