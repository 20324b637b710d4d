"""CSV exports of the dashboards (X-3), streamed so memory stays flat.

A table's export writes the same aggregate rows as its page. The ticket lists (the
tickets of the period, the SLA breaches) read only the columns they write
(`values_list` / `values`) with `.iterator(chunk_size=CHUNK)`: the database hands rows
over in chunks (a server-side cursor on PostgreSQL) and each line is written as soon as
it is read, so a million tickets never sit in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from comptoir.core.csvstream import csv_lines  # noqa: F401 (the views stream through it)
from comptoir.reports import selectors as sel
from comptoir.reports.scope import Filters, Scope
from comptoir.reports.tables import BREACH_COLUMNS, breach_row

CHUNK = 2000

TICKET_FIELDS = (
    "key",
    "title",
    "desk__name_fr",
    "desk__name_en",
    "service__name_fr",
    "service__name_en",
    "organisation__name",
    "status__name_fr",
    "status__name_en",
    "created_at",
    "resolved_at",
    "sla_breached_at",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def ticket_header() -> list[str]:
    return [
        _("Ticket"),
        _("Title"),
        _("Desk"),
        _("Service"),
        _("Customer"),
        _("Status"),
        _("Created"),
        _("Resolved"),
        _("SLA breached"),
        _("Agent in charge"),
    ]


def ticket_rows(scope: Scope, filters: Filters) -> Iterator[list[Any]]:
    """The header, then every ticket filed in the period, oldest first, in chunks."""
    qs = (
        sel.tickets(scope, filters)
        .filter(sel.in_period("created_at", filters.period))
        .order_by("created_at", "id")
        .values(*TICKET_FIELDS)
    )
    yield ticket_header()
    for r in qs.iterator(chunk_size=CHUNK):
        yield [
            r["key"],
            r["title"],
            sel.pick(r, "desk__name"),
            sel.pick(r, "service__name"),
            r["organisation__name"],
            sel.pick(r, "status__name"),
            sel.local_text(r["created_at"]),
            sel.local_text(r["resolved_at"]),
            sel.local_text(r["sla_breached_at"]),
            sel.person_name(
                r["assignee__first_name"] or "",
                r["assignee__last_name"] or "",
                r["assignee__username"] or "",
            ),
        ]


def breach_rows(scope: Scope, filters: Filters) -> Iterator[list[Any]]:
    """The header, then every SLA breach of the period, most recent first, in chunks."""
    yield [c() for c in BREACH_COLUMNS]
    for r in sel.breaches(scope, filters).iterator(chunk_size=CHUNK):
        yield breach_row(r)
