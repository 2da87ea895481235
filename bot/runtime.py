"""Opening the bot for a command-line process: settings, migrations, services — as one `Runtime` object.

The `ldbot` group builds one Runtime (bot/app.py knows the units and platforms) and hands it to every
command as click's context object, so a unit's command-line module asks for it (`@click.pass_obj`)
instead of importing the code that assembles the whole bot.
"""

from __future__ import annotations

import asyncio
import getpass
import signal
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.catalogue import TEMPLATE_DIR, Catalogue
from bot.clock import Clock, system_clock
from bot.logs import configure_logging
from bot.services import Services
from bot.settings import Settings, SettingsError, load_settings
from storage.schema import ensure_current

T = TypeVar("T")


@dataclass
class Runtime:
    template_roots: Sequence[Path] = (TEMPLATE_DIR,)
    # The outbox deliverers of the platforms configured in these settings (bot/platforms.py).
    deliverers: Callable[[Services], list[Any]] = lambda _services: []
    # Each unit's template folder -> its capability, so templates can be listed grouped by capability.
    capabilities: Mapping[Path, str] = field(default_factory=dict)
    clock: Clock = system_clock
    # A long-running service (`ldbot serve`, `ldbot worker`) logs at LDBOT_LOG_LEVEL, INFO unless set; any
    # other command (chat, ask, imports) prints its answer on the terminal, so it logs warnings only unless
    # LDBOT_LOG_LEVEL is set.
    service: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        """The settings, read once; reading them also sets up logging (bot/logs.py) at LDBOT_LOG_LEVEL, so
        every command that needs the settings (serve, worker, chat, the units' commands) logs the same way."""
        if self._settings is None:
            try:
                self._settings = load_settings()
            except SettingsError as exc:
                raise click.ClickException(str(exc)) from None
            configure_logging(self.log_level())
        return self._settings

    def log_level(self) -> str:
        settings = self.settings()
        if not self.service and "log_level" not in settings.model_fields_set:
            return "WARNING"
        return settings.log_level

    def open_services(self, *, migrate: bool = True) -> Services:
        settings = self.settings()
        if migrate:
            ensure_current(settings.database_url)
        catalogue = Catalogue(self.template_roots, capabilities=self.capabilities)
        return Services.create(settings, catalogue=catalogue, clock=self.clock)

    def run(self, fn: Callable[[Services], Awaitable[T]], *, migrate: bool = True) -> T:
        """Run one async job with fresh services, closing the engine afterwards."""

        async def main() -> T:
            services = self.open_services(migrate=migrate)
            try:
                return await fn(services)
            finally:
                await services.close()

        return asyncio.run(main())

    def platform_deliverers(self, services: Services) -> list[Any]:
        try:
            return self.deliverers(services)
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from None


def operator_account() -> str:
    """The operating-system account running a command: the "who" when the command line opens a record."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database (some containers)
        return "unknown"


async def until_stopped() -> None:
    """Wait for SIGINT or SIGTERM, so long-running commands shut down cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
