"""`ldbot manifest slack|teams`: what an admin needs to create the app on each chat platform."""

from __future__ import annotations

from pathlib import Path

import click

from bot.slack.manifest import manifest_yaml
from bot.teams.manifest import ManifestError, placeholders, write_package


@click.group("manifest")
def manifest_group() -> None:
    """Print or write the app manifest for a chat platform."""


@manifest_group.command("slack")
@click.option("--url", default=None, help="Public https address of `ldbot serve` (events go to URL/slack/events).")
@click.option("--socket-mode", is_flag=True, help="For Socket Mode: no request URLs, socket_mode_enabled true.")
@click.option("--name", default="ldbot", show_default=True, help="The app's name in Slack.")
def manifest_slack(url: str | None, socket_mode: bool, name: str) -> None:
    """Print a Slack app manifest (YAML) with the scopes, events, /ld command and App Home ldbot uses."""
    if url is not None and not url.startswith("https://"):
        raise click.BadParameter("Slack needs an https:// address", param_hint="--url")
    click.echo(manifest_yaml(url=url, socket_mode=socket_mode, name=name), nl=False)



@manifest_group.command("teams")
@click.option("--app-id", required=True, help="The Azure Bot's Microsoft App ID (MICROSOFT_APP_ID), a GUID.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("ldbot-teams.zip"),
              show_default=True, help="Where to write the zip.")
@click.option("--version", "app_version", default="1.0.0", show_default=True,
              help="The app's version; raise it for every upload after the first.")
@click.option("--domain", "domains", multiple=True, help="Host name ldbot is served from (repeatable).")
@click.option("--developer", default="ldbot", show_default=True, help="Your organisation's name.")
@click.option("--website-url", default="https://www.example.org/ldbot", show_default=True)
@click.option("--privacy-url", default="https://www.example.org/ldbot/privacy", show_default=True)
@click.option("--terms-url", default="https://www.example.org/ldbot/terms", show_default=True)
def manifest_teams(
    app_id: str, out: Path, app_version: str, domains: tuple[str, ...], developer: str,
    website_url: str, privacy_url: str, terms_url: str,
) -> None:
    """Write a Teams app package: upload it in Teams admin center (Manage apps → Upload new app)."""
    try:
        write_package(
            out, app_id, version=app_version, developer=developer, website_url=website_url,
            privacy_url=privacy_url, terms_url=terms_url, domains=domains,
        )
    except ManifestError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Wrote {out} (manifest.json, color.png 192x192, outline.png 32x32) for app {app_id.lower()}")
    stale = placeholders(website=website_url, privacy=privacy_url, terms=terms_url)
    if stale:
        click.echo(f"Warning: the {', '.join(stale)} URL(s) are still the example ones; Teams shows them to "
                   "everyone who installs the app. Pass --website-url, --privacy-url and --terms-url.", err=True)
    if developer == "ldbot":
        click.echo("Warning: --developer is still 'ldbot'; give your service's name.", err=True)
    if not domains:
        click.echo("Note: no --domain given, so validDomains is empty (fine for the bot alone; add the host "
                   "`ldbot serve` is reached at to link to it from messages).", err=True)

