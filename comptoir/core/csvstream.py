"""CSV files streamed a line at a time, safe to open in a spreadsheet.

Every CSV the product serves (the contracts report, the dashboards' tables and ticket
lists, the statements) is written through here: a StreamingHttpResponse yields each line
as it is made, so memory stays constant however many rows; a BOM tells spreadsheets the
file is UTF-8; text a spreadsheet would run as a formula is written as text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any


class Echo:
    """csv.writer writes into this and gets the line back, to yield it at once."""

    def write(self, value: str) -> str:
        return value


def without_formula(value: str) -> str:
    """A cell a spreadsheet would run as a formula is written as text (CSV injection)."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def writer(delimiter: str = ",") -> Any:
    """A csv writer whose `writerow` returns the line instead of writing it."""
    return csv.writer(Echo(), delimiter=delimiter)


def csv_lines(rows: Iterable[Iterable[Any]], *, delimiter: str = ",") -> Iterator[str]:
    """The BOM, then one line per row, every cell as text (None empty) safe from formulas."""
    out = writer(delimiter)
    yield "\ufeff"
    for row in rows:
        yield out.writerow([without_formula("" if v is None else str(v)) for v in row])
