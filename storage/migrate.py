"""Programmatic Alembic: `ldbot db upgrade`, the demo and the server all migrate the same way."""

from __future__ import annotations

import re
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

MIGRATIONS = Path(__file__).with_name("migrations")


def sync_url(url: str) -> str:
    """Alembic runs synchronously; aiosqlite's URL maps to the stdlib driver, psycopg does both."""
    return url.replace("sqlite+aiosqlite://", "sqlite://")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def current_heads(url: str) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def script_heads() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def head_revision() -> str:
    """The newest migration's id, read from the version files themselves (no Alembic import)."""
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(re.findall(r"^(revision|down_revision)(?:: [^=]+)? = ['\"]([^'\"]*)['\"]", path.read_text("utf-8"), re.M))
        if "revision" in found:
            revisions[found["revision"]] = found.get("down_revision")
    heads = set(revisions) - set(revisions.values())
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def ensure_current(url: str) -> None:
    """Upgrade the database unless it is at the newest migration already: one cheap query per process
    start when nothing has changed, which is what every `ldbot ask` pays."""
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            try:
                current = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
            except OperationalError:
                current = []
            except ProgrammingError:  # PostgreSQL: no such table yet
                current = []
    finally:
        engine.dispose()
    if current != [head_revision()]:
        upgrade(url)
