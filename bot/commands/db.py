"""`ldbot db upgrade|current`: database migrations."""

from __future__ import annotations

import click

from bot.runtime import Runtime
from storage.migrate import current_heads, script_heads, upgrade


@click.group("db")
def db_group() -> None:
    """Database migrations."""


@db_group.command("upgrade")
@click.pass_obj
def db_upgrade(runtime: Runtime) -> None:
    """Apply every migration the database has not had yet."""
    upgrade(runtime.settings().database_url)
    click.echo(f"Database is up to date ({', '.join(sorted(script_heads()))}).")


@db_group.command("current")
@click.pass_obj
def db_current(runtime: Runtime) -> None:
    """Show the database's migration revision."""
    heads = current_heads(runtime.settings().database_url)
    click.echo(", ".join(sorted(heads)) or "empty (run: ldbot db upgrade)")
