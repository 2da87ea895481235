"""Slack as a platform plugin: on when its settings are present, an error when only half of them are."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from aiohttp import web

    from bot.core import Bot
    from bot.services import Services
    from scheduler.outbox import Deliverer

log = logging.getLogger("ldbot.slack")

EVENTS_PATH = "/slack/events"


class SlackPlatform:
    name = "slack"

    def configured(self, settings: Settings) -> bool:
        return any((settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token))

    def check(self, settings: Settings) -> None:
        if not settings.slack_bot_token:
            raise SettingsError(
                "Slack is half-configured: SLACK_BOT_TOKEN is missing (the bot token, starting xoxb-); "
                "set it, or remove the other SLACK_ settings to run without Slack"
            )
        if not settings.slack_signing_secret and not settings.slack_app_token:
            raise SettingsError(
                "Slack is half-configured: SLACK_SIGNING_SECRET is missing (Basic Information → App "
                "Credentials), or set SLACK_APP_TOKEN to use Socket Mode instead"
            )
        if settings.slack_bot_token and not settings.slack_bot_token.startswith("xox"):
            raise SettingsError("SLACK_BOT_TOKEN does not look like a Slack token (it starts xoxb-)")
        if settings.slack_app_token and not settings.slack_app_token.startswith("xapp-"):
            raise SettingsError("SLACK_APP_TOKEN does not look like an app-level token (it starts xapp-)")

    async def mount(self, app: web.Application, bot: Bot) -> None:
        from bot.slack.app import SLACK_ADAPTER, adapter_for

        settings = bot.services.settings
        adapter = adapter_for(bot, settings)
        app[SLACK_ADAPTER] = adapter
        if settings.slack_signing_secret:
            app.router.add_post(EVENTS_PATH, adapter.handle_http)
        else:
            log.warning("SLACK_SIGNING_SECRET not set: %s is off; use `ldbot serve --socket-mode`", EVENTS_PATH)

        async def finish_work(_app: web.Application) -> None:
            await adapter.close()

        app.on_shutdown.append(finish_work)

    def deliverer(self, services: Services) -> Deliverer:
        from bot.slack.app import web_client
        from bot.slack.deliver import SlackDeliverer

        return SlackDeliverer(web_client(services.settings, wait_out_rate_limits=False))


PLATFORM = SlackPlatform()
