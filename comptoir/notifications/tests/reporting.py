"""Helpers for the daily report tests (imported, not collected): set a preference in one
line, read back a person's reports and the ticket keys each section lists."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import time_machine

from comptoir.accounts.models import User
from comptoir.catalog.models import Service
from comptoir.notifications.actions import daily_report_set
from comptoir.notifications.models import DailyReportPreference, Outbox
from comptoir.notifications.reports import KIND

# Mondays at 8:00 in Paris: 07:00 UTC in winter (UTC+1), 06:00 UTC in summer (UTC+2).
WINTER_8 = datetime(2026, 3, 2, 7, tzinfo=UTC)
SUMMER_8 = datetime(2026, 6, 1, 6, tzinfo=UTC)


def service(desk: str = "ent", slug: str = "dsi") -> Service:
    return Service.objects.get(desk__slug=desk, slug=slug)


def pref(user: User, svc: Service | None = None, **kw: Any) -> DailyReportPreference:
    kw.setdefault("scope", "free")
    return daily_report_set(actor=user, service=svc or service(), **kw)


def reports(user: User) -> list[Outbox]:
    return list(Outbox.objects.filter(kind=KIND, recipient=user).order_by("pk"))


def only_report(user: User) -> Outbox:
    rows = reports(user)
    assert len(rows) == 1, rows
    return rows[0]


def listed(row: Outbox, section: str = "tickets") -> dict[str, str]:
    """Ticket key → bucket, over every service of the report."""
    return {t["key"]: t["bucket"] for s in row.context["services"] for t in s[section]}


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with time_machine.travel(moment, tick=False):
        yield
