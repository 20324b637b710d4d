"""Claiming rows of a table used as a delivery queue (the mail outbox, webhook deliveries).

Both queues have the same columns for it: `state` (pending / sending / sent / failed),
`available_at`, `attempts`, `claimed_at`, `claim_token`, `last_error`. A worker claims a
batch with a conditional UPDATE to "sending" under its own token; on PostgreSQL the
candidates are read `FOR UPDATE SKIP LOCKED`, so workers running at once take disjoint
batches, and on SQLite the IMMEDIATE transaction serialises the claims. One piece of code
for both, so a fix to the claim reaches every queue.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db import models, transaction
from django.db.models import F

PENDING, SENDING, FAILED = "pending", "sending", "failed"
LOST = "delivery interrupted: its worker stopped before settling it"


def backoff(attempts: int, cap: timedelta = timedelta(hours=1)) -> timedelta:
    """The wait after the `attempts`-th failure: 1, 2, 4 … minutes, at most `cap`."""
    return min(timedelta(minutes=2 ** min(max(attempts - 1, 0), 10)), cap)


def claim(model: type[models.Model], *, limit: int, now: datetime) -> str | None:
    """Take up to `limit` due rows of `model` for this worker; its token, or None."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        ids = list(
            model.objects.select_for_update(skip_locked=True)
            .filter(state=PENDING, available_at__lte=now)
            .order_by("available_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return None
        taken = model.objects.filter(pk__in=ids, state=PENDING).update(
            state=SENDING, claimed_at=now, claim_token=token
        )
    return token if taken else None


def requeue_stale(
    model: type[models.Model], *, now: datetime, timeout: timedelta, max_attempts: int
) -> tuple[int, int]:
    """Rows a worker claimed and never settled (it died) are due again, counted as an
    attempt, or failed once out of attempts; (back to pending, failed)."""
    stale = model.objects.filter(state=SENDING, claimed_at__lt=now - timeout)
    if not stale.exists():
        return 0, 0  # the usual case: a read, no write lock taken (SQLite)
    failed = stale.filter(attempts__gte=max_attempts - 1).update(
        state=FAILED, attempts=F("attempts") + 1, claim_token="", last_error=LOST
    )
    back = stale.update(
        state=PENDING,
        attempts=F("attempts") + 1,
        available_at=now,
        claim_token="",
        last_error=LOST,
    )
    return back, failed
