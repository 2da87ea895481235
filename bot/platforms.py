"""Which chat platforms this process serves, decided from the settings alone.

Each platform package (bot/slack, bot/teams) exposes a module `platform` with a PLATFORM object that
follows `PlatformPlugin`. A platform whose settings are all absent is simply off; one with only some of
its settings is a configuration mistake and stops the server with a clear message.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

from bot.settings import Settings

if TYPE_CHECKING:
    from aiohttp import web

    from bot.core import Bot
    from bot.services import Services
    from scheduler.outbox import Deliverer

PLATFORM_MODULES: tuple[str, ...] = ("bot.slack.platform", "bot.teams.platform")


class PlatformPlugin(Protocol):
    name: str

    def configured(self, settings: Settings) -> bool:
        """True when any of this platform's settings is present."""
        ...

    def check(self, settings: Settings) -> None:
        """Raise SettingsError when the platform is half-configured."""
        ...

    async def mount(self, app: web.Application, bot: Bot) -> None:
        """Add this platform's HTTP routes (and start/stop hooks) to the shared aiohttp app."""
        ...

    def deliverer(self, services: Services) -> Deliverer:
        """What the outbox sender uses to reach a person on this platform."""
        ...


def all_plugins() -> list[PlatformPlugin]:
    return [importlib.import_module(m).PLATFORM for m in PLATFORM_MODULES]


def enabled_plugins(settings: Settings) -> list[PlatformPlugin]:
    enabled = []
    for plugin in all_plugins():
        if plugin.configured(settings):
            plugin.check(settings)
            enabled.append(plugin)
    return enabled
