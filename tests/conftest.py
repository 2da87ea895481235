"""Test databases: SQLite always, PostgreSQL too when LDBOT_TEST_DATABASE_URL is set.

Each back end gets a brand-new database built by the real Alembic migrations once per session, and
every test starts from empty tables, so nothing depends on what an earlier run left behind.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from bot.app import make_catalogue
from bot.clock import SettableClock
from bot.logs import QUIET_LIBRARIES
from bot.services import Services
from bot.settings import load_settings
from storage.db import make_engine, make_sessionmaker, scratch_postgres
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
    with scratch_postgres(os.environ["LDBOT_TEST_DATABASE_URL"], "ldbot_test") as url:
        upgrade(url)
        yield url


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
        catalogue=make_catalogue(refresh_seconds=0),
        clock=clock,
    )
    yield svc
    await engine.dispose()


@pytest.fixture(autouse=True)
def logging_as_it_was() -> Iterator[None]:
    """A test, or a command it runs in-process, may set logging up (bot/logs.py): the next test starts with
    the process's logging as this one found it."""
    root = logging.getLogger()
    level, factory = root.level, logging.getLogRecordFactory()
    libraries = {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    yield
    for handler in [h for h in root.handlers if getattr(h, "_ldbot", False)]:
        root.removeHandler(handler)
    root.setLevel(level)
    logging.setLogRecordFactory(factory)
    for name, library_level in libraries.items():
        logging.getLogger(name).setLevel(library_level)
