"""Migrations: the models and the migration history describe the same schema, up and down, on each back end."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from storage.db import scratch_postgres
from storage.migrate import current_heads, downgrade, script_heads, sync_url, upgrade
from storage.models import Base

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("LDBOT_TEST_DATABASE_URL") else [])


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
        return
    with scratch_postgres(os.environ["LDBOT_TEST_DATABASE_URL"], "ldbot_mig") as url:
        yield url


def _ignorable(diff: tuple) -> bool:
    # FTS/search helpers live outside the ORM metadata (virtual tables, generated columns, triggers).
    kind = diff[0]
    if kind == "remove_table":
        return diff[1].name.startswith(("policy_sections_fts", "policy_fts"))
    if kind in ("remove_index", "remove_column"):
        obj = diff[1] if kind == "remove_index" else diff[3]
        name = getattr(obj, "name", "") or ""
        return "fts" in name or "tsv" in name or "search" in name
    return False


def test_upgrade_matches_models_and_downgrade_removes_everything(empty_database: str):
    upgrade(empty_database)
    assert current_heads(empty_database) == script_heads()
    engine = create_engine(sync_url(empty_database))
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert [d for d in diff if not _ignorable(d if isinstance(d, tuple) else d[0])] == []
        downgrade(empty_database)
        left = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert left == set()
        upgrade(empty_database)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
