"""Where a benchmark runs: a fresh SQLite file, then (given a server) a scratch PostgreSQL database, both
migrated to the current schema — the same two databases the tests use."""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from storage.db import scratch_postgres
from storage.migrate import upgrade

T = TypeVar("T")


def add_pg_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pg", default=os.environ.get("LDBOT_TEST_DATABASE_URL"),
                        help="a PostgreSQL server's URL (default LDBOT_TEST_DATABASE_URL; '' for SQLite only)")


def on_each_database(measure: Callable[..., Awaitable[T]], pg: str | None, name: str, **options: Any) -> list[T]:
    """`measure(url, label, **options)` on SQLite, then on PostgreSQL when `pg` names a server; the results."""
    results = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / f'{name}.db'}"
        upgrade(url)
        results.append(asyncio.run(measure(url, "SQLite", **options)))
    if pg:
        with scratch_postgres(pg, "ldbot_bench") as url:
            upgrade(url)
            results.append(asyncio.run(measure(url, "PostgreSQL", **options)))
    else:
        print("PostgreSQL skipped (give --pg URL or set LDBOT_TEST_DATABASE_URL)")
    return results
