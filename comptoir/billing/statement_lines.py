"""What a statement is made of, draft or issued: its lines, its totals, its rules.

Pages and exports read one `StatementDoc` whether it was computed live (a draft) or read
back from an issued `Statement`, so a draft and its issued copy look the same. Amounts
are `Decimal`; totals and rules are stored on the issued statement as JSON (amounts as
strings, so no float ever touches money).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from comptoir.billing.models import LineKind, Statement

ZERO = Decimal("0.00")
KIND_ORDER = {LineKind.QUOTE: 0, LineKind.TIME: 1, LineKind.INTERNAL: 2}


@dataclass
class Line:
    """One row: a consultant's time on a ticket in the month (billed or internal), or an
    accepted quote. `amount` is None when the line bills nothing (internal time, or time
    no rate applies to)."""

    kind: str
    ticket_id: int | None
    ticket_key: str
    ticket_title: str
    type_name: str = ""
    consultant_id: int | None = None
    consultant_name: str = ""
    minutes: int = 0
    billed_minutes: int = 0
    rate: Decimal | None = None
    amount: Decimal | None = None
    quote_id: int | None = None
    quote_number: int | None = None
    rate_key: str = ""  # which RateTotal the line counts in (drafts only)

    @property
    def is_billed(self) -> bool:
        return self.amount is not None

    @property
    def unpriced(self) -> bool:
        return self.kind == LineKind.TIME and self.rate is None

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.ticket_id or 0,
            self.ticket_key,
            KIND_ORDER.get(self.kind, 9),
            self.quote_number or 0,
            self.consultant_name.casefold(),
            self.consultant_id or 0,
        )


@dataclass
class RateTotal:
    """The time billed at one rate: what the statement's "by rate" table shows."""

    rate: Decimal
    currency: str
    step: int
    mode: str
    contract: str = ""
    contract_name: str = ""
    minutes: int = 0
    billed_minutes: int = 0
    amount: Decimal = ZERO

    def as_json(self) -> dict[str, Any]:
        return {
            "rate": str(self.rate),
            "currency": self.currency,
            "step": self.step,
            "mode": self.mode,
            "contract": self.contract,
            "contract_name": self.contract_name,
            "minutes": self.minutes,
            "billed_minutes": self.billed_minutes,
            "amount": str(self.amount),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RateTotal:
        return cls(
            rate=Decimal(data["rate"]),
            currency=data.get("currency", ""),
            step=int(data.get("step", 1)),
            mode=data.get("mode", ""),
            contract=data.get("contract", ""),
            contract_name=data.get("contract_name", ""),
            minutes=int(data.get("minutes", 0)),
            billed_minutes=int(data.get("billed_minutes", 0)),
            amount=Decimal(data.get("amount", "0")),
        )


@dataclass
class Totals:
    """By billing mode (time, quote), by rate, and the grand total; the time that was
    not billed is counted too, so the statement says how much of it there was."""

    time: Decimal = ZERO
    quote: Decimal = ZERO
    by_rate: list[RateTotal] = field(default_factory=list)
    minutes: int = 0
    billed_minutes: int = 0
    unpriced_minutes: int = 0
    internal_minutes: int = 0
    quotes: int = 0
    lines: int = 0

    @property
    def grand(self) -> Decimal:
        return self.time + self.quote

    def as_json(self) -> dict[str, Any]:
        return {
            "by_mode": {"time": str(self.time), "quote": str(self.quote)},
            "grand": str(self.grand),
            "by_rate": [r.as_json() for r in self.by_rate],
            "minutes": self.minutes,
            "billed_minutes": self.billed_minutes,
            "unpriced_minutes": self.unpriced_minutes,
            "internal_minutes": self.internal_minutes,
            "quotes": self.quotes,
            "lines": self.lines,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Totals:
        mode = data.get("by_mode", {})
        return cls(
            time=Decimal(mode.get("time", "0.00")),
            quote=Decimal(mode.get("quote", "0.00")),
            by_rate=[RateTotal.from_json(r) for r in data.get("by_rate", [])],
            minutes=int(data.get("minutes", 0)),
            billed_minutes=int(data.get("billed_minutes", 0)),
            unpriced_minutes=int(data.get("unpriced_minutes", 0)),
            internal_minutes=int(data.get("internal_minutes", 0)),
            quotes=int(data.get("quotes", 0)),
            lines=int(data.get("lines", 0)),
        )


def add_up(lines: Iterable[Line], rates: dict[str, RateTotal]) -> Totals:
    """The totals of `lines`; `rates` are the RateTotal rows (zeroed) their rate_key names."""
    totals = Totals()
    for line in lines:
        totals.lines += 1
        if line.kind == LineKind.QUOTE:
            totals.quote += line.amount or ZERO
            totals.quotes += 1
        elif line.kind == LineKind.INTERNAL:
            totals.internal_minutes += line.minutes
        elif line.amount is None:
            totals.unpriced_minutes += line.minutes
        else:
            totals.time += line.amount
            totals.minutes += line.minutes
            totals.billed_minutes += line.billed_minutes
            bucket = rates[line.rate_key]
            bucket.minutes += line.minutes
            bucket.billed_minutes += line.billed_minutes
            bucket.amount += line.amount
    totals.by_rate = [r for r in rates.values() if r.minutes or r.billed_minutes or r.amount]
    totals.by_rate.sort(key=lambda r: (bool(r.contract), r.contract, r.rate))
    return totals


@dataclass
class ConsultantTime:
    name: str
    minutes: int = 0
    billed_minutes: int = 0
    internal_minutes: int = 0


@dataclass
class StatementDoc:
    """A statement to show or export: a live draft (`statement` None) or an issued copy."""

    organisation_id: int
    organisation_name: str
    organisation_code: str
    month: dt.date
    currency: str
    lines: list[Line]
    totals: Totals
    rules: list[dict[str, Any]]
    statement: Statement | None = None
    issued_by_name: str = ""
    source: Callable[[], Iterator[Line]] | None = None  # the lines, read as they go

    def iter_lines(self) -> Iterator[Line]:
        """The lines one by one: an issued statement's are read from the database in
        chunks, so an export holds one chunk, not the whole statement."""
        return self.source() if self.source is not None else iter(self.lines)

    @property
    def issued(self) -> bool:
        return self.statement is not None

    @property
    def number(self) -> str:
        return statement_number(self.organisation_code, self.month)

    def filename(self, extension: str) -> str:
        """ASCII only: `statement-2026-01-ALPHA.pdf`, `-draft` before the issue."""
        draft = "" if self.issued else "-draft"
        return f"statement-{self.number}{draft}.{extension}"

    def by_ticket(self) -> list[tuple[Line, list[Line]]]:
        """The lines grouped by ticket (the first line of each group names the ticket)."""
        groups: list[tuple[Line, list[Line]]] = []
        for line in self.lines:
            if groups and groups[-1][0].ticket_key == line.ticket_key:
                groups[-1][1].append(line)
            else:
                groups.append((line, [line]))
        return groups

    def by_consultant(self) -> list[ConsultantTime]:
        people: dict[str, ConsultantTime] = {}
        for line in self.lines:
            if line.kind == LineKind.QUOTE:
                continue
            who = people.setdefault(line.consultant_name, ConsultantTime(line.consultant_name))
            if line.kind == LineKind.INTERNAL:
                who.internal_minutes += line.minutes
            else:
                who.minutes += line.minutes
                who.billed_minutes += line.billed_minutes
        return sorted(people.values(), key=lambda c: c.name.casefold())

    def quotes(self) -> list[Line]:
        return [line for line in self.lines if line.kind == LineKind.QUOTE]


def statement_number(code: str, month: dt.date) -> str:
    """ "2026-01-ALPHA": the month, then the customer's code."""
    return f"{month:%Y-%m}-{code.upper()}"
