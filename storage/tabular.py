"""Reading the spreadsheets HR and L&D teams export: CSV (UTF-8, with or without BOM) or Excel .xlsx.

Rows keep the line number a spreadsheet user sees (the header is line 1), so errors can name it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path


class TableError(Exception):
    """The file as a whole cannot be read (wrong format, missing columns)."""


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()


@dataclass(frozen=True, slots=True)
class Table:
    columns: list[str]
    rows: list[Row]


def _clean_header(names: list[str]) -> list[str]:
    return [(n or "").strip().lstrip("\ufeff").strip().lower().replace(" ", "_") for n in names]


def read_table(path: str | Path) -> Table:
    path = Path(path)
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(f"{path.name}: not UTF-8 text (save it as 'CSV UTF-8' or .xlsx)") from exc
    return _read_csv(text)


def read_upload(filename: str, data: bytes) -> Table:
    """A file sent through the web console, read as `read_table` reads one on disk."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
            handle.write(data)
            handle.flush()
            return _read_xlsx(Path(handle.name))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(f"{filename}: not UTF-8 text (save it as 'CSV UTF-8' or .xlsx)") from exc
    return _read_csv(text)


def _read_csv(text: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = _clean_header(next(reader))
    except StopIteration:
        raise TableError("the file is empty") from None
    rows = []
    # Numbered by record, as a spreadsheet shows rows: a cell with a line break inside is still one row,
    # and a blank line is an (empty, skipped) row that still takes a number.
    for number, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        rows.append(Row(number, dict(zip(header, record, strict=False))))
    return Table(header, rows)


def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a bad file
        raise TableError(f"{path.name}: not a readable Excel workbook") from exc
    sheet = book.worksheets[0]
    rows_iter = sheet.iter_rows(values_only=True)
    try:
        header = _clean_header([str(c) if c is not None else "" for c in next(rows_iter)])
    except StopIteration:
        raise TableError("the workbook is empty") from None
    rows = []
    for number, record in enumerate(rows_iter, start=2):
        cells = [_cell_text(c) for c in record]
        if not any(cell.strip() for cell in cells):
            continue
        rows.append(Row(number, dict(zip(header, cells, strict=False))))
    book.close()
    return Table(header, rows)


def _cell_text(value: object) -> str:
    """Cells as the CSV export of the same sheet would show them (12 not 12.0, dates as YYYY-MM-DD)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)


def require_columns(table: Table, required: list[str]) -> None:
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise TableError(f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)} (line 1)")


_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def parse_day(text: str) -> date | None:
    """2026-03-28, 28/03/2026 (UK order), 28 March 2026 or 28 Mar 2026; None if it is none of those."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    return _other(text)


def _other(text: str) -> date | None:
    if m := _NUMERIC.match(text):
        try:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            return None
    for fmt in ("%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
