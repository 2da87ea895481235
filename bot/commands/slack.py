"""`ldbot manifest slack`: print the Slack app manifest to create the app from."""

from __future__ import annotations

import click


@click.group("manifest")
def manifest_group() -> None:
    """Print or write the app manifest for a chat platform."""


@manifest_group.command("slack")
@click.option("--url", default=None, help="Public https address of `ldbot serve` (events go to URL/slack/events).")
@click.option("--socket-mode", is_flag=True, help="For Socket Mode: no request URLs, socket_mode_enabled true.")
@click.option("--name", default="ldbot", show_default=True, help="The app's name in Slack.")
def manifest_slack(url: str | None, socket_mode: bool, name: str) -> None:
    """Print a Slack app manifest (YAML) with the scopes, events, /ld command and App Home ldbot uses."""
    from bot.slack.manifest import manifest_yaml

    if url is not None and not url.startswith("https://"):
        raise click.BadParameter("Slack needs an https:// address", param_hint="--url")
    click.echo(manifest_yaml(url=url, socket_mode=socket_mode, name=name), nl=False)


COMMANDS = [manifest_group]
