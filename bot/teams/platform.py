"""Microsoft Teams as a platform plugin: on when MICROSOFT_APP_ID is set (or LDBOT_TEAMS_ENABLED=1 for
local testing without authentication), serving the Bot Framework endpoint POST /api/messages.

botbuilder is imported lazily, so a process without Teams never loads it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from bot.core import Bot
    from bot.services import Services
    from scheduler.outbox import Deliverer

log = logging.getLogger("ldbot.teams")

ENDPOINT = "/api/messages"


class TeamsPlatform:
    name = "teams"

    def configured(self, settings: Settings) -> bool:
        return bool(
            settings.teams_enabled
            or settings.microsoft_app_id
            or settings.microsoft_app_password
            or settings.microsoft_app_tenant_id
        )

    def check(self, settings: Settings) -> None:
        app_id, password, tenant = (
            settings.microsoft_app_id, settings.microsoft_app_password, settings.microsoft_app_tenant_id
        )
        kind = settings.microsoft_app_type
        if not app_id:
            if password or tenant:
                raise SettingsError(
                    "Teams is half-configured: MICROSOFT_APP_PASSWORD or MICROSOFT_APP_TENANT_ID is set but "
                    "MICROSOFT_APP_ID is not (the Azure Bot's Microsoft App ID)"
                )
            return  # LDBOT_TEAMS_ENABLED=1 alone: local testing, authentication off
        if kind in ("SingleTenant", "MultiTenant") and not password:
            raise SettingsError(
                f"Teams is half-configured: MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not "
                f"(the client secret of the {kind} app registration)"
            )
        if kind in ("SingleTenant", "UserManagedIdentity") and not tenant:
            raise SettingsError(
                f"Teams is half-configured: MICROSOFT_APP_TYPE={kind} needs MICROSOFT_APP_TENANT_ID "
                "(your Microsoft Entra tenant id)"
            )
        if not settings.allowed_teams_tenants():
            raise SettingsError(
                "MICROSOFT_APP_TYPE=MultiTenant lets people from any Microsoft tenant reach the bot: set "
                "LDBOT_TEAMS_TENANTS to the tenant ids whose people may use it (comma-separated)"
            )

    async def mount(self, app: web.Application, bot: Bot) -> None:
        from bot.teams.sdk import TeamsEndpoint

        settings = bot.services.settings
        if settings.microsoft_app_id:
            log.info("Teams on: %s accepts Bot Framework requests for app %s", ENDPOINT, settings.microsoft_app_id)
        else:
            if not settings.allowed_teams_tenants():
                log.warning("Teams accepts activities from any tenant: set LDBOT_TEAMS_TENANTS to limit them")
            log.warning(
                "Teams AUTHENTICATION IS OFF: MICROSOFT_APP_ID is not set, so %s accepts requests from anyone. "
                "Use this only for local testing (LDBOT_TEAMS_ENABLED=1).",
                ENDPOINT,
            )
        app.router.add_post(ENDPOINT, TeamsEndpoint(bot).handle)

    def deliverer(self, services: Services) -> Deliverer:
        from bot.teams.sdk import TeamsDeliverer, make_adapter

        return TeamsDeliverer(services, make_adapter(services.settings))


PLATFORM = TeamsPlatform()
