"""Background jobs of the notifications (django.tasks); each one is idempotent.

`daily_reports(slot)` is meant to run every hour with the hour it is for (the scheduler's
slot), not "now": a slot run late, retried or run by two workers writes the same reports
once (see `reports.py`).
"""

from __future__ import annotations

import logging

from django.tasks import task

from comptoir.notifications.delivery import deliver_due
from comptoir.notifications.reports import parse_slot, write_reports

logger = logging.getLogger(__name__)


@task()
def daily_reports(slot: str) -> dict[str, int]:
    """NOT-3: write the daily reports due at `slot`, an ISO UTC datetime at an exact hour
    (e.g. "2026-03-02T07:00:00+00:00"); a malformed slot raises ValueError.

    Returns the preferences due, the reports written, those already there (an earlier run)
    and the people with nothing to report. Two runs racing may both count a report as
    written; the outbox still holds it once."""
    result = write_reports(parse_slot(slot))
    if result["written"]:
        logger.info("daily reports for %s: %s", slot, result)
    return result


@task()
def deliver_outbox() -> dict[str, int]:
    """NOT-7: send the outbox rows that are due; enqueued when rows are written (on
    commit) and run every minute by the scheduler, which also catches retries and the
    rows of dead workers. Any number may run at once: each row is claimed by one."""
    result = deliver_due()
    if result["retry"] or result["failed"] or result["requeued"]:
        logger.info("outbox delivery: %s", result)
    return result
