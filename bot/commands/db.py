"""`ldbot db upgrade|current`: database migrations."""

from __future__ import annotations

import click

from bot.runtime import settings_or_exit
from storage.migrate import current_heads, script_heads, upgrade


@click.group("db")
def db_group() -> None:
    """Database migrations."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration the database has not had yet."""
    settings = settings_or_exit()
    upgrade(settings.database_url)
    click.echo(f"Database is up to date ({', '.join(sorted(script_heads()))}).")


@db_group.command("current")
def db_current() -> None:
    """Show the database's migration revision."""
    settings = settings_or_exit()
    heads = current_heads(settings.database_url)
    click.echo(", ".join(sorted(heads)) or "empty (run: ldbot db upgrade)")


COMMANDS = [db_group]
