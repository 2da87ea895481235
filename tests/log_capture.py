"""What ldbot's own logging (bot/logs.py, as every entry point sets it up) writes, captured for a test."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

from bot.logs import configure_logging

# A text only a person could have typed: it must never reach a log.
MARKER = "MARKER-7f3a"


@contextmanager
def ldbot_logs(level: str = "DEBUG") -> Iterator[io.StringIO]:
    """Logging set up exactly as `ldbot serve` sets it up, writing to a string instead of stderr (the
    autouse fixture in conftest.py puts the test process's logging back afterwards)."""
    stream = io.StringIO()
    configure_logging(level, stream=stream)
    yield stream
