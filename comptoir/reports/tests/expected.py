"""The dashboards' numbers computed again in plain Python from every row (imported by
the tests, not collected): what the database's aggregates must equal."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from comptoir.accounts.models import STAFF_ROLES
from comptoir.billing.models import TimeEntry
from comptoir.tickets.models import Assessment, Event, Ticket
from comptoir.workflows.models import State

from .factory import PARIS

Keep = Callable[[Ticket], bool]


def day_of(when: dt.datetime) -> dt.date:
    return when.astimezone(PARIS).date()


def within(when: dt.datetime | None, first: dt.date, last: dt.date) -> bool:
    return when is not None and first <= day_of(when) <= last


def bucket(day: dt.date, size: str) -> dt.date:
    if size == "month":
        return day.replace(day=1)
    if size == "week":
        return day - dt.timedelta(days=day.weekday())
    return day


def all_tickets(keep: Keep) -> list[Ticket]:
    return [t for t in Ticket.objects.select_related("status", "type") if keep(t)]


def backlog_by_status(keep: Keep) -> dict[int, int]:
    return dict(Counter(t.status_id for t in all_tickets(keep) if t.state == State.OPEN))


def backlog_by_awaiting(keep: Keep) -> dict[str, int]:
    return dict(
        Counter(t.status.awaiting_party for t in all_tickets(keep) if t.state == State.OPEN)
    )


def per_bucket(keep: Keep, attr: str, first, last, size) -> dict[dt.date, int]:
    out = Counter()
    for t in all_tickets(keep):
        when = getattr(t, attr)
        if within(when, first, last):
            out[bucket(day_of(when), size)] += 1
    return dict(out)


def first_responses(keep: Keep, first, last) -> list[dt.timedelta]:
    answers: dict[int, dt.datetime] = {}
    for e in Event.objects.select_related("actor").order_by("created_at", "id"):
        if e.ticket_id in answers or e.internal or e.actor is None:
            continue
        if e.kind in ("status", "comment", "converted") and e.actor.role in STAFF_ROLES:
            answers[e.ticket_id] = e.created_at
    return [
        answers[t.pk] - t.created_at
        for t in all_tickets(keep)
        if within(t.created_at, first, last) and t.pk in answers
    ]


def resolutions(keep: Keep, first, last) -> list[dt.timedelta]:
    return [
        t.resolved_at - t.created_at
        for t in all_tickets(keep)
        if within(t.resolved_at, first, last)
    ]


def avg_median(values: Iterable[dt.timedelta]) -> tuple[int, float | None, float | None]:
    secs = [v.total_seconds() for v in values]
    if not secs:
        return 0, None, None
    return len(secs), sum(secs) / len(secs), statistics.median(secs)


def sla(keep: Keep, first, last) -> dict[int, tuple[int, int, int]]:
    """service id → (resolved under SLA, of which breached, breaches in the period)."""
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for t in all_tickets(keep):
        if t.type.sla_applies and within(t.resolved_at, first, last):
            out[t.service_id][0] += 1
            out[t.service_id][1] += t.sla_breached_at is not None
        if within(t.sla_breached_at, first, last):
            out[t.service_id][2] += 1
    return {k: tuple(v) for k, v in out.items()}


def satisfaction(keep: Keep, first, last) -> dict[int, int]:
    kept = {t.pk for t in all_tickets(keep)}
    counts = Counter(
        a.satisfaction
        for a in Assessment.objects.all()
        if a.ticket_id in kept and within(a.created_at, first, last)
    )
    return {level: counts.get(level, 0) for level in range(1, 6)}


def time_spent(keep: Keep, first, last, by: str) -> dict[int, tuple[int, int]]:
    """organisation or consultant id → (minutes, billable minutes)."""
    kept = {t.pk for t in all_tickets(keep)}
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for e in TimeEntry.objects.all():
        if e.ticket_id in kept and first <= e.worked_on <= last:
            key = getattr(e, f"{by}_id")
            out[key][0] += e.minutes
            out[key][1] += e.minutes if e.billable else 0
    return {k: tuple(v) for k, v in out.items()}
