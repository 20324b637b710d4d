"""Retention of incoming mail (run by the daily `prune_old_rows` job, jobs/upkeep.py).

An `InboundMessage` received before the retention age goes, and with it its raw `.eml`
from the storage. What the message led to stays: the ticket, the comment and the
attachments were written through the actions as rows and files of their own, and point
at nothing here (the message points at them, `SET_NULL`), so the timeline and the files
of a ticket opened by mail are untouched.

The raw bytes are content-addressed (`raw_path`): a message and its re-ingests share one
file. So re-ingests go first, then a message once none of its re-ingests is left — a
recent re-ingest keeps its original message, which holds the digest that makes another
copy of the same bytes a duplicate — and a file is removed only once no message names it
any more, after the deletion has committed: a rolled-back batch keeps its files, and a
file already missing is no error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from comptoir.core.batches import delete_in_batches
from comptoir.jobs.conf import positive_number
from comptoir.mailin.models import InboundMessage

logger = logging.getLogger(__name__)


def inbound_days() -> float:
    """COMPTOIR_RETAIN_INBOUND_DAYS: how long incoming messages are kept (default 180)."""
    return positive_number("COMPTOIR_RETAIN_INBOUND_DAYS", 180)


def prune(now: datetime) -> dict[str, int]:
    """Delete the messages received before the retention age, then their raw files."""
    old = InboundMessage.objects.filter(received_at__lt=now - timedelta(days=inbound_days()))
    reingests = old.filter(reingested_from__isnull=False)
    alone = old.filter(reingested_from__isnull=True).exclude(
        Exists(InboundMessage.objects.filter(reingested_from=OuterRef("pk")))
    )
    deleted = delete_in_batches(reingests, before=_forget_raw_files)
    deleted += delete_in_batches(alone, before=_forget_raw_files)
    return {"inbound_messages": deleted}


def _forget_raw_files(batch: QuerySet[Any]) -> None:
    names = set(batch.exclude(raw="").values_list("raw", flat=True))
    if names:
        transaction.on_commit(partial(delete_raw_files, names))


def delete_raw_files(names: Iterable[str]) -> int:
    """Remove the raw files no message names any more; how many are gone (a file already
    missing counts). A storage error leaves that file behind, logged with its name, and
    the others are still removed."""
    names = set(names)
    named = set(InboundMessage.objects.filter(raw__in=names).values_list("raw", flat=True))
    storage = InboundMessage._meta.get_field("raw").storage
    removed = 0
    for name in sorted(names - named):
        try:
            storage.delete(name)
        except Exception:
            logger.exception("raw incoming message %s could not be removed from storage", name)
        else:
            removed += 1
    return removed
