"""The SLA watch (SLA-2): record warnings and breaches as they come, acting as the system.

The scheduler runs `sla_watch` every minute (comptoir/jobs/schedule.py). It reads one
indexed column, `Ticket.sla_next_alert_at` (a partial index: only tickets with an alert
to come are in it), so a million tickets whose clocks are far from a threshold cost
nothing. Each batch of due tickets goes through `sla_check_many` (the `sla_check` action
on each, in one transaction with the rows locked and their histories read at once);
recording moves the column to the next moment (or clears it), which is what makes a
second run find nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from comptoir.core.readcache import read_cache
from comptoir.tickets.actions.sla import sla_check_many
from comptoir.tickets.models import Ticket

logger = logging.getLogger(__name__)

BATCH = 200


def due_tickets(now: datetime, after: tuple[datetime, int] | None = None) -> list[Ticket]:
    """The next batch of tickets whose next SLA alert is due at `now`, in keyset order."""
    qs = Ticket.objects.filter(sla_next_alert_at__lte=now)
    if after is not None:
        at, pk = after
        qs = qs.filter(Q(sla_next_alert_at__gt=at) | Q(sla_next_alert_at=at, pk__gt=pk))
    return list(qs.order_by("sla_next_alert_at", "pk").only("pk", "sla_next_alert_at")[:BATCH])


@task()
def sla_watch() -> dict[str, int]:
    """Record every SLA warning and breach reached by now; the counts of what it did.

    Keyset pages along (sla_next_alert_at, pk) as read before the check: a ticket whose
    column is still in the past after its check (changed meanwhile) is not visited twice in
    one run, it waits for the next.
    """
    now = timezone.now()
    checked = warnings = breaches = failed = 0
    after: tuple[datetime, int] | None = None
    while True:
        batch = due_tickets(now, after)
        with read_cache():  # policies, calendars, rosters: read once per batch
            after, counts = _check_batch(batch, after)
        checked, warnings = checked + counts[0], warnings + counts[1]
        breaches, failed = breaches + counts[2], failed + counts[3]
        if len(batch) < BATCH:
            break
    if warnings or breaches or failed:
        logger.info(
            "sla watch: %d checked, %d warnings, %d breaches, %d skipped",
            checked,
            warnings,
            breaches,
            failed,
        )
    return {"checked": checked, "warnings": warnings, "breaches": breaches, "skipped": failed}


def _check_batch(
    batch: list[Ticket], after: tuple[datetime, int] | None
) -> tuple[tuple[datetime, int] | None, tuple[int, int, int, int]]:
    """`sla_check` on the tickets of a batch (`sla_check_many`: one transaction, bulk
    reads); the keyset position reached and the counts (checked, warnings, breaches,
    skipped)."""
    if not batch:
        return after, (0, 0, 0, 0)
    after = (batch[-1].sla_next_alert_at, batch[-1].pk)
    results = sla_check_many([t.pk for t in batch])
    for ticket in batch:
        if ticket.pk not in results:  # deleted meanwhile
            logger.info("sla watch skipped ticket %s: gone", ticket.pk)
    alerts = [a for made in results.values() for a in made]
    checked, failed = len(results), len(batch) - len(results)
    warnings = sum(1 for a in alerts if a.level == "warning")
    breaches = sum(1 for a in alerts if a.level == "breach")
    return after, (checked, warnings, breaches, failed)
