"""`ldbot serve`: Slack's and Teams' endpoints, health, and the background jobs, in one process."""

from __future__ import annotations

import asyncio
import logging

import click
from aiohttp import web

from bot.core import Bot
from bot.platforms import enabled_plugins
from bot.runtime import configure_logging, open_services, until_stopped
from bot.server import build_app
from bot.settings import SettingsError
from scheduler.jobs import build_scheduler

log = logging.getLogger("ldbot.serve")


async def _serve(host: str | None, port: int | None, socket_mode: bool) -> None:
    services = open_services()
    settings = services.settings
    if socket_mode and not (settings.slack_app_token and settings.slack_bot_token):
        await services.close()
        raise click.ClickException(
            "Socket Mode needs SLACK_APP_TOKEN (an app-level token, xapp-...) and SLACK_BOT_TOKEN."
        )
    try:
        plugins = enabled_plugins(settings)
    except SettingsError as exc:
        await services.close()
        raise click.ClickException(str(exc)) from None
    bot = Bot(services)
    names = [p.name for p in plugins]
    click.echo(f"ldbot: platforms on: {', '.join(names) if names else 'none (health and console only)'}")
    app = await build_app(bot, plugins)
    deliverers = [p.deliverer(bot) for p in plugins]
    scheduler = build_scheduler(bot, deliverers)
    scheduler.start()
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, host or settings.host, port or settings.port)
    await site.start()
    click.echo(f"ldbot: listening on http://{host or settings.host}:{port or settings.port} (GET /healthz)")
    socket_handler = None
    if socket_mode:
        from bot.slack.app import start_socket_mode

        socket_handler = await start_socket_mode(bot, settings)
        click.echo("ldbot: Slack Socket Mode connected")
    try:
        await until_stopped()
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if socket_handler is not None:
            await socket_handler.close_async()
        await runner.cleanup()
        await services.close()


@click.command("serve")
@click.option("--host", default=None, help="Interface to listen on (LDBOT_HOST).")
@click.option("--port", type=int, default=None, help="Port to listen on (LDBOT_PORT).")
@click.option("--socket-mode", is_flag=True, help="Use Slack Socket Mode (needs SLACK_APP_TOKEN).")
def serve(host: str | None, port: int | None, socket_mode: bool) -> None:
    """Serve Slack and Teams endpoints, health and background jobs."""
    configure_logging()
    asyncio.run(_serve(host, port, socket_mode))


COMMANDS = [serve]
