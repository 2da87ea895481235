"""Text made safe where it leaves for somewhere that would act on it: a terminal, a spreadsheet.

Kept in storage (the bottom layer) because exports are built here as well as in the adapters. A NUL byte
fails a PostgreSQL statement, ANSI and OSC escape sequences drive a terminal that shows a console chat or
an export, lone surrogates cannot be encoded, and a spreadsheet runs a cell that starts with = + - @ as a
formula (OWASP "CSV injection"). Tabs and line breaks stay.
"""

from __future__ import annotations

import csv
import re
from typing import Any, TextIO

# C0 controls but tab, line feed and carriage return; DEL; C1 controls; lone surrogates.
_UNWANTED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# An escape sequence whose ESC was sent: drop the whole sequence, not just the ESC (CSI ... final byte; OSC ... BEL/ST).
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def clean(text: str) -> str:
    return _UNWANTED.sub("", _ESCAPES.sub("", text))


def csv_cell(value: Any) -> Any:
    """A value a spreadsheet shows as text: a leading quote before = + - @ (a negative number stays a number)."""
    if not isinstance(value, str):
        return value
    value = clean(value)
    if value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


class SafeCsvWriter:
    """csv.writer whose every cell goes through csv_cell: the one way ldbot writes CSV."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: list[Any] | tuple[Any, ...]) -> None:
        self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows: Any) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: TextIO) -> SafeCsvWriter:
    return SafeCsvWriter(out)
