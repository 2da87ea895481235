"""Logging for every ldbot process: one format, the level from LDBOT_LOG_LEVEL, and nothing people wrote.

The README promises that logs carry ids and event types, never the text people typed. ldbot's own log
calls keep to that by convention; this module makes it hold for text ldbot does not write itself:
- SQLAlchemy's exception text quotes a failed statement's `[parameters: …]`, and PostgreSQL's `DETAIL:`
  line quotes the row it refused;
- exception messages quote values (`Invalid isoformat string: '…'`, a KeyError's key);
- slack-bolt logs the whole request body on a signature failure (at INFO), slack_sdk and msrest log request
  and response bodies at DEBUG, SQLAlchemy and aiosqlite log statement parameters at INFO/DEBUG;
- asyncio's "Task exception was never retrieved" prints the exception's repr, values and all.

So every record is redacted where it is made (a log-record factory, so pytest's caplog and any handler see
the same) and again by a filter on ldbot's handler (for records made some other way): a traceback keeps
its frames (files, lines, code) and each exception's type, but an exception's message keeps only its first
line with quoted values replaced; SQL keeps its statement, never its parameters; body-like parts of a
message are cut. The libraries that print bodies or parameters are never logged below WARNING.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, TextIO

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Libraries whose INFO/DEBUG lines print request or response bodies, SQL parameters or payloads.
QUIET_LIBRARIES = (
    "slack_bolt", "slack_sdk", "botbuilder", "botframework", "msrest", "msal", "requests_oauthlib",
    "urllib3", "sqlalchemy", "aiosqlite", "psycopg", "asyncio", "charset_normalizer",
)
MAX_MESSAGE = 1000  # characters of one log message; more is cut (nothing of ours is that long)
MAX_EXCEPTION_MESSAGE = 200

_REDACTED = "[redacted]"
# Where a library's message goes on to print a body, parameters or a payload: everything after is cut.
_BODY = re.compile(
    r"(\b(?:request body|response body|response content|body|json_body|body_params|query_params|form_data)"
    r"\s*[:=]\s*|\bfor the request \(|\[parameters:\s*|\bDETAIL:\s*|^\[(?:generated|cached|raw sql|no key)"
    r"[^\]]*\]\s*|\b(?:executing|operation) functools\.partial\(|\bexception=|\bException in callback\s|"
    r"\bhandle: ).*",
    re.IGNORECASE | re.DOTALL,
)
_TOKENS = re.compile(r"\b(xox[a-z]-|xapp-)[A-Za-z0-9-]+|(\bBearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
_REDACTION_DONE = "_ldbot_redacted"


# --- redacting text ---------------------------------------------------------------------------------------
def redact_message(text: str) -> str:
    """A log message with bodies, SQL parameters and tokens removed, and cut to a sane length."""
    text = _BODY.sub(lambda m: m.group(1) + _REDACTED if m.group(1) else _REDACTED, text)
    text = _TOKENS.sub(lambda m: (m.group(1) or m.group(2)) + _REDACTED, text)
    if len(text) > MAX_MESSAGE:
        text = f"{text[:MAX_MESSAGE]}… [{len(text) - MAX_MESSAGE} more characters]"
    return text


def _unquoted(text: str) -> str:
    return _QUOTED.sub(lambda m: m.group(0)[0] * 2 if len(m.group(0)) == 2 else f"{m.group(0)[0]}…{m.group(0)[0]}",
                       text)


def exception_message(exc: BaseException) -> str:
    """What of an exception's message may be logged: names and codes, not the values it quotes."""
    sqlstate, diag = getattr(exc, "sqlstate", None), getattr(exc, "diag", None)
    if sqlstate and diag is not None:  # psycopg: the server's own fields name things, never values
        names = ("table_name", "column_name", "constraint_name")
        return " ".join([f"sqlstate={sqlstate}", *(f"{n}={v}" for n in names if (v := getattr(diag, n, None)))])
    statement = getattr(exc, "statement", None)
    if isinstance(statement, str) and hasattr(exc, "orig"):  # SQLAlchemy: the statement, never its parameters
        orig = getattr(exc, "orig", None)
        cause = f"({type(orig).__module__}.{type(orig).__name__}) " if orig is not None else ""
        return f"{cause}[SQL: {_unquoted(' '.join(statement.split()))[:MAX_MESSAGE]}]"
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a broken __str__ must not break logging
        return "[message could not be read]"
    first, _, rest = text.strip().partition("\n")
    first = redact_message(_unquoted(first))
    if len(first) > MAX_EXCEPTION_MESSAGE:
        first = first[:MAX_EXCEPTION_MESSAGE] + "…"
    return first + (f" [+{rest.count(chr(10)) + 1} more lines]" if rest.strip() else "")


def format_exception(exc: BaseException) -> str:
    """A traceback as Python prints it (causes, context, frames and code lines), with safe messages."""
    return "".join(_exception_lines(exc, set())).rstrip("\n")


def _exception_lines(exc: BaseException, seen: set[int]) -> list[str]:
    seen.add(id(exc))
    lines: list[str] = []
    cause, context = exc.__cause__, exc.__context__
    if cause is not None and id(cause) not in seen:
        lines += _exception_lines(cause, seen)
        lines.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif context is not None and not exc.__suppress_context__ and id(context) not in seen:
        lines += _exception_lines(context, seen)
        lines.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    if exc.__traceback__ is not None:
        lines.append("Traceback (most recent call last):\n")
        lines += traceback.format_list(traceback.extract_tb(exc.__traceback__))
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ in ("builtins", "__main__") else f"{kind.__module__}.{kind.__qualname__}"
    message = exception_message(exc)
    lines.append(f"{name}: {message}\n" if message else f"{name}\n")
    for inner in getattr(exc, "exceptions", None) or ():  # an ExceptionGroup's members
        if isinstance(inner, BaseException) and id(inner) not in seen:
            lines += ["  +---\n", *("  | " + line for line in "".join(_exception_lines(inner, seen)).splitlines(True))]
    return lines


# --- redacting records ------------------------------------------------------------------------------------
def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Redact a record in place (once): its message formatted and cleaned, its exception rendered safely."""
    if getattr(record, _REDACTION_DONE, False):
        return record
    setattr(record, _REDACTION_DONE, True)
    if isinstance(record.msg, str):
        try:
            message = record.msg % record.args if record.args else record.msg
        except Exception:  # noqa: BLE001 - a bad format: keep the (constant) format string, drop the values
            message = f"{record.msg} [arguments not shown]"
    else:  # `logger.info(body)`: an object logged as it is, usually a payload
        message = f"[{type(record.msg).__name__} not logged]"
    record.msg, record.args = redact_message(message), None
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = format_exception(record.exc_info[1])
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = redact_message(_unquoted(record.exc_text))
    return record


class RedactingFilter(logging.Filter):
    """On a handler (or a library's logger): every record passing it is redacted first."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def _redacting_factory(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(make(*args, **kwargs))

    factory._ldbot_wraps = make  # type: ignore[attr-defined]
    return factory


def install_redaction() -> None:
    """Redact every record where it is made (idempotent)."""
    current = logging.getLogRecordFactory()
    if not hasattr(current, "_ldbot_wraps"):
        logging.setLogRecordFactory(_redacting_factory(current))


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record arrives (a test runner may swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def level_number(level: str) -> int:
    name = level.strip().upper()
    if name not in LEVELS:
        raise ValueError(f"must be one of {', '.join(LEVELS)}")
    return logging.getLevelName(name)


def library_logger(name: str) -> logging.Logger:
    """A logger to hand to a library (slack-bolt's App(logger=...)): WARNING and up, redacted. Bolt copies its
    level and filters to each of its own loggers, so its INFO line with the request body is never made."""
    logger = logging.getLogger(name)
    if logger.level < logging.WARNING:
        logger.setLevel(logging.WARNING)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    return logger


def configure_logging(level: str = "INFO", *, stream: TextIO | None = None) -> None:
    """The one logging set-up of every entry point (serve, worker, chat, the other commands). Calling it again
    replaces what an earlier call set up."""
    number = level_number(level)
    install_redaction()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_ldbot", False)]:
        root.removeHandler(handler)
    handler: logging.Handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler._ldbot = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(number)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(number, logging.WARNING))


# --- refused requests -------------------------------------------------------------------------------------
class RefusalLog:
    """One short WARNING line per kind of refused request in a while, then a count of how many more there
    were: a flood of junk cannot fill the disk, and nothing of a refused request but its kind is written."""

    def __init__(self, logger: logging.Logger, *, every: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.log = logger
        self.every = every
        self.clock = clock
        self._last: dict[tuple[int, str], tuple[float, int]] = {}

    def refused(self, status: int, reason: str, **ids: object) -> None:
        key, now = (status, reason), self.clock()
        last = self._last.get(key)
        if last is not None and now - last[0] < self.every:
            self._last[key] = (last[0], last[1] + 1)
            return
        self._last[key] = (now, 0)
        more = f" (and {last[1]} more in the last {now - last[0]:.0f}s)" if last is not None and last[1] else ""
        detail = "".join(f" {k}={v}" for k, v in ids.items())
        self.log.warning("request refused status=%s reason=%s%s%s", status, reason, detail, more)
