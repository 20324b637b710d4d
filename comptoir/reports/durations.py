"""First-response and resolution times (X-3): averages and medians without loading rows.

*First response* is the first public event of a staff member after the ticket was filed
that a customer sees as an answer: a status move (the SLA clock's own first response,
`sla.services.evaluate`: the ticket leaving its initial status) or a public comment. It is
read from the timeline (`Event`) by a correlated subquery, so nothing new is stored.
*Resolution* is `resolved_at - created_at`.

Averages are the database's `Avg`. SQLite has no percentile function, so the median is
read portably: the count comes with the average, then one ordered query returns the one
or two middle values at an OFFSET. That is two queries per measure whatever the number
of tickets, and the database sorts; Python never holds more than two values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
)

from comptoir.accounts.models import STAFF_ROLES
from comptoir.reports.periods import Period
from comptoir.reports.scope import Filters, Scope
from comptoir.reports.selectors import as_day, bucket_of, in_period, tickets
from comptoir.tickets.models import Event

FIRST_RESPONSE_KINDS = ("status", "comment", "converted")


@dataclass(frozen=True)
class Stat:
    """A duration measured on `count` tickets; None when there is none."""

    count: int
    average: dt.timedelta | None
    median: dt.timedelta | None


def _seconds(value) -> dt.timedelta | None:
    """The database's duration (a timedelta; microseconds on some back ends)."""
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return value
    return dt.timedelta(microseconds=float(value))


def first_response_at() -> Subquery:
    """When a staff member first answered the ticket in public (see the module doc)."""
    first = (
        Event.objects.filter(
            ticket_id=OuterRef("pk"),
            kind__in=FIRST_RESPONSE_KINDS,
            internal=False,
            actor__role__in=sorted(STAFF_ROLES),
        )
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    return Subquery(first)


def _elapsed(end: str, start: str = "created_at") -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def responded(scope: Scope, filters: Filters) -> QuerySet:
    """Tickets filed in the period that were answered, with `took`: the wait."""
    return (
        tickets(scope, filters)
        .filter(in_period("created_at", filters.period))
        .annotate(answered_at=first_response_at())
        .filter(answered_at__isnull=False)
        .annotate(took=_elapsed("answered_at"))
    )


def resolved(scope: Scope, filters: Filters) -> QuerySet:
    """Tickets resolved in the period, with `took`: from filing to resolution."""
    return (
        tickets(scope, filters)
        .filter(in_period("resolved_at", filters.period))
        .annotate(took=_elapsed("resolved_at"))
    )


def _stat(qs: QuerySet) -> Stat:
    agg = qs.aggregate(n=Count("id"), avg=Avg("took", output_field=DurationField()))
    n = agg["n"] or 0
    # Run even when n is 0 (it then reads nothing), so a page's query count never
    # depends on the data.
    middle = list(
        qs.order_by("took", "id").values_list("took", flat=True)[
            max(0, (n - 1) // 2) : max(1, n // 2 + 1)
        ]
    )
    if not n:
        return Stat(0, None, None)
    values = [_seconds(v) for v in middle]
    median = sum(values, dt.timedelta()) / len(values) if values else None
    return Stat(n, _seconds(agg["avg"]), median)


def first_response(scope: Scope, filters: Filters) -> Stat:
    return _stat(responded(scope, filters))


def resolution(scope: Scope, filters: Filters) -> Stat:
    return _stat(resolved(scope, filters))


@dataclass(frozen=True)
class TimesRow:
    day: dt.date
    label: str
    answered: int
    first_response: dt.timedelta | None
    resolved: int
    resolution: dt.timedelta | None


def _avg_per_bucket(qs: QuerySet, field: str, period: Period) -> dict[dt.date, tuple]:
    rows = (
        qs.annotate(bucket=bucket_of(period, field))
        .values("bucket")
        .annotate(n=Count("id"), avg=Avg("took", output_field=DurationField()))
        .order_by()
    )
    return {as_day(r["bucket"]): (r["n"], _seconds(r["avg"])) for r in rows}


def times_per_bucket(scope: Scope, filters: Filters) -> list[TimesRow]:
    """Average first response (by filing bucket) and resolution (by resolution bucket)."""
    period = filters.period
    answered = _avg_per_bucket(responded(scope, filters), "created_at", period)
    done = _avg_per_bucket(resolved(scope, filters), "resolved_at", period)
    out = []
    for day in period.buckets():
        a_n, a_avg = answered.get(day, (0, None))
        r_n, r_avg = done.get(day, (0, None))
        out.append(TimesRow(day, period.label(day), a_n, a_avg, r_n, r_avg))
    return out
