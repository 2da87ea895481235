"""`ldbot serve`: one aiohttp process for Slack's and Teams' endpoints, the web console, health, and background work."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import text

from bot.core import Bot
from bot.platforms import PlatformPlugin
from bot.web.app import mount as mount_web_console

log = logging.getLogger("ldbot.server")

BOT_KEY = web.AppKey("bot", Bot)


async def healthz(request: web.Request) -> web.Response:
    bot = request.app[BOT_KEY]
    try:
        async with bot.services.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # the database is down or unreachable
        log.warning("health check: database unavailable")
        return web.json_response({"status": "unavailable", "database": "down"}, status=503)
    return web.json_response({"status": "ok", "database": "up"})


async def build_app(bot: Bot, plugins: list[PlatformPlugin], *, web_console: bool = True) -> web.Application:
    # Large enough for the web console's uploads (policy documents, spreadsheets: 10 MB).
    app = web.Application(client_max_size=11 * 1024 * 1024)
    app[BOT_KEY] = bot
    app.router.add_get("/healthz", healthz)
    for plugin in plugins:
        await plugin.mount(app, bot)
    if web_console:
        await mount_web_console(app, bot)
    return app
