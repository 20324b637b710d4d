"""Retention of the outbox (run by the daily `prune_old_rows` job, jobs/upkeep.py).

Only finished rows go: sent, or failed for good. A pending row is still to be sent and a
row being sent belongs to a worker, whatever their age. Nothing points at an outbox row
(it points at its ticket and event, which stay), so the timeline loses nothing; what a
pruned row still did is thread a reply that names only its Message-ID: such a reply is
then threaded by the ticket's root id in its `References`, or by the key in its subject.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from comptoir.core.batches import delete_in_batches
from comptoir.jobs.conf import positive_number
from comptoir.notifications.models import Outbox, OutboxState

FINISHED = (OutboxState.SENT, OutboxState.FAILED)


def outbox_days() -> float:
    """COMPTOIR_RETAIN_OUTBOX_DAYS: how long finished outbox rows are kept (default 90)."""
    return positive_number("COMPTOIR_RETAIN_OUTBOX_DAYS", 90)


def prune(now: datetime) -> dict[str, int]:
    """Delete the outbox rows written before the retention age and finished since."""
    old = Outbox.objects.filter(
        state__in=FINISHED, created_at__lt=now - timedelta(days=outbox_days())
    )
    return {"outbox": delete_in_batches(old)}
