"""Retention of the webhook delivery log (run by the daily `prune_old_rows` job).

Only finished deliveries go: sent, or failed for good. A pending delivery is still owed to
its receiver and one being sent belongs to a worker, whatever their age. Nothing points at
a delivery (it points at its event, which stays on the timeline).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from comptoir.core.batches import delete_in_batches
from comptoir.jobs.conf import positive_number
from comptoir.webhooks.models import DeliveryState, WebhookDelivery

FINISHED = (DeliveryState.SENT, DeliveryState.FAILED)


def webhook_days() -> float:
    """COMPTOIR_RETAIN_WEBHOOK_DAYS: how long finished deliveries are kept (default 30)."""
    return positive_number("COMPTOIR_RETAIN_WEBHOOK_DAYS", 30)


def prune(now: datetime) -> dict[str, int]:
    """Delete the deliveries written before the retention age and finished since."""
    old = WebhookDelivery.objects.filter(
        state__in=FINISHED, created_at__lt=now - timedelta(days=webhook_days())
    )
    return {"webhook_deliveries": delete_in_batches(old)}
