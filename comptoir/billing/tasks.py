"""The monthly time tasks (BIL-1): every ticket still being worked on gets the new month's.

Seed 004 names one task per ticket and month ("#88 - … - Janvier 2022"). Taking a ticket
opens the task of that month; a ticket held across the turn of the month needs the next
one, which `open_month_tasks` opens, every day (comptoir/jobs/schedule.py), for each
ticket that is open and held. It reads tickets in keyset batches of their id, skipping
those that have the month's task already (the unique (ticket, month) index answers),
and inserts the missing ones in bulk, ignoring a task opened meanwhile: memory stays
flat at a million tickets, and a second run the same month inserts nothing.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.db.models import Exists, OuterRef
from django.tasks import task
from django.utils import timezone

from comptoir.billing import periods
from comptoir.billing.actions import task_row
from comptoir.billing.models import TimeTask
from comptoir.tickets.models import Ticket
from comptoir.workflows.models import State

logger = logging.getLogger(__name__)

BATCH = 1000


def open_tasks_for_month(month: date, *, batch: int = BATCH) -> int:
    """Open `month`'s task of every open, held ticket lacking it; how many were opened."""
    missing = ~Exists(TimeTask.objects.filter(ticket_id=OuterRef("pk"), month=month))
    held = Ticket.objects.filter(state=State.OPEN, assignee__isnull=False).filter(missing)
    opened, after = 0, 0
    while True:
        rows = list(
            held.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", "organisation_id", "key", "title", "desk__language")[:batch]
        )
        if not rows:
            break
        TimeTask.objects.bulk_create(
            [
                task_row(
                    ticket_id=pk,
                    organisation_id=org,
                    key=key,
                    title=title,
                    language=language,
                    month=month,
                )
                for pk, org, key, title, language in rows
            ],
            ignore_conflicts=True,
        )
        opened += len(rows)
        after = rows[-1][0]
        if len(rows) < batch:
            break
    return opened


@task()
def open_month_tasks(slot: str | None = None) -> dict[str, int | str]:
    """The month of `slot` (the scheduler's fire time; now without one), in the provider's
    time zone: the run at 00:05 on 1 February in Paris opens February's tasks."""
    when = datetime.fromisoformat(slot) if slot else timezone.now()
    month = periods.month_of(when)
    opened = open_tasks_for_month(month)
    if opened:
        logger.info("opened %d time tasks for %s", opened, month.isoformat())
    return {"month": month.isoformat(), "opened": opened}
