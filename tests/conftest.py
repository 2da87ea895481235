"""Test databases: SQLite always, PostgreSQL too when LDBOT_TEST_DATABASE_URL is set.

Each back end gets a brand-new database built by the real Alembic migrations once per session, and
every test starts from empty tables, so nothing depends on what an earlier run left behind.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.catalogue import Catalogue
from bot.clock import SettableClock
from bot.services import Services
from bot.settings import load_settings
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import Base

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("LDBOT_TEST_DATABASE_URL") else [])
# A Tuesday, not a bank holiday, in the morning UK time.
DEFAULT_NOW = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "ldbot-test.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url)
        yield url
        return
    base = make_url(os.environ["LDBOT_TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    name = f"ldbot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(DEFAULT_NOW)


@pytest.fixture
async def services(database_url: str, clock: SettableClock) -> AsyncIterator[Services]:
    settings = load_settings(database_url=database_url, _env_file=None)
    engine = make_engine(settings.database_url)
    async with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(table.delete())
    svc = Services(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        catalogue=Catalogue(refresh_seconds=0),
        clock=clock,
    )
    yield svc
    await engine.dispose()
