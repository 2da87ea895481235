"""Is the database at the newest migration? Answered without importing Alembic, which most commands never need.

Every command-line process checks this once at start (`ldbot ask` included), so it must cost one small
query, not Alembic's import time; only when the answer is "no" is Alembic loaded to upgrade.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

VERSIONS = Path(__file__).with_name("migrations") / "versions"
_REVISION = re.compile(r"""^(revision|down_revision)(?:: [^=]+)? = ['"]([^'"]*)['"]""", re.M)


def head_revision() -> str:
    """The newest migration's id, read from the version files themselves (no Alembic import)."""
    revisions: dict[str, str | None] = {}
    for path in VERSIONS.glob("*.py"):
        found = dict(_REVISION.findall(path.read_text("utf-8")))
        if "revision" in found:
            revisions[found["revision"]] = found.get("down_revision")
    heads = set(revisions) - set(revisions.values())
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def ensure_current(url: str) -> None:
    """Upgrade the database unless it is at the newest migration already: one cheap query per process
    start when nothing has changed, which is what every `ldbot ask` pays."""
    engine = create_engine(url.replace("sqlite+aiosqlite://", "sqlite://"))
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
        from storage.migrate import upgrade  # Alembic, only when there is something to do

        upgrade(url)
