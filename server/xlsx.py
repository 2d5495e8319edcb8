"""The one xlsx writer: every export of the app builds its workbook here.

Exports carry names people typed (departments, teams, gyms, services). A spreadsheet
reads text that starts with `= + - @` (or a control character, which some readers skip
to reach a formula) as a formula, so a name like `=HYPERLINK(...)` would become a live
link or a command the moment an admin opens the report. Every text cell therefore goes
through `cell_value`: such text is stored with a leading `'` (a plain string cell, never
a formula), characters XML cannot hold are replaced, and numbers, dates and booleans stay
what they are, so sums still work.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from server.clock import local

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = frozenset("=+-@")
# Characters a sheet title may not hold (Excel's rule, enforced by openpyxl).
_TITLE_FORBIDDEN = str.maketrans({c: "_" for c in "\\/?*[]:"})


def _starts_like_formula(text: str) -> bool:
    first = text[0]
    return first in FORMULA_STARTS or ord(first) < 0x20 or first == "\x7f"


def cell_value(value: Any) -> Any:
    """What a cell stores for `value`: numbers, dates and booleans as themselves, any
    other value as text that can never be read as a formula."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        # Excel has no zones: an aware time is written as the service zone's wall clock.
        return local(value).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date | time):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))
    if text and _starts_like_formula(text):
        return "'" + text
    return text


class Sheet:
    """One worksheet that only takes data rows (no formulas, ever)."""

    def __init__(self, worksheet: Worksheet) -> None:
        self._ws = worksheet

    def row(
        self,
        values: Iterable[Any],
        *,
        bold: bool = False,
        number_formats: dict[int, str] | None = None,
    ) -> None:
        """Append one row; `number_formats` maps 1-based columns to an Excel format."""
        self._ws.append([cell_value(v) for v in values])
        line = self._ws.max_row
        if bold:
            for cell in self._ws[line]:
                cell.font = Font(bold=True)
        for column, fmt in (number_formats or {}).items():
            self._ws.cell(row=line, column=column).number_format = fmt

    def width(self, column: str, width: float) -> None:
        self._ws.column_dimensions[column].width = width


class Book:
    """A workbook whose sheets are `Sheet`s; `data()` is the .xlsx file."""

    def __init__(self) -> None:
        self._book = Workbook()
        self._fresh = True

    def sheet(self, title: str) -> Sheet:
        clean = ILLEGAL_CHARACTERS_RE.sub("_", title).translate(_TITLE_FORBIDDEN)[:31] or "Sheet"
        if self._fresh:
            worksheet = self._book.active
            assert isinstance(worksheet, Worksheet)
            worksheet.title = clean
            self._fresh = False
        else:
            worksheet = self._book.create_sheet(clean)
        return Sheet(worksheet)

    def data(self) -> bytes:
        out = io.BytesIO()
        self._book.save(out)
        return out.getvalue()
