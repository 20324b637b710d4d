"""A statement as an Excel workbook (BIL-2), written in openpyxl's write-only mode.

Rows go to a temporary file as they are written, so the workbook costs one row of
memory; the caller streams the file. Numbers stay numbers: time in hours (75 minutes is
1.25, shown "1.25 h") so a column adds up, rates and amounts with two decimals, the
month a date. The statement's number, customer, month and status head the sheet; the
totals and the rules follow the lines.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from comptoir.billing.statement_format import kind_label, month_text, status_text
from comptoir.billing.statement_lines import Line, StatementDoc
from comptoir.billing.statement_rules import rule_texts

HOURS = '0.00" h"'
MONEY = "#,##0.00"
BOLD = Font(bold=True)
WIDTHS = {"A": 14, "B": 40, "C": 22, "D": 16, "E": 24, "F": 8, "G": 10, "H": 10, "I": 11, "J": 13}


def _cell(ws: WriteOnlyWorksheet, value: Any, fmt: str = "", bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if fmt:
        cell.number_format = fmt
    if bold:
        cell.font = BOLD
    return cell


def _hours(minutes: int) -> Decimal:
    return Decimal(minutes) / 60


def header() -> list[str]:
    return [
        _("Ticket"),
        _("Title"),
        _("Type"),
        _("Line"),
        _("Consultant"),
        _("Quote"),
        _("Time"),
        _("Billed time"),
        _("Hourly rate"),
        _("Amount"),
    ]


def _line(ws: WriteOnlyWorksheet, line: Line) -> list[Any]:
    timed = line.kind != "quote"
    return [
        line.ticket_key,
        line.ticket_title,
        line.type_name,
        kind_label(line.kind),
        line.consultant_name,
        line.quote_number,
        _cell(ws, _hours(line.minutes), HOURS) if timed else None,
        _cell(ws, _hours(line.billed_minutes), HOURS) if line.kind == "time" else None,
        _cell(ws, line.rate, MONEY) if line.rate is not None else None,
        _cell(ws, line.amount, MONEY) if line.amount is not None else None,
    ]


def _totals(ws: WriteOnlyWorksheet, doc: StatementDoc) -> None:
    t = doc.totals
    ws.append([])
    for label, amount, billed in (
        (_("Total billed on time"), t.time, t.billed_minutes),
        (_("Total billed on quotes"), t.quote, None),
        (_("Total"), t.grand, None),
    ):
        hours = _cell(ws, _hours(billed), HOURS) if billed is not None else None
        amount_cell = _cell(ws, amount, MONEY, bold=True)
        blank = [None] * 6
        ws.append([_cell(ws, label, bold=True), *blank, hours, None, amount_cell, doc.currency])
    for r in t.by_rate:
        label = _("At %(rate)s %(currency)s an hour") % {"rate": r.rate, "currency": r.currency}
        if r.contract:
            label = f"{label} ({r.contract})"
        numbers = [
            _cell(ws, _hours(r.minutes), HOURS),
            _cell(ws, _hours(r.billed_minutes), HOURS),
            _cell(ws, r.rate, MONEY),
            _cell(ws, r.amount, MONEY),
        ]
        ws.append([label, *[None] * 5, *numbers, r.currency])


def write_xlsx(doc: StatementDoc) -> IO[bytes]:
    """The workbook in a temporary file, rewound, for the response to stream."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=doc.number[:31])
    for column, width in WIDTHS.items():
        ws.column_dimensions[column].width = width
    title = _("Statement %(number)s") % {"number": doc.number}
    ws.append([_cell(ws, title, bold=True), doc.organisation_name, month_text(doc.month)])
    issued_at = doc.statement.issued_at if doc.statement else None
    ws.append([status_text(doc.issued, issued_at, doc.issued_by_name)])
    ws.append([])
    ws.append([_cell(ws, name, bold=True) for name in header()])
    for line in doc.iter_lines():
        ws.append(_line(ws, line))
    _totals(ws, doc)
    ws.append([])
    ws.append([_cell(ws, _("Rules"), bold=True)])
    for text in rule_texts(doc.rules):
        ws.append([text])
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the response streams then closes it)
    wb.save(out)
    out.seek(0)
    return out
