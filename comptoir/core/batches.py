"""Deleting many old rows without holding a long lock: the daily pruning of the task
queue (`jobs/upkeep.py`) and every app's retention rule (`<app>/retention.py`) go through
`delete_in_batches`, so one table's backlog never turns into one huge transaction that
blocks the workers writing to it (SQLite takes the whole database's write lock)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

PRUNE_BATCH = 1000


def delete_in_batches(
    qs: QuerySet[Any], *, before: Callable[[QuerySet[Any]], None] | None = None
) -> int:
    """Delete what `qs` matches a batch at a time: short transactions, short locks.

    `before(batch)` runs inside each batch's transaction, just before its delete: the
    place to read what the rows point at and register `transaction.on_commit` clean-up,
    which then happens only for rows whose deletion was committed.
    """
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(qs.order_by().values_list("pk", flat=True)[:PRUNE_BATCH])
            if not ids:
                return deleted
            batch = qs.model._default_manager.filter(pk__in=ids)
            if before is not None:
                before(batch)
            count, _ = batch.delete()
        deleted += count
