"""Background work of the webhooks (django.tasks); idempotent, any number may run."""

from __future__ import annotations

import logging

from django.tasks import task

from comptoir.webhooks.delivery import deliver_due

logger = logging.getLogger(__name__)


@task()
def deliver_webhooks() -> dict[str, int]:
    """Post the webhook deliveries that are due. Enqueued when deliveries are written (on
    commit); the scheduler should run it every minute too, for retries and the rows of
    dead workers. Each row is claimed by one worker."""
    result = deliver_due()
    if result["retry"] or result["failed"] or result["requeued"]:
        logger.info("webhook delivery: %s", result)
    return result
