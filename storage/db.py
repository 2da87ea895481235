"""Engine and unit-of-work sessions.

SQLite is tuned for the embedded default (WAL, foreign keys, a busy timeout so the console and a
server can share one file); PostgreSQL connections plan every statement afresh (see make_engine).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI types vary
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, **kwargs: object) -> AsyncEngine:
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            path = Path(database).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():  # personnel records: readable by the account that runs ldbot only
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # (SQLite gives -wal and -shm the same)
    if make_url(url).get_backend_name() == "postgresql":
        # PostgreSQL keeps a cached plan per connection for each foreign-key check and prepared statement.
        # Made while a table was nearly empty (a new deployment's first nudge run, which fills nudge_sends
        # and the outbox in one go), a generic plan scans the whole table for every row from then on: the
        # first run on 50,000 people took 93 s instead of 22 s. Custom plans cost a little planning each time.
        # Behind PgBouncer in transaction mode, set it on the role instead (ALTER ROLE … SET plan_cache_mode).
        connect_args = dict(kwargs.pop("connect_args", None) or {})  # type: ignore[arg-type]
        connect_args.setdefault("options", "-c plan_cache_mode=force_custom_plan")
        kwargs["connect_args"] = connect_args
    # Statement parameters are people's words: never in an exception's text (bot/logs.py redacts too).
    kwargs.setdefault("hide_parameters", True)
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: everything commits together or nothing does."""
    async with sessions() as session:
        async with session.begin():
            yield session


@contextmanager
def scratch_postgres(server_url: str, prefix: str) -> Iterator[str]:
    """A brand-new, empty PostgreSQL database on that server (its URL), dropped afterwards whatever happens.

    For tests and benchmarks, which must never depend on what an earlier run left behind.
    """
    base = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


async def listen(url: URL, channel: str, callback: Callable[[], None]) -> None:
    """Call `callback` on every PostgreSQL NOTIFY on `channel`, until cancelled (reconnecting if dropped)."""
    import psycopg  # only a PostgreSQL deployment gets here; SQLite processes never load the driver

    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                await conn.execute(f"LISTEN {channel}")
                async for _ in conn.notifies():
                    callback()
        except psycopg.OperationalError:
            await asyncio.sleep(1.0)
