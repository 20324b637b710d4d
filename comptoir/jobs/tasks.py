"""Background jobs (django.tasks). Each one is idempotent: run twice, it does nothing more.

The tasks run on whatever backend `settings.TASKS` names (django-tasks-db by default, see
docs/decisions/0005-background-work.md); the scheduler (`schedule.py`) enqueues the
periodic ones once per slot.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.tasks import task
from django.utils import timezone

from comptoir.core.errors import DomainError
from comptoir.tickets.actions import ticket_transition
from comptoir.tickets.models import Comment, Confirmation, Ticket
from comptoir.workflows import engine
from comptoir.workflows.models import Status

logger = logging.getLogger(__name__)

BATCH = 200


def _due(status: Status, now: datetime) -> QuerySet[Ticket]:
    """WF-4: tickets in `status` whose delay ran out at `now`.

    The delay counts from the later of the status change and the last public comment of
    the reporting or affected person: a customer who writes in between restarts it. A
    ticket is due when both are at least `auto_after_days` old (exactly the delay counts).
    """
    assert status.auto_after_days is not None
    cutoff = now - timedelta(days=status.auto_after_days)
    customer_spoke = Comment.objects.filter(
        Q(author_id=OuterRef("reporter_id")) | Q(author_id=OuterRef("affected_id")),
        ticket_id=OuterRef("pk"),
        internal=False,
        created_at__gt=cutoff,
    )
    due = Ticket.objects.filter(status=status, status_changed_at__lte=cutoff).exclude(
        Exists(customer_spoke)
    )
    if _needs_confirmation(status):
        # WF-5: the scheduler may close only a resolution that was put to the requester;
        # the others (spt's "waiting for the customer" shares the status) would be refused
        # at every run, forever, so they are not even tried.
        due = due.filter(confirmation__in=[Confirmation.PENDING, Confirmation.CONFIRMED])
    return due


def _needs_confirmation(status: Status) -> bool:
    try:
        return engine.find_transition(status, status.auto_transition).needs_confirmation
    except DomainError:
        return False  # a misconfigured status: each ticket is refused (quietly) below


def _close_status(status: Status, now: datetime) -> tuple[int, int]:
    """Move the due tickets of one status, batch by batch along (status_changed_at, pk)."""
    moved = skipped = 0
    after: tuple[datetime, int] | None = None
    while True:
        qs = _due(status, now).order_by("status_changed_at", "pk")
        if after is not None:
            since, pk = after
            qs = qs.filter(Q(status_changed_at__gt=since) | Q(status_changed_at=since, pk__gt=pk))
        batch = list(qs.only("pk", "status_changed_at")[:BATCH])
        for ticket in batch:
            after = (ticket.status_changed_at, ticket.pk)
            try:
                # Its own transaction (the action opens it, locks and re-checks the row):
                # a ticket moved or commented meanwhile is refused, not the batch.
                ticket_transition(actor=None, ticket=ticket, code=status.auto_transition)
            except DomainError as exc:
                # A refusal is the engine's answer, not an incident: it would repeat at every
                # run while the ticket stays as it is, so it is not worth a line each time.
                skipped += 1
                logger.debug(
                    "auto-close skipped ticket %s (%s → %s): %s",
                    ticket.pk,
                    status.code,
                    status.auto_transition,
                    getattr(exc, "code", "") or exc,
                )
            else:
                moved += 1
        if len(batch) < BATCH:
            return moved, skipped


@task()
def auto_close_due() -> dict[str, int]:
    """WF-4: apply every status's automatic transition to the tickets whose delay ran out.

    Idempotent by construction: a ticket already moved is no longer in the status, so a
    second run (another worker, a retried slot) finds nothing to do.
    """
    now = timezone.now()
    moved = skipped = 0
    statuses = Status.objects.filter(auto_after_days__isnull=False).exclude(auto_transition="")
    for status in statuses.order_by("pk"):
        m, s = _close_status(status, now)
        moved, skipped = moved + m, skipped + s
    if moved:
        logger.info("auto-close: %d moved, %d skipped", moved, skipped)
    elif skipped:
        logger.debug("auto-close: nothing moved, %d skipped", skipped)
    return {"moved": moved, "skipped": skipped}
