"""Statements computed from live data (BIL-2): the lines and totals of a customer's month.

The database adds the minutes up: one grouped query of time (per ticket, consultant and
whether it is billable), one of accepted quotes, two for the rates (`RateBook`), with the
labels joined in. A draft therefore costs the same handful of queries for 3 tickets or
3,000, and the overview of many customers and months costs the same again (without the
labels). Python then applies what SQL cannot say simply: the ticket type's billing mode,
the rate of the ticket's CI, the rounding per line and the cents.

Billing follows the seed 004: a ticket whose type bills on time is billed on every
consultant's billable time of the month, each consultant's total rounded on its own line;
a ticket billed on a quote is billed its accepted quote's amount in the quote's month, its
time listed for internal follow-up; a type not billed lists its time the same way.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, Sum
from django.utils import translation

from comptoir.billing.models import LineKind, Quote, QuoteStatus, Rate, TimeEntry
from comptoir.billing.rates import RateBook, amount_for, round_minutes
from comptoir.billing.statement_lines import Line, RateTotal, Totals, add_up
from comptoir.billing.statement_rules import rules_for
from comptoir.catalog.models import BillingMode

Key = tuple[int, dt.date]  # (organisation id, month)

TIME_KEYS = (
    "organisation_id",
    "period",
    "ticket_id",
    "ticket__ci_id",
    "ticket__type__billing_mode",
    "consultant_id",
    "billable",
)
TIME_LABELS = (
    "ticket__key",
    "ticket__title",
    "ticket__type__name_fr",
    "ticket__type__name_en",
    "consultant__first_name",
    "consultant__last_name",
    "consultant__username",
)
QUOTE_KEYS = ("id", "organisation_id", "period", "ticket_id", "number", "amount", "currency")
QUOTE_LABELS = ("ticket__key", "ticket__title", "ticket__type__name_fr", "ticket__type__name_en")


@dataclass
class Computed:
    """One customer-month computed live: what a draft shows and an issue freezes."""

    lines: list[Line]
    totals: Totals
    rules: list[dict[str, Any]]
    currency: str


def _label(row: dict[str, Any], prefix: str, language: str) -> str:
    first, other = ("en", "fr") if language.startswith("en") else ("fr", "en")
    return row.get(f"{prefix}_{first}") or row.get(f"{prefix}_{other}") or ""


def _person(row: dict[str, Any]) -> str:
    name = f"{row.get('consultant__first_name') or ''} {row.get('consultant__last_name') or ''}"
    return name.strip() or row.get("consultant__username") or ""


def time_rows(where: Q, *, labels: bool) -> Iterator[dict[str, Any]]:
    """The minutes per customer, month, ticket, consultant and billable flag, summed by
    the database (with the ticket's and the consultant's labels when asked)."""
    fields = TIME_KEYS + (TIME_LABELS if labels else ())
    qs = (
        TimeEntry.objects.filter(where)
        .values(*fields)
        .annotate(total=Sum("minutes"))
        .order_by("organisation_id", "period", "ticket_id", "consultant_id", "billable")
    )
    return qs.iterator(chunk_size=2000)


def quote_rows(where: Q, *, labels: bool) -> Iterator[dict[str, Any]]:
    fields = QUOTE_KEYS + (QUOTE_LABELS if labels else ())
    qs = Quote.objects.filter(where, status=QuoteStatus.ACCEPTED).values(*fields)
    return qs.order_by("organisation_id", "period", "ticket_id", "number").iterator()


class Builder:
    """Turns grouped rows into lines, one customer-month at a time."""

    def __init__(self, book: RateBook, language: str) -> None:
        self.book = book
        self.language = language
        self.lines: dict[Key, dict[tuple[Any, ...], Line]] = defaultdict(dict)
        self.rates: dict[Key, dict[str, RateTotal]] = defaultdict(dict)
        self.quote_currency: dict[Key, str] = {}

    def _rate_key(self, key: Key, rate: Rate) -> str:
        name = f"{rate.pk}"
        if name not in self.rates[key]:
            contract = rate.contract if rate.contract_id else None
            self.rates[key][name] = RateTotal(
                rate=rate.hourly_rate,
                currency=rate.currency,
                step=rate.rounding_minutes,
                mode=rate.rounding_mode,
                contract=contract.reference if contract else "",
                contract_name=contract.name if contract else "",
            )
        return name

    def add_time(self, row: dict[str, Any]) -> None:
        key: Key = (row["organisation_id"], row["period"])
        billed = row["billable"] and row["ticket__type__billing_mode"] == BillingMode.TIME
        kind = LineKind.TIME if billed else LineKind.INTERNAL
        slot = (row["ticket_id"], row["consultant_id"], kind)
        line = self.lines[key].get(slot)
        if line is None:
            line = self.lines[key][slot] = Line(
                kind=kind,
                ticket_id=row["ticket_id"],
                ticket_key=row.get("ticket__key", ""),
                ticket_title=row.get("ticket__title", ""),
                type_name=_label(row, "ticket__type__name", self.language),
                consultant_id=row["consultant_id"],
                consultant_name=_person(row),
            )
        line.minutes += row["total"] or 0
        if billed:
            line.rate_key = str(row["ticket__ci_id"] or "")  # the CI, until priced

    def add_quote(self, row: dict[str, Any]) -> None:
        key: Key = (row["organisation_id"], row["period"])
        self.quote_currency.setdefault(key, row["currency"])
        self.lines[key][("quote", row["id"])] = Line(
            kind=LineKind.QUOTE,
            ticket_id=row["ticket_id"],
            ticket_key=row.get("ticket__key", ""),
            ticket_title=row.get("ticket__title", ""),
            type_name=_label(row, "ticket__type__name", self.language),
            amount=row["amount"],
            quote_id=row["id"],
            quote_number=row["number"],
        )

    def _price(self, key: Key, line: Line) -> None:
        ci_id = int(line.rate_key) if line.rate_key else None
        rate = self.book.resolve(key[0], key[1], ci_id)
        if rate is None:
            line.billed_minutes, line.rate_key = line.minutes, ""
            return
        line.billed_minutes = round_minutes(line.minutes, rate.rounding_minutes, rate.rounding_mode)
        line.rate = rate.hourly_rate
        line.amount = amount_for(line.billed_minutes, rate.hourly_rate)
        line.rate_key = self._rate_key(key, rate)

    def finish(self, key: Key) -> Computed:
        lines = list(self.lines.get(key, {}).values())
        for line in lines:
            if line.kind == LineKind.TIME:
                self._price(key, line)
        lines.sort(key=Line.sort_key)
        totals = add_up(lines, self.rates.get(key, {}))
        currency = self.book.currency(key[0]) or self.quote_currency.get(key) or "EUR"
        return Computed(lines, totals, rules_for(lines, totals.by_rate), currency)


def build(
    *,
    time_where: Q,
    quote_where: Q,
    organisation_ids: Iterable[int],
    labels: bool,
    language: str | None = None,
) -> Builder:
    """Every customer-month the filters reach, read in four queries, ready to finish."""
    language = language or translation.get_language() or "fr"
    builder = Builder(RateBook.load(organisation_ids), language)
    for row in time_rows(time_where, labels=labels):
        builder.add_time(row)
    for row in quote_rows(quote_where, labels=labels):
        builder.add_quote(row)
    return builder


def compute_many(*, organisation_ids: list[int], months: list[dt.date]) -> dict[Key, Computed]:
    """The draft totals of several customers and months at once (the overview)."""
    where = Q(organisation_id__in=organisation_ids, period__in=months)
    builder = build(
        time_where=where, quote_where=where, organisation_ids=organisation_ids, labels=False
    )
    return {key: builder.finish(key) for key in builder.lines}


def compute_month(
    organisation_id: int,
    month: dt.date,
    *,
    language: str | None = None,
    statement_id: int | None = None,
) -> Computed:
    """One customer's month from the live rows: its draft, or, with `statement_id`,
    exactly the rows an issue has just marked as billed on that statement."""
    if statement_id is None:
        where = Q(organisation_id=organisation_id, period=month)
    else:
        where = Q(statement_id=statement_id)
    builder = build(
        time_where=where,
        quote_where=where,
        organisation_ids=[organisation_id],
        labels=True,
        language=language,
    )
    return builder.finish((organisation_id, month))
