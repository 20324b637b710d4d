"""A statement as CSV, streamed line by line (BIL-2).

The file opens in a spreadsheet as the reader's locale expects: UTF-8 with a byte order
mark (so Excel reads the accents), and the separators of the reader's language — commas
and decimal points in English; semicolons and decimal commas in French, as a French
Excel reads a CSV. One row per statement line, each naming the statement, month and
customer (a flat table that pivots well), then the totals after an empty row. Text cells
that a spreadsheet would run as a formula are written as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from comptoir.billing.statement_format import kind_label, language
from comptoir.billing.statement_lines import Line, StatementDoc
from comptoir.core.csvstream import without_formula
from comptoir.core.csvstream import writer as csv_writer


def dialect() -> tuple[str, str]:
    """(field separator, decimal separator) for the active language."""
    return (";", ",") if language() == "fr" else (",", ".")


def _number(value: Decimal | int | None, decimal_sep: str) -> str:
    if value is None:
        return ""
    return str(value).replace(".", decimal_sep)


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def header() -> list[str]:
    return [
        _("Statement"),
        _("Month"),
        _("Customer"),
        _("Ticket"),
        _("Title"),
        _("Type"),
        _("Line"),
        _("Consultant"),
        _("Quote"),
        _("Minutes"),
        _("Billed minutes"),
        _("Billed hours"),
        _("Hourly rate"),
        _("Amount"),
        _("Currency"),
    ]


def _row(doc: StatementDoc, line: Line, sep: str) -> list[str]:
    return [
        doc.number,
        f"{doc.month:%Y-%m}",
        without_formula(doc.organisation_name),
        without_formula(line.ticket_key),
        without_formula(line.ticket_title),
        without_formula(line.type_name),
        kind_label(line.kind),
        without_formula(line.consultant_name),
        str(line.quote_number or ""),
        str(line.minutes) if line.kind != "quote" else "",
        str(line.billed_minutes) if line.kind == "time" else "",
        _number(_hours(line.billed_minutes), sep) if line.kind == "time" else "",
        _number(line.rate, sep),
        _number(line.amount, sep),
        doc.currency if line.amount is not None else "",
    ]


def _total(doc: StatementDoc, label: str, amount: Decimal, sep: str, **time: int) -> list[str]:
    minutes, billed = time.get("minutes"), time.get("billed")
    return [
        doc.number,
        f"{doc.month:%Y-%m}",
        without_formula(doc.organisation_name),
        "",
        "",
        "",
        label,
        "",
        "",
        "" if minutes is None else str(minutes),
        "" if billed is None else str(billed),
        "" if billed is None else _number(_hours(billed), sep),
        "",
        _number(amount, sep),
        doc.currency,
    ]


def csv_lines(doc: StatementDoc, language: str) -> Iterator[str]:
    """The file, a line at a time, in `language`'s conventions (kept while the response
    streams, after the view has returned)."""
    with translation.override(language):
        yield from _lines(doc)


def _lines(doc: StatementDoc) -> Iterator[str]:
    field_sep, decimal_sep = dialect()
    writer = csv_writer(field_sep)
    yield "\ufeff"
    yield writer.writerow(header())
    for line in doc.iter_lines():
        yield writer.writerow(_row(doc, line, decimal_sep))
    t = doc.totals
    yield writer.writerow([])
    yield writer.writerow(
        _total(
            doc,
            _("Total billed on time"),
            t.time,
            decimal_sep,
            minutes=t.minutes,
            billed=t.billed_minutes,
        )
    )
    yield writer.writerow(_total(doc, _("Total billed on quotes"), t.quote, decimal_sep))
    yield writer.writerow(_total(doc, _("Total"), t.grand, decimal_sep))
