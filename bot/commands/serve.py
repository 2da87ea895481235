"""`ldbot serve` (Slack's and Teams' endpoints, the web console, health, jobs and the outbox, in one process) and
`ldbot worker` (the jobs and the outbox alone)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import click
from aiohttp import web

from bot.app import make_bot
from bot.platforms import enabled_plugins
from bot.runtime import Runtime, until_stopped
from bot.server import build_app
from bot.services import Services
from bot.settings import SettingsError
from bot.slack.app import start_socket_mode
from handlers.units import UNITS
from scheduler.jobs import Jobs
from scheduler.outbox import OutboxSender

log = logging.getLogger("ldbot.serve")


class Background:
    """The units' scheduled jobs and the outbox sender, started and stopped together."""

    def __init__(self, services: Services, deliverers: list) -> None:
        self.jobs = Jobs(services, [job for unit in UNITS for job in unit.jobs])
        self.sender = OutboxSender(services, deliverers)
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self.jobs.start()
        if self.sender.deliverers:
            self._task = asyncio.ensure_future(self.sender.run())

    async def stop(self) -> None:
        await self.jobs.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def _serve(runtime: Runtime, host: str | None, port: int | None, socket_mode: bool) -> None:
    services = runtime.open_services()
    if port and port != services.settings.port:  # links to the web console name the port actually served
        services.settings = services.settings.model_copy(update={"port": port})
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
    bot = make_bot(services)
    names = [p.name for p in plugins]
    click.echo(f"ldbot: platforms on: {', '.join(names) if names else 'none (health and console only)'}")
    try:
        app = await build_app(bot, plugins)
    except SettingsError as exc:  # the web console's settings (LDBOT_WEB_*, LDBOT_OIDC_*)
        await services.close()
        raise click.ClickException(str(exc)) from None
    background = Background(services, [p.deliverer(services) for p in plugins])
    background.start()
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, host or settings.listen_host(), port or settings.port)
    await site.start()
    click.echo(f"ldbot: listening on http://{host or settings.listen_host()}:{port or settings.port} (GET /healthz)")
    click.echo(f"ldbot: web console at {settings.public_base_url}/admin (sign in: type 'web' to the bot, "
               "or ldbot admin link --user EMAIL)")
    socket_handler = None
    if socket_mode:
        socket_handler = await start_socket_mode(bot, settings)
        click.echo("ldbot: Slack Socket Mode connected")
    try:
        await until_stopped()
    finally:
        await background.stop()
        if socket_handler is not None:
            await socket_handler.close_async()
        await runner.cleanup()
        await services.close()


@click.command("serve")
@click.option("--host", default=None, help="Interface to listen on (LDBOT_HOST).")
@click.option("--port", type=int, default=None, help="Port to listen on (LDBOT_PORT).")
@click.option("--socket-mode", is_flag=True, help="Use Slack Socket Mode (needs SLACK_APP_TOKEN).")
@click.pass_obj
def serve(runtime: Runtime, host: str | None, port: int | None, socket_mode: bool) -> None:
    """Serve Slack and Teams endpoints, health, background jobs and the outbox."""
    runtime.service = True
    runtime.settings()  # read once: a bad value stops here, and logging is set up at LDBOT_LOG_LEVEL
    asyncio.run(_serve(runtime, host, port, socket_mode))


async def _work(runtime: Runtime) -> None:
    services = runtime.open_services()
    try:
        plugins = enabled_plugins(services.settings)
    except SettingsError as exc:
        await services.close()
        raise click.ClickException(str(exc)) from None
    background = Background(services, [p.deliverer(services) for p in plugins])
    background.start()
    names = ", ".join(p.name for p in plugins) or "none (messages wait in the outbox)"
    click.echo(f"ldbot worker: jobs {', '.join(j.id for u in UNITS for j in u.jobs)}; outbox platforms: {names}")
    try:
        await until_stopped()
    finally:
        await background.stop()
        await services.close()


@click.command("worker")
@click.pass_obj
def worker(runtime: Runtime) -> None:
    """Run the scheduled jobs and the outbox sender without web endpoints."""
    runtime.service = True
    runtime.settings()  # read once: a bad value stops here, and logging is set up at LDBOT_LOG_LEVEL
    asyncio.run(_work(runtime))
