"""What the manager dashboards count (X-3), aggregated in the database and scoped in SQL.

Every function takes the actor's `Scope` and `Filters` (`scope.py`) and returns plain
rows: one grouped query per metric, so a page costs the same number of queries for fifty
tickets or a million. Durations are averaged by the database and their medians read
with one ordered query at an OFFSET (`durations.py`); buckets are truncated in the
provider's time zone (`periods.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone, translation

from comptoir.billing.models import TimeEntry
from comptoir.reports.periods import Period, local_zone
from comptoir.reports.scope import Filters, Scope, ticket_q
from comptoir.tickets.models import Assessment, Ticket
from comptoir.workflows.models import Party, State

TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
BREACH_ROWS = 50


def pick(row: dict[str, Any], prefix: str) -> str:
    """A bilingual label from a `values()` row, in the active language with a fallback."""
    lang = "en" if (translation.get_language() or "fr").startswith("en") else "fr"
    other = "fr" if lang == "en" else "en"
    return row.get(f"{prefix}_{lang}") or row.get(f"{prefix}_{other}") or ""


def desk_tag(row: dict[str, Any]) -> str:
    """A desk's short tag in labels: its key prefix without the separator ("SPT"), or its
    slug when the prefix is only a sign ("#" → "N123")."""
    tag = (row.get("desk__key_prefix") or "").strip("-#·/ ")
    return tag or (row.get("desk__slug") or "").upper()


def bucket_of(period: Period, field: str):
    """The expression truncating `field` to the period's bucket in the local time zone."""
    return TRUNC[period.bucket](field, tzinfo=local_zone())


def as_day(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, local_zone()).date()
    return value


def local_text(value: dt.datetime | None) -> str:
    """An instant as the provider's local "YYYY-MM-DD HH:MM" (tables and CSV files)."""
    if value is None:
        return ""
    return timezone.localtime(value, local_zone()).strftime("%Y-%m-%d %H:%M")


def tickets(scope: Scope, filters: Filters) -> QuerySet[Ticket]:
    """The tickets of the scope and filters, in any period (the backlog is "now")."""
    return Ticket.objects.filter(ticket_q(scope, filters))


def in_period(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


# --- Backlog ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountRow:
    key: Any
    label: str
    count: int


def backlog_by_status(scope: Scope, filters: Filters) -> list[CountRow]:
    """Open tickets now, per status (named with its desk's prefix), in workflow order."""
    rows = list(
        tickets(scope, filters)
        .filter(state=State.OPEN)
        .values(
            "status_id",
            "status__name_fr",
            "status__name_en",
            "status__order",
            "status__workflow__name_fr",
            "status__workflow__name_en",
            "desk__key_prefix",
            "desk__slug",
        )
        .annotate(n=Count("id"))
        .order_by("desk__slug", "status__workflow__name_fr", "status__order", "status_id")
    )
    labels = [f"{desk_tag(r)} · {pick(r, 'status__name')}" for r in rows]
    out = []
    for r, label in zip(rows, labels, strict=True):
        if labels.count(label) > 1:
            label = f"{label} ({pick(r, 'status__workflow__name')})"
        out.append(CountRow(r["status_id"], label, r["n"]))
    return out


def backlog_by_awaiting(scope: Scope, filters: Filters) -> list[CountRow]:
    """Open tickets now, per party expected to act (the status's `awaiting_party`)."""
    rows = (
        tickets(scope, filters)
        .filter(state=State.OPEN)
        .values("status__awaiting_party")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {r["status__awaiting_party"]: r["n"] for r in rows}
    return [
        CountRow(code, str(label), counts[code])
        for code, label in Party.choices
        if counts.get(code)
    ]


# --- Volumes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolumeRow:
    day: dt.date
    label: str
    created: int
    resolved: int


def _per_bucket(qs: QuerySet, field: str, period: Period) -> dict[dt.date, int]:
    rows = (
        qs.filter(in_period(field, period))
        .annotate(bucket=bucket_of(period, field))
        .values("bucket")
        .annotate(n=Count("id"))
        .order_by()
    )
    out: dict[dt.date, int] = {}
    for r in rows:
        day = as_day(r["bucket"])
        out[day] = out.get(day, 0) + r["n"]
    return out


def volume(scope: Scope, filters: Filters) -> list[VolumeRow]:
    """Tickets created and resolved in each bucket of the period (two grouped queries)."""
    period = filters.period
    base = tickets(scope, filters)
    created = _per_bucket(base, "created_at", period)
    resolved = _per_bucket(base, "resolved_at", period)
    return [
        VolumeRow(day, period.label(day), created.get(day, 0), resolved.get(day, 0))
        for day in period.buckets()
    ]


# --- Service levels -----------------------------------------------------------------------


@dataclass(frozen=True)
class SlaRow:
    """A service's tickets under SLA resolved in the period, how many had a breach, and
    the breaches that happened in the period (also on tickets still open)."""

    service_id: int
    label: str
    resolved: int
    resolved_breached: int
    breaches: int

    @property
    def met(self) -> int:
        return self.resolved - self.resolved_breached

    @property
    def compliance(self) -> float | None:
        """Percentage of resolved tickets without breach; None when none was resolved."""
        return round(100 * self.met / self.resolved, 1) if self.resolved else None


SERVICE_VALUES = (
    "service_id",
    "service__name_fr",
    "service__name_en",
    "desk__key_prefix",
    "desk__slug",
)


def service_label(row: dict[str, Any]) -> str:
    return f"{desk_tag(row)} · {pick(row, 'service__name')}"


def sla_by_service(scope: Scope, filters: Filters) -> list[SlaRow]:
    """SLA compliance per service: the share of tickets of an SLA type resolved in the
    period with no breach recorded (`sla_breached_at` empty), and the breaches of the
    period (two grouped queries)."""
    period = filters.period
    base = tickets(scope, filters)
    resolved = (
        base.filter(in_period("resolved_at", period), type__sla_applies=True)
        .values(*SERVICE_VALUES)
        .annotate(n=Count("id"), breached=Count("id", filter=Q(sla_breached_at__isnull=False)))
        .order_by()
    )
    breached = (
        base.filter(in_period("sla_breached_at", period))
        .values(*SERVICE_VALUES)
        .annotate(n=Count("id"))
        .order_by()
    )
    rows: dict[int, dict[str, Any]] = {}
    for r in resolved:
        rows[r["service_id"]] = {"label": service_label(r), "n": r["n"], "rb": r["breached"]}
    for r in breached:
        entry = rows.setdefault(r["service_id"], {"label": service_label(r), "n": 0, "rb": 0})
        entry["b"] = r["n"]
    out = [SlaRow(pk, v["label"], v["n"], v["rb"], v.get("b", 0)) for pk, v in rows.items()]
    return sorted(out, key=lambda r: r.label)


def sla_total(rows: Iterable[SlaRow]) -> SlaRow:
    rows = list(rows)
    return SlaRow(
        0,
        "",
        sum(r.resolved for r in rows),
        sum(r.resolved_breached for r in rows),
        sum(r.breaches for r in rows),
    )


BREACH_FIELDS = (
    "key",
    "title",
    "sla_breached_at",
    "created_at",
    "resolved_at",
    "desk__key_prefix",
    "desk__slug",
    "service__name_fr",
    "service__name_en",
    "status__name_fr",
    "status__name_en",
    "organisation__name",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def breaches(scope: Scope, filters: Filters) -> QuerySet:
    """The tickets whose SLA was breached in the period, most recent first, as rows of
    `BREACH_FIELDS` (slice it for a page, iterate it for an export)."""
    return (
        tickets(scope, filters)
        .filter(in_period("sla_breached_at", filters.period))
        .order_by("-sla_breached_at", "-id")
        .values(*BREACH_FIELDS)
    )


# --- Satisfaction -------------------------------------------------------------------------


@dataclass(frozen=True)
class Satisfaction:
    """Assessments given in the period: how many of each level (1 to 5)."""

    distribution: dict[int, int]

    @property
    def count(self) -> int:
        return sum(self.distribution.values())

    @property
    def average(self) -> float | None:
        if not self.count:
            return None
        return round(sum(k * n for k, n in self.distribution.items()) / self.count, 2)


def satisfaction(scope: Scope, filters: Filters) -> Satisfaction:
    """The satisfaction levels of the assessments given in the period (one query)."""
    rows = (
        Assessment.objects.filter(ticket_q(scope, filters, "ticket__"))
        .filter(in_period("created_at", filters.period))
        .values("satisfaction")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {level: 0 for level in range(1, 6)}
    for r in rows:
        counts[r["satisfaction"]] = counts.get(r["satisfaction"], 0) + r["n"]
    return Satisfaction(counts)


# --- Time spent ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeRow:
    key: int
    label: str
    minutes: int
    billable: int


def _time_entries(scope: Scope, filters: Filters) -> QuerySet[TimeEntry]:
    p = filters.period
    return TimeEntry.objects.filter(ticket_q(scope, filters, "ticket__")).filter(
        worked_on__gte=p.first, worked_on__lte=p.last
    )


def _time_rows(qs: QuerySet, key: str, label_of) -> list[TimeRow]:
    rows = qs.annotate(
        total=Sum("minutes"), billed=Sum("minutes", filter=Q(billable=True))
    ).order_by()
    out = [TimeRow(r[key], label_of(r), r["total"] or 0, r["billed"] or 0) for r in rows]
    return sorted(out, key=lambda r: (-r.minutes, r.label))


def time_by_organisation(scope: Scope, filters: Filters) -> list[TimeRow]:
    """Minutes logged in the period per customer organisation (adjustments included)."""
    qs = _time_entries(scope, filters).values("organisation_id", "organisation__name")
    return _time_rows(qs, "organisation_id", lambda r: r["organisation__name"])


def person_name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def time_by_consultant(scope: Scope, filters: Filters) -> list[TimeRow]:
    """Minutes logged in the period per consultant (adjustments included)."""
    qs = _time_entries(scope, filters).values(
        "consultant_id", "consultant__first_name", "consultant__last_name", "consultant__username"
    )
    return _time_rows(
        qs,
        "consultant_id",
        lambda r: person_name(
            r["consultant__first_name"], r["consultant__last_name"], r["consultant__username"]
        ),
    )
