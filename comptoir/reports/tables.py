"""The manager dashboard's tables: each metric once, as the table a page shows under its
chart and the CSV it exports (the same columns and rows, so the two never disagree).

A table's rows are aggregates (one per bucket, status, service, customer, consultant),
so their number does not grow with the tickets; the ticket lists (breaches, the tickets
of the period) are streamed by `exports.py` instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from comptoir.reports import charts, durations
from comptoir.reports import selectors as sel
from comptoir.reports.scope import Filters, Scope


def hours(value: dt.timedelta | None) -> float | None:
    """A duration in hours, two decimals; None stays None (no ticket measured)."""
    return None if value is None else round(value.total_seconds() / 3600, 2)


@dataclass
class Chart:
    kind: str
    labels: list[str]
    series: list[tuple[str, list[Any]]]
    unit: str = ""


@dataclass
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: Chart | None = None
    summary: list[tuple[str, Any]] = field(default_factory=list)
    footer: list[Any] | None = None
    empty: str = ""

    @cached_property
    def svg(self) -> SafeString | None:
        """The chart, drawn only when a page asks for it (never for an export)."""
        if self.chart is None:
            return None
        c = self.chart
        return charts.render(
            kind=c.kind, title=self.title, labels=c.labels, series=c.series, unit=c.unit
        )

    def csv_rows(self) -> list[list[Any]]:
        return [self.columns, *self.rows, *([self.footer] if self.footer else [])]


def _counts(name: str, title: str, head: str, rows: list[sel.CountRow]) -> Table:
    labels = [r.label for r in rows]
    counts = [r.count for r in rows]
    return Table(
        name=name,
        title=title,
        columns=[head, _("Open tickets")],
        rows=[[r.label, r.count] for r in rows],
        chart=Chart("hbar", labels, [(_("Open tickets"), counts)]),
        footer=[_("Total"), sum(counts)],
        empty=_("No open ticket."),
    )


def backlog_status(scope: Scope, filters: Filters) -> Table:
    rows = sel.backlog_by_status(scope, filters)
    return _counts("backlog_status", _("Backlog by status (now)"), _("Status"), rows)


def backlog_awaiting(scope: Scope, filters: Filters) -> Table:
    rows = sel.backlog_by_awaiting(scope, filters)
    return _counts(
        "backlog_awaiting", _("Backlog by who is expected to act (now)"), _("Awaited"), rows
    )


def volume(scope: Scope, filters: Filters) -> Table:
    rows = sel.volume(scope, filters)
    labels = [r.label for r in rows]
    kind = "line" if len(rows) > 16 else "bar"
    created = pgettext("number of tickets", "Created")
    resolved = pgettext("number of tickets", "Resolved")
    return Table(
        name="volume",
        title=_("Tickets created and resolved"),
        columns=[_("Period"), created, resolved],
        rows=[[r.label, r.created, r.resolved] for r in rows],
        chart=Chart(
            kind,
            labels,
            [
                (created, [r.created for r in rows]),
                (resolved, [r.resolved for r in rows]),
            ],
        ),
        footer=[_("Total"), sum(r.created for r in rows), sum(r.resolved for r in rows)],
    )


def times(scope: Scope, filters: Filters) -> Table:
    rows = durations.times_per_bucket(scope, filters)
    first = durations.first_response(scope, filters)
    done = durations.resolution(scope, filters)
    return Table(
        name="times",
        title=_("First response and resolution times (hours)"),
        columns=[
            _("Period"),
            _("Tickets answered"),
            _("Average first response (h)"),
            _("Tickets resolved"),
            _("Average resolution (h)"),
        ],
        rows=[
            [r.label, r.answered, hours(r.first_response), r.resolved, hours(r.resolution)]
            for r in rows
        ],
        chart=Chart(
            "line",
            [r.label for r in rows],
            [
                (_("First response"), [hours(r.first_response) for r in rows]),
                (_("Resolution"), [hours(r.resolution) for r in rows]),
            ],
            unit="h",
        ),
        summary=[
            (_("Tickets answered"), first.count),
            (_("Average first response (h)"), hours(first.average)),
            (_("Median first response (h)"), hours(first.median)),
            (_("Tickets resolved"), done.count),
            (_("Average resolution (h)"), hours(done.average)),
            (_("Median resolution (h)"), hours(done.median)),
        ],
    )


def sla(scope: Scope, filters: Filters) -> Table:
    rows = sel.sla_by_service(scope, filters)
    total = sel.sla_total(rows)
    return Table(
        name="sla",
        title=_("SLA compliance by service"),
        columns=[
            _("Service"),
            _("Resolved under SLA"),
            _("Met"),
            _("Breached"),
            _("Compliance (%)"),
            _("Breaches in the period"),
        ],
        rows=[
            [r.label, r.resolved, r.met, r.resolved_breached, r.compliance, r.breaches]
            for r in rows
        ],
        chart=Chart(
            "stacked",
            [r.label for r in rows],
            [
                (_("Met"), [r.met for r in rows]),
                (_("Breached"), [r.resolved_breached for r in rows]),
            ],
        ),
        footer=[
            _("Total"),
            total.resolved,
            total.met,
            total.resolved_breached,
            total.compliance,
            total.breaches,
        ],
        summary=[(_("SLA compliance (%)"), total.compliance), (_("Breaches"), total.breaches)],
        empty=_("No ticket under SLA resolved or breached in this period."),
    )


BREACH_COLUMNS = (
    lambda: _("Ticket"),
    lambda: _("Title"),
    lambda: _("Service"),
    lambda: _("Customer"),
    lambda: _("Status"),
    lambda: _("Breached at"),
    lambda: _("Agent in charge"),
)


def breach_row(r: dict[str, Any]) -> list[Any]:
    return [
        r["key"],
        r["title"],
        sel.service_label(r),
        r["organisation__name"],
        sel.pick(r, "status__name"),
        sel.local_text(r["sla_breached_at"]),
        sel.person_name(
            r["assignee__first_name"] or "",
            r["assignee__last_name"] or "",
            r["assignee__username"] or "",
        ),
    ]


def breach_list(scope: Scope, filters: Filters) -> Table:
    rows = list(sel.breaches(scope, filters)[: sel.BREACH_ROWS])
    return Table(
        name="breaches",
        title=_("SLA breaches (most recent first)"),
        columns=[c() for c in BREACH_COLUMNS],
        rows=[breach_row(r) for r in rows],
        empty=_("No SLA breach in this period."),
    )


def satisfaction(scope: Scope, filters: Filters) -> Table:
    s = sel.satisfaction(scope, filters)
    levels = sorted(s.distribution)
    return Table(
        name="satisfaction",
        title=_("Satisfaction from assessments"),
        columns=[_("Satisfaction (1 to 5)"), _("Assessments")],
        rows=[[f"{level}/5", s.distribution[level]] for level in levels],
        chart=Chart(
            "bar",
            [f"{level}/5" for level in levels],
            [(_("Assessments"), [s.distribution[level] for level in levels])],
        ),
        footer=[_("Total"), s.count],
        summary=[(_("Assessments"), s.count), (_("Average satisfaction (out of 5)"), s.average)],
    )


def _time(name: str, title: str, head: str, rows: list[sel.TimeRow]) -> Table:
    return Table(
        name=name,
        title=title,
        columns=[head, _("Minutes"), _("Hours"), _("Billable hours")],
        rows=[
            [r.label, r.minutes, round(r.minutes / 60, 2), round(r.billable / 60, 2)] for r in rows
        ],
        chart=Chart(
            "hbar",
            [r.label for r in rows],
            [(_("Hours"), [round(r.minutes / 60, 2) for r in rows])],
            unit="h",
        ),
        footer=[
            _("Total"),
            sum(r.minutes for r in rows),
            round(sum(r.minutes for r in rows) / 60, 2),
            round(sum(r.billable for r in rows) / 60, 2),
        ],
        empty=_("No time logged in this period."),
    )


def time_organisation(scope: Scope, filters: Filters) -> Table:
    rows = sel.time_by_organisation(scope, filters)
    return _time("time_organisation", _("Time spent per customer"), _("Customer"), rows)


def time_consultant(scope: Scope, filters: Filters) -> Table:
    rows = sel.time_by_consultant(scope, filters)
    return _time("time_consultant", _("Time spent per consultant"), _("Consultant"), rows)


TABLES: dict[str, Callable[[Scope, Filters], Table]] = {
    "backlog_status": backlog_status,
    "backlog_awaiting": backlog_awaiting,
    "volume": volume,
    "times": times,
    "sla": sla,
    "breaches": breach_list,
    "satisfaction": satisfaction,
    "time_organisation": time_organisation,
    "time_consultant": time_consultant,
}


def dashboard(scope: Scope, filters: Filters) -> list[Table]:
    """Every table of the manager dashboard, in page order."""
    return [build(scope, filters) for build in TABLES.values()]
